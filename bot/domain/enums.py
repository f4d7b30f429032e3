"""The words Podium's rules are written in: the states of events and questions, why a question was
set aside, what the ledger records, what a report or a draft is. Stored as their string values."""

from enum import StrEnum


class EventState(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    OPEN = "open"
    PAUSED = "paused"
    CLOSED = "closed"
    ARCHIVED = "archived"


class QuestionStatus(StrEnum):
    PENDING_REVIEW = "pending_review"
    PUBLISHED = "published"
    LIVE = "live"
    ANSWERED = "answered"
    DISMISSED = "dismissed"
    MERGED = "merged"
    WITHDRAWN = "withdrawn"


class ReasonCode(StrEnum):
    """Why a moderator set a question aside."""

    OFF_TOPIC = "off_topic"
    DUPLICATE = "duplicate"
    INAPPROPRIATE = "inappropriate"
    ALREADY_ANSWERED = "already_answered"
    OTHER = "other"


class ProfanityPolicy(StrEnum):
    """What happens to a question the profanity filter flags."""

    OFF = "off"
    REVIEW = "review"
    REFUSE = "refuse"


class LedgerAction(StrEnum):
    EVENT_CREATE = "event_create"
    EVENT_SCHEDULE = "event_schedule"
    EVENT_OPEN = "event_open"
    EVENT_PAUSE = "event_pause"
    EVENT_CLOSE = "event_close"
    EVENT_ARCHIVE = "event_archive"
    EVENT_SETTINGS = "event_settings"
    GUILD_SETTINGS = "guild_settings"
    FORWARD = "forward"
    APPROVE = "approve"
    REJECT = "reject"
    EDIT = "edit"
    PIN = "pin"
    UNPIN = "unpin"
    LIVE = "live"
    REQUEUE = "requeue"
    ANSWER = "answer"
    DISMISS = "dismiss"
    RESTORE = "restore"
    BAN = "ban"
    UNBAN = "unban"
    REPORT_ADD = "report_add"
    RECAP_EDIT = "recap_edit"
    RECAP_APPROVE = "recap_approve"
    MERGE = "merge"
    UNMERGE = "unmerge"
    PRESENTER_LINK = "presenter_link"


class ReportFormat(StrEnum):
    PDF = "pdf"
    MARKDOWN = "markdown"
    TEXT = "text"
    HTML = "html"


class TriageTag(StrEnum):
    """How a question stands against the event's report."""

    COVERED = "covered"
    CHALLENGES = "challenges"
    BEYOND = "beyond_report"


class DraftKind(StrEnum):
    BRIEF = "brief"
    DIGEST = "digest"
    RECAP = "recap"


class DraftStatus(StrEnum):
    DRAFT = "draft"
    SUPERSEDED = "superseded"
    APPROVED = "approved"


class DraftWriter(StrEnum):
    """Who wrote the prose: a language model, or the extractive writer's templates."""

    MODEL = "model"
    EXTRACTIVE = "extractive"
