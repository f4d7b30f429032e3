"""The state machines of events and questions: what may follow what.

One home for both, so that the rules (services), the moderators' buttons (Discord) and any other
caller read the same sets instead of restating them.
"""

from enum import StrEnum

from bot.domain.enums import EventState, LedgerAction, QuestionStatus

State = EventState
Status = QuestionStatus

# An event's action -> (states it may start from, state it leads to, ledger action)
EVENT_TRANSITIONS: dict[str, tuple[frozenset[EventState], EventState, LedgerAction]] = {
    "schedule": (frozenset({State.DRAFT, State.SCHEDULED}), State.SCHEDULED, LedgerAction.EVENT_SCHEDULE),
    "open": (frozenset({State.DRAFT, State.SCHEDULED, State.PAUSED}), State.OPEN, LedgerAction.EVENT_OPEN),
    "pause": (frozenset({State.OPEN}), State.PAUSED, LedgerAction.EVENT_PAUSE),
    "close": (frozenset({State.OPEN, State.PAUSED}), State.CLOSED, LedgerAction.EVENT_CLOSE),
    "archive": (frozenset({State.DRAFT, State.SCHEDULED, State.CLOSED}), State.ARCHIVED, LedgerAction.EVENT_ARCHIVE),
}


class Decision(StrEnum):
    """What a moderator can do to one question, in the order their buttons are shown."""

    APPROVE = "approve"
    LIVE = "live"
    ANSWER = "answer"
    PIN = "pin"
    UNPIN = "unpin"
    EDIT = "edit"
    SET_ASIDE = "aside"
    RESTORE = "restore"
    MERGE = "merge"
    UNMERGE = "unmerge"


# A decision -> the question states it may be taken from.
DECIDABLE_FROM: dict[Decision, frozenset[QuestionStatus]] = {
    Decision.APPROVE: frozenset({Status.PENDING_REVIEW}),
    Decision.LIVE: frozenset({Status.PUBLISHED}),
    Decision.ANSWER: frozenset({Status.LIVE, Status.PUBLISHED}),
    Decision.PIN: frozenset({Status.PUBLISHED, Status.LIVE}),
    Decision.UNPIN: frozenset({Status.PUBLISHED, Status.LIVE}),
    Decision.EDIT: frozenset({Status.PENDING_REVIEW, Status.PUBLISHED, Status.LIVE}),
    # One verb for taking a question out, whether or not the audience has seen it yet; the
    # ledger still says which it was (reject before publication, dismiss after).
    Decision.SET_ASIDE: frozenset({Status.PENDING_REVIEW, Status.PUBLISHED, Status.LIVE}),
    Decision.RESTORE: frozenset({Status.DISMISSED, Status.ANSWERED}),
    Decision.MERGE: frozenset({Status.PENDING_REVIEW, Status.PUBLISHED}),
    Decision.UNMERGE: frozenset({Status.MERGED}),
}
# The questions that take votes, and the events' states in which they do.
VOTABLE = frozenset({Status.PUBLISHED, Status.LIVE})
VOTING_STATES = frozenset({State.OPEN, State.PAUSED})
# What a question may be merged into: anything still standing, answered ones included.
MERGE_TARGETS = frozenset({Status.PENDING_REVIEW, Status.PUBLISHED, Status.LIVE, Status.ANSWERED})


def decisions_for(status: QuestionStatus, *, pinned: bool) -> list[Decision]:
    """The decisions a question in this state allows, in button order (pin or unpin, not both)."""
    hidden = Decision.PIN if pinned else Decision.UNPIN
    return [d for d in Decision if d is not hidden and status in DECIDABLE_FROM[d]]
