"""The moderator's queue work: every decision changes a question and writes the ledger together."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlmodel import Session, col, select

from bot.domain.actors import Actor
from bot.domain.clock import utcnow
from bot.domain.enums import EventState, LedgerAction, QuestionStatus, ReasonCode
from bot.domain.errors import InvalidInput, InvalidTransition, NotFound
from bot.domain.transitions import DECIDABLE_FROM, Decision, decisions_for
from bot.services.qa.events import load_event
from bot.services.qa.guilds import require_moderator
from bot.services.qa.questions import describe_status, load_question
from bot.services.qa.ranking import queue_order
from bot.services.qa.text import check_question_text, normalise
from bot.services.records.ledger import record, record_decision
from db.engine import Database
from db.models import Event, EventBan, LedgerEntry, Question

Status = QuestionStatus
NOTE_MAX = 500


class AfterLive(StrEnum):
    """What happens to the question being answered when another one goes live."""

    QUEUE = "queue"
    ANSWERED = "answered"


@dataclass(frozen=True, slots=True)
class LiveChange:
    """The question now being answered, and the one it replaced (if any), as it is now; and what
    the moderators should know about showing it (the Stage's topic could not be set, say)."""

    live: Question
    previous: Question | None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Entry:
    """What the ledger records of a decision: its action, and the reason and note when one was given."""

    action: LedgerAction
    reason: ReasonCode | None = None
    note: str | None = None


def allowed_actions(question: Question) -> list[Decision]:
    """What a moderator may decide about the question as it stands, in the order to offer it."""
    return decisions_for(question.status, pinned=question.pinned)


async def approve_question(
    db: Database, question_id: int, moderator: Actor, *, now: datetime | None = None
) -> Question:
    """Publish a question that was waiting for review."""

    def approve(_session: Session, question: Question, _event: Event, _now: datetime) -> Entry:
        question.status = Status.PUBLISHED
        return Entry(LedgerAction.APPROVE)

    return await _decide(db, question_id, moderator, Decision.APPROVE, approve, now=now)


async def set_aside_question(
    db: Database,
    question_id: int,
    moderator: Actor,
    reason: ReasonCode,
    *,
    note: str | None = None,
    now: datetime | None = None,
) -> Question:
    """Take a question out, waiting for review, published or live alike, with a reason (and a note
    when the reason is "other"). The ledger says *reject* if the audience never saw it, *dismiss*
    if it did; the moderator meets one verb."""
    note = _check_reason(reason, note)

    def set_aside(_session: Session, question: Question, _event: Event, _now: datetime) -> Entry:
        action = LedgerAction.REJECT if question.status is Status.PENDING_REVIEW else LedgerAction.DISMISS
        question.status = Status.DISMISSED
        question.pinned = False
        question.reason, question.reason_note = reason, note
        return Entry(action, reason=reason, note=note)

    return await _decide(db, question_id, moderator, Decision.SET_ASIDE, set_aside, now=now)


async def restore_question(
    db: Database, question_id: int, moderator: Actor, *, now: datetime | None = None
) -> Question:
    """Undo a set aside (or an answer): the question goes back where it was, to review if the
    audience never saw it, to the queue otherwise."""

    def restore(session: Session, question: Question, _event: Event, _now: datetime) -> Entry:
        question.status = Status.PENDING_REVIEW if _was_rejected(session, question) else Status.PUBLISHED
        question.reason = question.reason_note = None
        question.answered_at = question.answered_offset_s = None
        return Entry(LedgerAction.RESTORE)

    return await _decide(db, question_id, moderator, Decision.RESTORE, restore, now=now)


def _was_rejected(session: Session, question: Question) -> bool:
    # The ledger is the one record of where a set-aside question stood before.
    if question.status is not Status.DISMISSED:
        return False
    last = session.exec(
        select(LedgerEntry.action)
        .where(
            LedgerEntry.question_id == question.id,
            col(LedgerEntry.action).in_([LedgerAction.REJECT, LedgerAction.DISMISS]),
        )
        .order_by(col(LedgerEntry.id).desc())
        .limit(1)
    ).first()
    return last is LedgerAction.REJECT


async def edit_question(
    db: Database, question_id: int, moderator: Actor, text: str, *, now: datetime | None = None
) -> Question:
    """Reword a question (a typo, a name to remove); the asker's original wording is kept."""

    def edit(_session: Session, question: Question, event: Event, _now: datetime) -> Entry:
        new_text = check_question_text(text, max_length=event.max_question_length)
        if question.original_text is None:
            question.original_text = question.text
        question.text = new_text
        return Entry(LedgerAction.EDIT)

    return await _decide(db, question_id, moderator, Decision.EDIT, edit, now=now)


async def pin_question(
    db: Database, question_id: int, moderator: Actor, *, pinned: bool = True, now: datetime | None = None
) -> Question:
    """Pin a question to the top of the queue (or unpin it)."""

    def pin(_session: Session, question: Question, _event: Event, _now: datetime) -> Entry:
        question.pinned = pinned
        return Entry(LedgerAction.PIN if pinned else LedgerAction.UNPIN)

    return await _decide(db, question_id, moderator, Decision.PIN if pinned else Decision.UNPIN, pin, now=now)


async def mark_answered(db: Database, question_id: int, moderator: Actor, *, now: datetime | None = None) -> Question:
    """Record that the panel answered the question, and when, counted from the event's start."""

    def answer(_session: Session, question: Question, event: Event, now: datetime) -> Entry:
        _answer(question, event, now)
        return Entry(LedgerAction.ANSWER)

    return await _decide(db, question_id, moderator, Decision.ANSWER, answer, now=now)


async def mark_live(
    db: Database,
    question_id: int,
    moderator: Actor,
    *,
    previous: AfterLive = AfterLive.ANSWERED,
    now: datetime | None = None,
) -> LiveChange:
    """Make the question the one being answered now.

    One question is live at a time: the one that was live goes back to the queue or is marked
    answered, as ``previous`` says.
    """
    now = now or utcnow()

    def go_live(session: Session) -> LiveChange:
        question, event = _lock_question(session, question_id, moderator)
        return _go_live(session, event, question, moderator, previous, now)

    return await db.write(go_live)


async def take_next(
    db: Database,
    event_id: int,
    moderator: Actor,
    *,
    previous: AfterLive = AfterLive.ANSWERED,
    now: datetime | None = None,
) -> LiveChange:
    """Put the top question of the queue live (pinned first, then most votes, then oldest)."""
    now = now or utcnow()

    def next_live(session: Session) -> LiveChange:
        event = moderated_event(session, event_id, moderator)
        query = queue_order(
            select(Question).where(Question.event_id == event_id, Question.status == Status.PUBLISHED)
        ).limit(1)
        question = session.exec(query.with_for_update()).first()
        if question is None:
            raise NotFound("The queue is empty: there is no question waiting to be answered.")
        return _go_live(session, event, question, moderator, previous, now)

    return await db.write(next_live)


async def answer_live(db: Database, event_id: int, moderator: Actor, *, now: datetime | None = None) -> Question:
    """Mark the question being answered now as answered."""
    live = await live_question(db, event_id)
    if live is None:
        raise NotFound("No question is being answered right now.")
    return await mark_answered(db, live.id, moderator, now=now)


async def live_question(db: Database, event_id: int) -> Question | None:
    """The question being answered now in the event, if any."""
    query = select(Question).where(Question.event_id == event_id, Question.status == Status.LIVE)
    return await db.read(lambda session: session.exec(query).first())


async def question_for_moderator(db: Database, question_id: int, moderator: Actor) -> Question:
    """The question, for a moderator of its event's server only (``NotAllowed`` for anyone else)."""

    def read(session: Session) -> Question:
        question = load_question(session, question_id)
        require_moderator(session, load_event(session, question.event_id).guild_id, moderator)
        return question

    return await db.read(read)


async def check_moderator(db: Database, guild_id: int, actor: Actor) -> None:
    """Raise ``NotAllowed`` unless the actor moderates this server (for moderator-only views)."""
    await db.read(require_moderator, guild_id, actor)


async def ban_asker(
    db: Database,
    event_id: int,
    user_id: int,
    moderator: Actor,
    *,
    reason: str | None = None,
    now: datetime | None = None,
) -> EventBan:
    """Stop a member from asking and voting in this event; what they already asked stays as it is."""
    now = now or utcnow()
    note = _check_note(reason)

    def ban(session: Session) -> EventBan:
        event = moderated_event(session, event_id, moderator)
        if session.get(EventBan, (event_id, user_id)) is not None:
            raise InvalidTransition("That member is already banned from asking in this event.")
        banned = EventBan(event_id=event_id, user_id=user_id, banned_by=moderator.user_id, reason=note, banned_at=now)
        session.add(banned)
        record(
            session,
            guild_id=event.guild_id,
            event_id=event_id,
            actor=moderator,
            action=LedgerAction.BAN,
            subject_user_id=user_id,
            note=note,
            at=now,
        )
        return banned

    return await db.write(ban)


async def unban_asker(
    db: Database, event_id: int, user_id: int, moderator: Actor, *, now: datetime | None = None
) -> None:
    """Let a banned member ask in this event again."""
    now = now or utcnow()

    def unban(session: Session) -> None:
        event = moderated_event(session, event_id, moderator)
        banned = session.get(EventBan, (event_id, user_id))
        if banned is None:
            raise InvalidTransition("That member is not banned in this event.")
        session.delete(banned)
        record(
            session,
            guild_id=event.guild_id,
            event_id=event_id,
            actor=moderator,
            action=LedgerAction.UNBAN,
            subject_user_id=user_id,
            at=now,
        )

    await db.write(unban)


async def _decide(
    db: Database,
    question_id: int,
    moderator: Actor,
    decision: Decision,
    apply: Callable[[Session, Question, Event, datetime], Entry],
    *,
    now: datetime | None,
) -> Question:
    """One moderator decision about one question, in one unit of work: lock the question and its
    event, check the moderator and that the question's status allows the decision, apply it, and
    record in the ledger what ``apply`` says was done."""
    now = now or utcnow()

    def decide(session: Session) -> Question:
        question, event = _lock_question(session, question_id, moderator)
        _check_allowed(question, DECIDABLE_FROM[decision], _PAST[decision])
        entry = apply(session, question, event, now)
        session.add(question)
        record_decision(session, event, question, moderator, entry.action, reason=entry.reason, note=entry.note, at=now)
        return question

    return await db.write(decide)


def _check_allowed(question: Question, allowed_from: frozenset[QuestionStatus], done: str) -> None:
    if question.status not in allowed_from:
        raise InvalidTransition(f"Question #{question.id} is {describe_status(question)}, so it cannot be {done}.")


_PAST = {
    Decision.APPROVE: "approved",
    Decision.SET_ASIDE: "set aside",
    Decision.RESTORE: "restored",
    Decision.EDIT: "edited",
    Decision.PIN: "pinned",
    Decision.UNPIN: "unpinned",
    Decision.ANSWER: "marked answered",
}


def moderated_event(session: Session, event_id: int, moderator: Actor) -> Event:
    """Lock the event for a moderator's decision: ``NotAllowed`` unless they moderate, refused once archived."""
    # The event row is locked so that two moderators' decisions on one event happen one at a time.
    event = load_event(session, event_id, for_update=True)
    require_moderator(session, event.guild_id, moderator)
    if event.state is EventState.ARCHIVED:
        raise InvalidTransition(f"Event #{event.id} is archived; its questions can no longer change.")
    return event


def _lock_question(session: Session, question_id: int, moderator: Actor) -> tuple[Question, Event]:
    # Locks are always taken event first, then question, so two decisions cannot deadlock.
    question = load_question(session, question_id)
    event = moderated_event(session, question.event_id, moderator)
    session.refresh(question, with_for_update=True)
    return question, event


def _go_live(
    session: Session, event: Event, question: Question, moderator: Actor, previous: AfterLive, now: datetime
) -> LiveChange:
    if question.status not in DECIDABLE_FROM[Decision.LIVE]:
        raise InvalidTransition(f"Question #{question.id} is {describe_status(question)}, so it cannot go live.")
    current = session.exec(
        select(Question).where(Question.event_id == event.id, Question.status == Status.LIVE).with_for_update()
    ).first()
    if current is not None:
        if previous is AfterLive.ANSWERED:
            _answer(current, event, now)
        else:
            current.status = Status.PUBLISHED
        session.add(current)
        # The old live question must leave before the new one arrives: one live question per event.
        session.flush()
        action = LedgerAction.ANSWER if previous is AfterLive.ANSWERED else LedgerAction.REQUEUE
        record_decision(session, event, current, moderator, action, at=now)
    question.status = Status.LIVE
    session.add(question)
    record_decision(session, event, question, moderator, LedgerAction.LIVE, at=now)
    return LiveChange(live=question, previous=current)


def _answer(question: Question, event: Event, now: datetime) -> None:
    question.status = Status.ANSWERED
    question.pinned = False
    question.answered_at = now
    if event.starts_at is not None:
        question.answered_offset_s = (now - event.starts_at).total_seconds()


def _check_reason(reason: ReasonCode, note: str | None) -> str | None:
    note = _check_note(note)
    if reason is ReasonCode.OTHER and not note:
        raise InvalidInput("When the reason is “other”, add a short note saying why.")
    return note


def _check_note(note: str | None) -> str | None:
    note = normalise(note) if note else None
    if note and len(note) > NOTE_MAX:
        raise InvalidInput(f"Notes can be at most {NOTE_MAX} characters; this one has {len(note)}.")
    return note or None
