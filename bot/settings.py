"""Podium's settings: read once at start-up from the environment and ``.env``, then passed in."""

from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.services.reports.report_reader import DEFAULT_CPU_S, DEFAULT_MEMORY_MB, ReadLimits
from db.engine import DEFAULT_DATABASE_URL, DEFAULT_RETRY_BUDGET_S, Retries

LLM_DRAFT_BUDGET_MAX_S = 600.0
DATABASE_RETRY_BUDGET_MAX_S = 30.0


class Settings(BaseSettings):
    """Every variable is documented in ``.env.example``."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True)

    database_url: str = DEFAULT_DATABASE_URL
    # How long one piece of work keeps retrying a locked or unreachable database before the member
    # is told nothing was saved.
    database_retry_budget_s: float = Field(default=DEFAULT_RETRY_BUDGET_S, gt=0, le=DATABASE_RETRY_BUDGET_MAX_S)
    log_level: str = "INFO"

    discord_token: SecretStr | None = None
    # Where Discord's HTTP API is reached, with its version: unset, Discord's own
    # (https://discord.com/api/v10). Set it to put an HTTP rate-limit proxy (nirn-proxy,
    # twilight-http-proxy), shared by every shard process, in front of Discord. The gateway's
    # address is then the one this API's GET /gateway/bot answers.
    discord_api_base: str | None = None
    # Commands are synced to this server only (instantly) by `podium sync` without --guild.
    dev_guild_id: int | None = None
    # Several processes share the work of a large bot: SHARD_COUNT in all, SHARD_IDS for this one.
    shard_count: int | None = Field(default=None, ge=1)
    shard_ids: list[int] | None = None
    # A question's public card is edited at most once per this many seconds, whatever the votes.
    card_edit_interval_s: float = Field(default=2.0, ge=0)
    # A report is read in a process of its own with at most this much CPU time and memory;
    # a file that needs more is refused (bot/services/reports/report_reader.py).
    report_read_cpu_s: int = Field(default=DEFAULT_CPU_S, ge=1)
    report_read_memory_mb: int = Field(default=DEFAULT_MEMORY_MB, ge=256)
    # An event's board is edited at most once per this many seconds (votes on it are answered by
    # redrawing it, free of the channel's limit); its order moves calmly (services/qa/board.py).
    board_edit_interval_s: float = Field(default=1.0, ge=0)

    # The presenter screen's web server, started with the bot (or alone by `podium present`). Bound to
    # this machine only by default; PRESENTER_PUBLIC_URL is the address people open when a reverse
    # proxy (with TLS) stands in front of it, and the base of every link /present gives out.
    presenter_host: str = "127.0.0.1"
    # 0 picks a free port (tests); several bot processes on one machine can share one port, the first
    # to bind serves every event's screen, since each reads the shared database.
    presenter_port: int = Field(default=8080, ge=0, le=65535)
    presenter_public_url: str | None = None
    # Guards for a port anyone may reach without a token: a request's headers must arrive within
    # this many seconds, the server holds at most this many connections (file descriptors are the
    # bot's too: its database needs them), and one link feeds at most this many open pages.
    presenter_header_timeout_s: float = Field(default=10.0, gt=0)
    presenter_max_connections: int = Field(default=200, ge=1)
    presenter_streams_per_link: int = Field(default=20, ge=1)

    # The event's clock (docs/scaling.md): a reminder with the event's panel this long before the
    # start (0: at the start), a digest to the moderators this often while open (0: none), a recap
    # draft this long after the end, and the recap posted by itself if no moderator has acted on it
    # this long after it was drafted (0: never).
    reminder_minutes: float = Field(default=15, ge=0)
    digest_interval_minutes: float = Field(default=15, ge=0)
    recap_delay_minutes: float = Field(default=10, ge=0)
    recap_auto_post_minutes: float = Field(default=0, ge=0)
    # How late a reminder, a digest or an automatic recap may still go out (after a restart, say);
    # opening, closing and drafting the recap run however late they are.
    schedule_misfire_grace_s: int = Field(default=300, ge=1)

    # The language model behind briefs, digests and recaps: any OpenAI-compatible server. With
    # neither a base URL nor a key, drafts come from the extractive writer.
    llm_base_url: str | None = None
    llm_api_key: SecretStr | None = None
    llm_model: str = "gpt-4o-mini"
    llm_timeout_s: float = Field(default=60.0, gt=0)
    llm_max_retries: int = Field(default=2, ge=0)
    # The longest one draft waits for the model, every call, try and pause included; then the
    # extractive writer drafts it. Discord lets a deferred command answer for 15 minutes: the cap
    # leaves five of them for the database and Discord (tests/cogs/test_model_outage.py).
    llm_draft_budget_s: float = Field(default=120.0, gt=0, le=LLM_DRAFT_BUDGET_MAX_S)
    llm_max_output_tokens: int = Field(default=1024, ge=64)
    llm_context_tokens: int = Field(default=8192, ge=2048)
    llm_event_token_budget: int = Field(default=500_000, ge=0)

    # How similar questions are found: a static sentence embedding with the lexical score as one
    # feature ("hybrid", base install), TF-IDF alone ("lexical") or MiniLM ("semantic", which needs
    # the `semantic` extra).
    similarity_backend: Literal["hybrid", "lexical", "semantic"] = "hybrid"
    # None: the backend's own threshold, chosen on the development set (docs/benchmarks.md).
    similarity_suggest_threshold: float | None = Field(default=None, ge=0, le=1)
    similarity_link_threshold: float | None = Field(default=None, ge=0, le=1)

    @property
    def database_retries(self) -> Retries:
        return Retries(budget_s=self.database_retry_budget_s)

    @property
    def report_read_limits(self) -> ReadLimits:
        """What reading one report may cost."""
        return ReadLimits(cpu_s=self.report_read_cpu_s, memory_mb=self.report_read_memory_mb)

    @property
    def llm_configured(self) -> bool:
        return bool(self.llm_base_url or self.llm_api_key)
