"""The audience's side of questions: asking, withdrawing, and seeing your own."""

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from sqlmodel import Session, col, select

from bot.domain.actors import Actor
from bot.domain.clock import utcnow
from bot.domain.enums import EventState, LedgerAction, ProfanityPolicy, QuestionStatus
from bot.domain.errors import (
    InvalidInput,
    InvalidTransition,
    NotAllowed,
    NotFound,
    RateLimited,
)
from bot.services.qa.events import load_event
from bot.services.qa.ledger import record
from bot.services.qa.screening import flag_reason, offensive_score
from bot.services.qa.text import check_question_text, is_profane, normalise
from bot.services.sense.similarity import Match, SimilarityIndex
from db.engine import Database
from db.models import Event, EventBan, Question

Status = QuestionStatus

# Questions the asker may still take back: not yet answered, dismissed or being answered.
WITHDRAWABLE = frozenset({Status.PENDING_REVIEW, Status.PUBLISHED})
# Questions a new one may be linked to as ``similar_to``: asked and not set aside.
LINKABLE = frozenset({Status.PENDING_REVIEW, Status.PUBLISHED, Status.LIVE, Status.ANSWERED})
# How many close questions are considered for the link, in case the closest was set aside.
LINK_CANDIDATES = 5


def load_question(session: Session, question_id: int, *, for_update: bool = False) -> Question:
    """The question, or ``NotFound``; ``for_update`` locks its row until the transaction ends."""
    query = select(Question).where(Question.id == question_id)
    if for_update:
        query = query.with_for_update()
    question = session.exec(query).first()
    if question is None:
        raise NotFound(f"There is no question #{question_id}.")
    return question


async def get_question(db: Database, question_id: int) -> Question:
    """One question by id (``NotFound`` if it is not there)."""
    return await db.read(load_question, question_id)


async def submit_question(
    db: Database,
    event_id: int,
    author: Actor,
    text: str,
    *,
    anonymous: bool = False,
    forwarded_by: Actor | None = None,
    similar: SimilarityIndex | None = None,
    now: datetime | None = None,
) -> Question:
    """Ask a question in an open event.

    The text is normalised and checked; banned askers, closed or paused events and askers over
    the event's rate limit are refused with a message saying why (and, for the rate limit, when
    they may ask again). The question is published at once unless the event pre-moderates, the
    profanity filter flags it, or the offensive-language classifier scores it over the event's
    threshold (``screening``), in which case it waits for review with why, for moderators.
    ``forwarded_by`` is the member who sent someone else's chat message to the panel: the
    question is credited to ``author`` and the ledger records who forwarded it.

    With ``similar`` (the bot's ``SimilarityIndex``), the question is compared with the event's
    others: the closest one above the index's link threshold is kept as ``similar_to`` (with its
    ``similarity``) for moderators, and the new question joins the index.
    """
    now = now or utcnow()
    score = await offensive_score(normalise(text))
    probe, closest = None, []
    if similar is not None:
        probe = await similar.probe(db, event_id, normalise(text))
        closest = await similar.matches(probe, threshold=similar.link_threshold, limit=LINK_CANDIDATES)

    def submit(session: Session) -> Question:
        event = load_event(session, event_id, guild_id=author.guild_id)
        _check_open_for_questions(event)
        if anonymous and not event.allow_anonymous:
            raise InvalidInput("This event does not take anonymous questions; ask under your name instead.")
        checked = check_question_text(text, max_length=event.max_question_length)
        _check_not_banned(session, event, author)
        _check_rate_limit(session, event, author, now)
        profane = event.profanity is not ProfanityPolicy.OFF and is_profane(checked)
        if profane and event.profanity is ProfanityPolicy.REFUSE:
            raise InvalidInput("Your question contains words this event does not accept. Please rephrase it.")
        # The classifier only ever holds a question for review: it errs, and a person decides.
        reason = flag_reason(profane=profane, score=score, threshold=event.abuse_threshold)
        flagged = reason is not None
        question = Question(
            event_id=event_id,
            author_id=author.user_id,
            author_name=author.display_name,
            anonymous=anonymous,
            text=checked,
            created_at=now,
            status=Status.PENDING_REVIEW if event.premoderation or flagged else Status.PUBLISHED,
            flagged=flagged,
            flag_reason=reason,
        )
        link = _first_linkable(session, closest)
        if link is not None:
            question.similar_to, question.similarity = link.question_id, round(link.score, 4)
        session.add(question)
        session.flush()
        if forwarded_by is not None:
            record(
                session,
                guild_id=event.guild_id,
                event_id=event_id,
                question_id=question.id,
                actor=forwarded_by,
                action=LedgerAction.FORWARD,
                subject_user_id=author.user_id,
                at=now,
            )
        return question

    question = await db.write(submit)
    if similar is not None and probe is not None:
        await similar.add(probe, question.id)
    return question


async def withdraw_question(db: Database, question_id: int, asker: Actor) -> Question:
    """The asker takes back their own question, as long as it is not being or already answered."""

    def withdraw(session: Session) -> Question:
        question = load_question(session, question_id, for_update=True)
        if question.author_id != asker.user_id:
            raise NotAllowed("You can only withdraw your own questions.")
        if question.status not in WITHDRAWABLE:
            raise InvalidTransition(
                f"Question #{question.id} is {describe_status(question)}; it can no longer be withdrawn."
            )
        question.status = Status.WITHDRAWN
        question.pinned = False
        session.add(question)
        return question

    return await db.write(withdraw)


async def set_card_message(db: Database, question_id: int, message_id: int | None) -> None:
    """Remember the Discord message that shows the question's public card."""

    def remember(session: Session) -> None:
        question = load_question(session, question_id, for_update=True)
        question.card_message_id = message_id
        session.add(question)

    await db.write(remember)


async def my_questions(db: Database, event_id: int, asker: Actor) -> Sequence[Question]:
    """The questions this person asked in the event, oldest first, whatever their status."""
    query = (
        select(Question)
        .where(Question.event_id == event_id, Question.author_id == asker.user_id)
        .order_by(col(Question.created_at), col(Question.id))
    )
    return await db.read(lambda session: session.exec(query).all())


_STATUS_WORDS = {
    Status.PENDING_REVIEW: "waiting for a moderator's review",
    Status.PUBLISHED: "in the queue",
    Status.LIVE: "being answered now",
    Status.ANSWERED: "answered",
    Status.DISMISSED: "set aside by a moderator",
    Status.WITHDRAWN: "withdrawn",
}


class _HasStatus(Protocol):
    status: QuestionStatus


def describe_status(question: _HasStatus) -> str:
    """A question's status in words an asker understands."""
    if question.status is Status.MERGED:
        return f"merged into #{getattr(question, 'merged_into', None)}"
    return _STATUS_WORDS[question.status]


def _first_linkable(session: Session, closest: list[Match]) -> Match | None:
    if not closest:
        return None
    statuses = dict(
        session.exec(
            select(Question.id, Question.status).where(col(Question.id).in_([m.question_id for m in closest]))
        ).all()
    )
    return next((m for m in closest if statuses.get(m.question_id) in LINKABLE), None)


def _check_open_for_questions(event: Event) -> None:
    if event.state is EventState.OPEN:
        return
    if event.state is EventState.PAUSED:
        raise InvalidTransition(f"Questions for “{event.title}” are paused for the moment. Try again shortly.")
    if event.state in (EventState.DRAFT, EventState.SCHEDULED):
        raise InvalidTransition(f"Questions for “{event.title}” are not open yet.")
    raise InvalidTransition(f"Questions for “{event.title}” are closed.")


def _check_not_banned(session: Session, event: Event, author: Actor) -> None:
    if session.get(EventBan, (event.id, author.user_id)) is not None:
        raise NotAllowed("A moderator has stopped you from asking questions in this event.")


def _check_rate_limit(session: Session, event: Event, author: Actor, now: datetime) -> None:
    window = timedelta(seconds=event.rate_limit_window_s)
    recent = (
        session.exec(
            select(Question.created_at)
            .where(
                Question.event_id == event.id,
                Question.author_id == author.user_id,
                col(Question.created_at) > now - window,
            )
            .order_by(col(Question.created_at).desc())
            .limit(event.rate_limit_count)
        )
    ).all()
    if len(recent) < event.rate_limit_count:
        return
    retry_at = recent[-1] + window
    wait = max(1, int((retry_at - now).total_seconds() + 0.999))
    raise RateLimited(
        f"You can ask {event.rate_limit_count} questions every {_duration(event.rate_limit_window_s)}. "
        f"You can ask again in {_duration(wait)}.",
        retry_at=retry_at,
    )


def _duration(seconds: int) -> str:
    minutes, secs = divmod(seconds, 60)
    parts = ([f"{minutes} minute{'s' * (minutes != 1)}"] if minutes else []) + (
        [f"{secs} second{'s' * (secs != 1)}"] if secs else []
    )
    return " ".join(parts)
