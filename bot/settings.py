"""Podium's settings: read once at start-up from the environment and ``.env``, then passed in."""

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from db.engine import DEFAULT_DATABASE_URL


class Settings(BaseSettings):
    """Every variable is documented in ``.env.example``."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    log_level: str = "INFO"
    similarity_backend: Literal["lexical", "semantic"] = "lexical"
    # None: the backend's own threshold, chosen on the development set (docs/benchmarks.md).
    similarity_suggest_threshold: float | None = Field(default=None, ge=0, le=1)
    similarity_link_threshold: float | None = Field(default=None, ge=0, le=1)
    theme_distance_threshold: float = Field(default=0.85, gt=0, le=1)
