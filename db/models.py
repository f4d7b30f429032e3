"""Podium's tables.

Every Discord id is a 64-bit ``BigInteger``; every datetime is timezone-aware UTC. Enumerations
are stored as their string values (no native database enums), so adding a value is a code change,
not a schema migration on PostgreSQL.
"""

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from bot.domain.enums import (
    DraftKind,
    DraftStatus,
    DraftWriter,
    EventState,
    LedgerAction,
    ProfanityPolicy,
    QuestionStatus,
    ReasonCode,
    ReportFormat,
    TriageTag,
)
from db.types import UTCDateTime


def _enum(enum: type[StrEnum]) -> sa.Enum:
    return sa.Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=24,
        values_callable=lambda members: [m.value for m in members],
    )


# Default factories are functions of ours, not the builtins ``list`` and ``dict``: for every row
# it constructs, SQLModel asks pydantic whether the factory takes the validated data, and
# ``inspect.signature`` of a builtin parses its text signature anew each time, copying
# ``sys.modules`` into a reference cycle (about 100 µs a row, and garbage for the collector).
def _empty_list() -> list[Any]:
    return []


def _empty_dict() -> dict[str, Any]:
    return {}


def _discord_id(*, nullable: bool = False, index: bool = False) -> Any:
    return Field(
        default=None if nullable else ...,
        sa_type=sa.BigInteger,
        nullable=nullable,
        index=index,
    )


class EventSettings(SQLModel):
    """The rules an event runs by; guilds keep a default set for new events."""

    premoderation: bool = False
    allow_anonymous: bool = True
    max_question_length: int = Field(default=500, ge=20, le=4000)
    rate_limit_count: int = Field(default=3, ge=1)
    rate_limit_window_s: int = Field(default=300, ge=1)
    allow_downvotes: bool = False
    allow_self_votes: bool = False
    profanity: ProfanityPolicy = Field(default=ProfanityPolicy.REVIEW, sa_type=_enum(ProfanityPolicy))
    trending_half_life_s: int = Field(default=600, ge=1)
    # A public card per published question, as well as the board (small events); off by default,
    # since at scale cards flood the channel faster than Discord lets them be posted.
    question_cards: bool = False
    # A question the offensive-language classifier scores at or over this goes to review (1: off).
    abuse_threshold: float = Field(default=0.4, ge=0.0, le=1.0)


class GuildSettings(SQLModel, table=True):
    __tablename__ = "guild_settings"

    guild_id: int = Field(sa_type=sa.BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False})
    moderator_role_ids: list[int] = Field(default_factory=_empty_list, sa_type=sa.JSON)
    qa_channel_id: int | None = _discord_id(nullable=True)
    moderators_channel_id: int | None = _discord_id(nullable=True)
    recap_channel_id: int | None = _discord_id(nullable=True)
    timezone: str = Field(default="UTC", max_length=64)
    event_defaults: dict[str, Any] = Field(default_factory=_empty_dict, sa_type=sa.JSON)


class Event(EventSettings, table=True):
    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = _discord_id(index=True)
    title: str = Field(max_length=100)
    description: str = Field(default="", max_length=1000)
    channel_id: int | None = _discord_id(nullable=True)
    state: EventState = Field(default=EventState.DRAFT, sa_type=_enum(EventState))
    starts_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ends_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The event's board: one message in its channel, posted when it opens and kept current.
    board_message_id: int | None = _discord_id(nullable=True)
    # Where the panel speaks, for Discord's own event: a Stage or voice channel, or a place
    # elsewhere (``location``); and the Guild Scheduled Event kept in step with this one.
    venue_channel_id: int | None = _discord_id(nullable=True)
    venue_is_stage: bool = False
    location: str | None = Field(default=None, max_length=100)
    discord_event_id: int | None = _discord_id(nullable=True)
    created_by: int = _discord_id()
    created_at: datetime = Field(sa_type=UTCDateTime)
    # The moderators' desk: one live message in the moderators' channel, edited as things change.
    desk_message_id: int | None = _discord_id(nullable=True)
    # The moment the questions' trending keys are weighed against (bot.domain.trending); set by
    # the first vote and moved forward (a rebase) before the keys could overflow.
    trend_epoch: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Question(SQLModel, table=True):
    __table_args__ = (
        # The queue: the event's visible questions, pinned first, by net votes, oldest first.
        sa.Index("ix_question_queue", "event_id", "status", "pinned", "score", "created_at"),
        # A page of each order of rank_questions: read in the order's own order and stopped after
        # the page, instead of sorting every visible question; the status is last, so the
        # finished questions a page skips cost no lookup.
        sa.Index("ix_question_top", "event_id", "pinned", "score", "created_at", "status"),
        sa.Index("ix_question_trend", "event_id", "pinned", "trend_key", "score", "created_at", "status"),
        sa.Index("ix_question_newest", "event_id", "pinned", "created_at", "status"),
        # The theme order: each theme's net votes and size from the index alone, then its page.
        sa.Index("ix_question_theme", "event_id", "theme", "pinned", "score", "created_at", "status"),
        # Rate limits and "my questions".
        sa.Index("ix_question_author", "event_id", "author_id", "created_at"),
        # Rate limits of members who forward others' messages.
        sa.Index("ix_question_forwarder", "event_id", "forwarded_by", "created_at"),
        # One question at a time is being answered in an event.
        sa.Index(
            "uq_question_live",
            "event_id",
            unique=True,
            sqlite_where=sa.text("status = 'live'"),
            postgresql_where=sa.text("status = 'live'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", ondelete="CASCADE")
    author_id: int = _discord_id()
    author_name: str = Field(max_length=100)
    # The member who sent someone else's chat message to the panel: their ask, for bans and limits.
    forwarded_by: int | None = _discord_id(nullable=True)
    anonymous: bool = False
    text: str = Field(sa_type=sa.Text)
    original_text: str | None = Field(default=None, sa_type=sa.Text)
    created_at: datetime = Field(sa_type=UTCDateTime)
    status: QuestionStatus = Field(sa_type=_enum(QuestionStatus))
    flagged: bool = False
    # Why it was flagged, for moderators only (never shown to the audience or the asker).
    flag_reason: str | None = Field(default=None, max_length=200)
    reason: ReasonCode | None = Field(default=None, sa_type=_enum(ReasonCode))
    reason_note: str | None = Field(default=None, max_length=500)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answered_offset_s: float | None = None
    pinned: bool = False
    merged_into: int | None = Field(default=None, foreign_key="question.id", ondelete="SET NULL")
    similar_to: int | None = Field(default=None, foreign_key="question.id", ondelete="SET NULL")
    similarity: float | None = None
    theme: str | None = Field(default=None, max_length=100)
    card_message_id: int | None = _discord_id(nullable=True)
    votes_up: int = 0
    votes_down: int = 0
    score: int = 0
    # The decayed vote score as an integer that orders the same at every moment (bot.domain.trending).
    trend_key: int = Field(default=0, sa_type=sa.BigInteger)


class Vote(SQLModel, table=True):
    """One person's vote on one question; the primary key makes a second row impossible."""

    __table_args__ = (sa.Index("ix_vote_event_cast", "event_id", "cast_at"),)

    question_id: int = Field(foreign_key="question.id", primary_key=True, ondelete="CASCADE")
    user_id: int = Field(sa_type=sa.BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False})
    # Copied from the question so trending can read an event's recent votes without a join.
    event_id: int = Field(foreign_key="event.id", ondelete="CASCADE")
    value: int = Field(sa_type=sa.SmallInteger)
    cast_at: datetime = Field(sa_type=UTCDateTime)
    # Set on a copy of a vote that came with a merged question, so unmerging can take it back.
    merged_from: int | None = Field(default=None, foreign_key="question.id", ondelete="CASCADE")


class QuestionMerge(SQLModel, table=True):
    """A question merged into another, with what unmerging it must put back; removed on unmerge."""

    __tablename__ = "question_merge"

    question_id: int = Field(foreign_key="question.id", primary_key=True, ondelete="CASCADE")
    into_id: int = Field(foreign_key="question.id", index=True, ondelete="CASCADE")
    event_id: int = Field(foreign_key="event.id", ondelete="CASCADE")
    previous_status: QuestionStatus = Field(sa_type=_enum(QuestionStatus))
    previous_pinned: bool
    merged_by: int = _discord_id()
    merged_at: datetime = Field(sa_type=UTCDateTime)


class PresenterToken(SQLModel, table=True):
    """The secret in an event's presenter screen link; rotating it replaces the row's token, so the old
    link stops working at once."""

    __tablename__ = "presenter_token"

    event_id: int = Field(foreign_key="event.id", primary_key=True, ondelete="CASCADE")
    token: str = Field(max_length=64, unique=True, index=True)
    issued_by: int = _discord_id()
    issued_at: datetime = Field(sa_type=UTCDateTime)


class EventBan(SQLModel, table=True):
    __tablename__ = "event_ban"

    event_id: int = Field(foreign_key="event.id", primary_key=True, ondelete="CASCADE")
    user_id: int = Field(sa_type=sa.BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False})
    banned_by: int = _discord_id()
    reason: str | None = Field(default=None, max_length=500)
    banned_at: datetime = Field(sa_type=UTCDateTime)


class LedgerEntry(SQLModel, table=True):
    """An append-only record of one moderator decision; rows are never updated or deleted."""

    __tablename__ = "ledger_entry"

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = _discord_id(index=True)
    event_id: int | None = Field(default=None, foreign_key="event.id", index=True, ondelete="CASCADE")
    question_id: int | None = Field(default=None, foreign_key="question.id", ondelete="SET NULL")
    actor_id: int = _discord_id()
    actor_name: str = Field(max_length=100)
    action: LedgerAction = Field(sa_type=_enum(LedgerAction))
    reason: ReasonCode | None = Field(default=None, sa_type=_enum(ReasonCode))
    subject_user_id: int | None = _discord_id(nullable=True)
    note: str | None = Field(default=None, sa_type=sa.Text)
    at: datetime = Field(sa_type=UTCDateTime)


class Report(SQLModel, table=True):
    """The document an event discusses (a policy report); one per event, replaced whole."""

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", ondelete="CASCADE", unique=True)
    filename: str = Field(max_length=200)
    format: ReportFormat = Field(sa_type=_enum(ReportFormat))
    sha256: str = Field(max_length=64)
    size_bytes: int
    pages: int | None = None
    added_by: int = _discord_id()
    added_at: datetime = Field(sa_type=UTCDateTime)


class Passage(SQLModel, table=True):
    """A few hundred words of a report, cited by ``citation`` (``p12`` for a page, ``§3.2`` for a section)."""

    __table_args__ = (
        sa.UniqueConstraint("report_id", "citation", name="uq_passage_citation"),
        sa.Index("ix_passage_report", "report_id", "position"),
    )

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="report.id", ondelete="CASCADE")
    position: int
    citation: str = Field(max_length=32)
    page: int | None = None
    heading: str = Field(default="", max_length=200)
    text: str = Field(sa_type=sa.Text)


class QuestionTriage(SQLModel, table=True):
    """A question's triage tag, shown in the moderators' queue; a brief refines a retrieval guess."""

    __tablename__ = "question_triage"

    question_id: int = Field(foreign_key="question.id", primary_key=True, ondelete="CASCADE")
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    tag: TriageTag = Field(sa_type=_enum(TriageTag))
    citations: list[str] = Field(default_factory=_empty_list, sa_type=sa.JSON)
    from_brief: bool = False
    at: datetime = Field(sa_type=UTCDateTime)


class Draft(SQLModel, table=True):
    """A brief, digest or recap, kept with everything needed to audit it: the facts it was written
    from, the model and prompt version, the structured output, what the validator dropped, usage."""

    __table_args__ = (sa.Index("ix_draft_event_kind", "event_id", "kind", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", ondelete="CASCADE")
    kind: DraftKind = Field(sa_type=_enum(DraftKind))
    question_id: int | None = Field(default=None, foreign_key="question.id", ondelete="SET NULL")
    status: DraftStatus = Field(default=DraftStatus.DRAFT, sa_type=_enum(DraftStatus))
    writer: DraftWriter = Field(sa_type=_enum(DraftWriter))
    model: str | None = Field(default=None, max_length=100)
    prompt_version: str = Field(max_length=100)
    fallback_reason: str | None = Field(default=None, max_length=500)
    inputs: dict[str, Any] = Field(default_factory=_empty_dict, sa_type=sa.JSON)
    output: dict[str, Any] = Field(default_factory=_empty_dict, sa_type=sa.JSON)
    dropped: list[dict[str, Any]] = Field(default_factory=_empty_list, sa_type=sa.JSON)
    usage: dict[str, Any] = Field(default_factory=_empty_dict, sa_type=sa.JSON)
    # The draft as a structured document (bot.domain.documents), rendered per medium; ``text`` is its
    # Markdown, which a moderator may edit.
    document: dict[str, Any] = Field(
        default_factory=_empty_dict, sa_column=sa.Column(sa.JSON, nullable=False, server_default="{}")
    )
    generated_text: str = Field(sa_type=sa.Text)
    text: str = Field(sa_type=sa.Text)
    replaces: int | None = Field(default=None, foreign_key="draft.id", ondelete="SET NULL")
    created_by: int = _discord_id()
    created_at: datetime = Field(sa_type=UTCDateTime)
    edited_by: int | None = _discord_id(nullable=True)
    approved_by: int | None = _discord_id(nullable=True)
    approved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # A recap's text as approved (with the ledger's summary), and how many of its messages are
    # posted: a post that failed halfway resumes from there, with the same words.
    # The recap as approved (its document, ledger included), and how much of it is posted.
    approved_document: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    posted_parts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    posted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class LlmUsage(SQLModel, table=True):
    """Tokens an event has spent on the language model, against its budget."""

    __tablename__ = "llm_usage"

    event_id: int = Field(foreign_key="event.id", primary_key=True, ondelete="CASCADE")
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0


class LlmCacheEntry(SQLModel, table=True):
    """A model's answer, keyed by a hash of the model, prompt version and messages."""

    __tablename__ = "llm_cache"

    key: str = Field(primary_key=True, max_length=64)
    model: str = Field(max_length=100)
    content: str = Field(sa_type=sa.Text)
    prompt_tokens: int
    completion_tokens: int
    created_at: datetime = Field(sa_type=UTCDateTime)


class ScheduleRun(SQLModel, table=True):
    """One fire of one of an event's scheduled jobs, claimed by the process that runs it.

    The primary key is the claim: a second process (or a second fire) that tries to insert the
    same job of the same event for the same due time fails, and does nothing.
    """

    __tablename__ = "schedule_run"

    event_id: int = Field(foreign_key="event.id", primary_key=True, ondelete="CASCADE")
    job: str = Field(primary_key=True, max_length=24)
    due_at: datetime = Field(sa_type=UTCDateTime, primary_key=True)
    claimed_by: str = Field(max_length=100)
    claimed_at: datetime = Field(sa_type=UTCDateTime)


class MemberSettings(SQLModel, table=True):
    """What one member chose about Podium's direct messages, and whether Discord refused one.

    ``dm_refused_at`` is set when Discord answered a DM with 50007 (the member does not accept
    DMs from the bot); Podium does not try again until the member turns notices back on.
    """

    __tablename__ = "member_settings"

    user_id: int = Field(sa_type=sa.BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False})
    notify: bool = True
    dm_refused_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ConsoleLink(SQLModel, table=True):
    """A moderator's one-use sign-in link to the web console, bound to their Discord id; only a
    hash of its secret is stored."""

    __tablename__ = "console_link"

    token_hash: str = Field(max_length=64, primary_key=True)
    guild_id: int = _discord_id()
    user_id: int = _discord_id(index=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ConsoleSession(SQLModel, table=True):
    """A signed-in web console: the cookie's secret (hashed), the CSRF token its changes carry,
    and whose it is; ended by signing out, a new link with rotation, or its expiry."""

    __tablename__ = "console_session"

    token_hash: str = Field(max_length=64, primary_key=True)
    csrf_token: str = Field(max_length=64)
    guild_id: int = _discord_id()
    user_id: int = _discord_id(index=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Theme(SQLModel, table=True):
    """One of an event's themes as the last refresh left it: its label (the one its questions carry
    in ``question.theme``) and who named it. Kept so that a refresh, or a restart, starts from the
    themes the moderators already see instead of clustering afresh."""

    __table_args__ = (sa.UniqueConstraint("event_id", "label", name="uq_theme_label"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", ondelete="CASCADE", index=True)
    label: str = Field(max_length=100)
    # "words" (taken from its questions) or "model" (a language model's name, checked against them).
    named_by: str = Field(default="words", max_length=10)
