"""Podium's settings: read once at start-up from the environment and ``.env``, then passed in."""

from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from db.engine import DEFAULT_DATABASE_URL


class Settings(BaseSettings):
    """Every variable is documented in ``.env.example``."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    log_level: str = "INFO"

    discord_token: SecretStr | None = None
    # Commands are synced to this server only (instantly) by `podium sync` without --guild.
    dev_guild_id: int | None = None
    # Several processes share the work of a large bot: SHARD_COUNT in all, SHARD_IDS for this one.
    shard_count: int | None = Field(default=None, ge=1)
    shard_ids: list[int] | None = None
    # A question's public card is edited at most once per this many seconds, whatever the votes.
    card_edit_interval_s: float = Field(default=2.0, ge=0)
    similarity_backend: Literal["lexical", "semantic"] = "lexical"
    # None: the backend's own threshold, chosen on the development set (docs/benchmarks.md).
    similarity_suggest_threshold: float | None = Field(default=None, ge=0, le=1)
    similarity_link_threshold: float | None = Field(default=None, ge=0, le=1)
    theme_distance_threshold: float = Field(default=0.85, gt=0, le=1)
