"""The audience's side of questions: asking, withdrawing, and seeing your own."""

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import sqlalchemy as sa
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
from bot.services.qa.guilds import is_moderator, load_guild_settings
from bot.services.qa.text import check_question_text, is_profane, normalise
from bot.services.records.ledger import record
from bot.services.sense.screening import flag_reason, offensive_score
from bot.services.sense.similarity import Match, SimilarityIndex
from db.engine import Database
from db.locks import hold_lock
from db.models import Event, EventBan, Question

Status = QuestionStatus

# Questions the asker may still take back: not yet answered, dismissed or being answered.
WITHDRAWABLE = frozenset({Status.PENDING_REVIEW, Status.PUBLISHED})
# Questions a new one may be linked to as ``similar_to``: asked and not set aside.
LINKABLE = frozenset({Status.PENDING_REVIEW, Status.PUBLISHED, Status.LIVE, Status.ANSWERED})
# How many close questions are considered for the link, in case the closest was set aside.
LINK_CANDIDATES = 5


@dataclass(frozen=True, slots=True)
class Forwarded:
    """Someone else's chat message sent to the panel: who sent it on (``by``), the channel it was
    posted in, and whether a bot or a webhook wrote it."""

    by: Actor
    channel_id: int | None
    from_bot: bool = False


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
    forwarded: Forwarded | None = None,
    similar: SimilarityIndex | None = None,
    now: datetime | None = None,
) -> Question:
    """Ask a question in an open event.

    The text is normalised and checked; banned askers, closed or paused events and askers over
    the event's rate limit are refused with a message saying why (and, for the rate limit, when
    they may ask again). The question is published at once unless the event pre-moderates, the
    profanity filter flags it, or the offensive-language classifier scores it over the event's
    threshold (``screening``), in which case it waits for review with why, for moderators.

    ``forwarded`` is set when a member sends someone else's chat message to the panel: the
    question is credited to ``author``, who may withdraw it, but it is the forwarder's ask: they
    must not be banned, it counts towards their rate limit, and the ledger records them. Only a
    member's message from the event's own channel may be forwarded, never a bot's or a
    moderator's (it would be published as "asked by" them), nor a banned member's; and unless a
    moderator forwarded it, it waits for review, since its author never chose to ask it.

    With ``similar`` (the bot's ``SimilarityIndex``), the question is compared with the event's
    others: the closest one above the index's link threshold is kept as ``similar_to`` (with its
    ``similarity``) for moderators, and the new question joins the index.
    """
    now = now or utcnow()
    if forwarded is not None and forwarded.by.user_id == author.user_id and not forwarded.from_bot:
        forwarded = None  # their own message: an ask like any other
    asker = forwarded.by if forwarded is not None else author
    score = await offensive_score(normalise(text))
    # The word list's check takes milliseconds of CPU: here, in a thread, not inside the unit of
    # work, which on PostgreSQL runs on the event loop (and on SQLite holds up the one writer).
    # What it checks is what the unit of work stores: the normalised text.
    profane_text = await asyncio.to_thread(is_profane, normalise(text))
    probe, closest = None, []
    if similar is not None:
        probe = await similar.probe(db, event_id, normalise(text))
        closest = await similar.matches(probe, threshold=similar.link_threshold, limit=LINK_CANDIDATES)

    def submit(session: Session) -> Question:
        event = load_event(session, event_id)
        if not asker.acts_in(event.guild_id):
            raise NotFound(f"There is no event #{event_id} in this server.")
        _check_open_for_questions(event)
        if anonymous and not event.allow_anonymous:
            raise InvalidInput("This event does not take anonymous questions; ask under your name instead.")
        checked = check_question_text(text, max_length=event.max_question_length)
        _check_not_banned(session, event, asker)
        review = event.premoderation
        if forwarded is not None:
            review = _check_forwardable(session, event, author, forwarded) or review
        # Held until commit: a burst of simultaneous asks is counted one after another.
        hold_lock(session, "asks", event.id, asker.user_id)
        _check_rate_limit(session, event, asker, now)
        profane = event.profanity is not ProfanityPolicy.OFF and profane_text
        if profane and event.profanity is ProfanityPolicy.REFUSE:
            raise InvalidInput("Your question contains words this event does not accept. Please rephrase it.")
        # The classifier only ever holds a question for review: it errs, and a person decides.
        reason = flag_reason(profane=profane, score=score, threshold=event.abuse_threshold)
        flagged = reason is not None
        question = Question(
            event_id=event_id,
            author_id=author.user_id,
            author_name=author.display_name,
            forwarded_by=forwarded.by.user_id if forwarded is not None else None,
            anonymous=anonymous,
            text=checked,
            created_at=now,
            status=Status.PENDING_REVIEW if review or flagged else Status.PUBLISHED,
            flagged=flagged,
            flag_reason=reason,
        )
        link = _first_linkable(session, closest)
        if link is not None:
            question.similar_to, question.similarity = link.question_id, round(link.score, 4)
        session.add(question)
        session.flush()
        if forwarded is not None:
            record(
                session,
                guild_id=event.guild_id,
                event_id=event_id,
                question_id=question.id,
                actor=forwarded.by,
                action=LedgerAction.FORWARD,
                subject_user_id=author.user_id,
                at=now,
            )
        return question

    question = await db.write(submit)
    if similar is not None and probe is not None:
        await similar.add(probe, question.id)
    return question


def _check_forwardable(session: Session, event: Event, author: Actor, forwarded: Forwarded) -> bool:
    """Refuse a message that may not be forwarded; otherwise whether it must wait for review."""
    if forwarded.from_bot:
        raise NotAllowed("Only members' messages can be sent to the panel; this one was posted by a bot.")
    if event.channel_id is not None and forwarded.channel_id != event.channel_id:
        raise NotAllowed(f"Only messages posted in the channel of “{event.title}” can be sent to its panel.")
    settings = load_guild_settings(session, event.guild_id)
    if is_moderator(settings, author):
        raise NotAllowed("A moderator's message cannot be sent to the panel as a question; they can ask it themselves.")
    if session.get(EventBan, (event.id, author.user_id)) is not None:
        raise NotAllowed("A moderator has stopped the author of that message from asking in this event.")
    return not is_moderator(settings, forwarded.by)


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


# An ask's checks run in the asker's unit of work, on the writer, with their statements built
# once: building a statement, or loading ORM objects, cost more than running these.
_STATUSES = sa.select(Question.id, Question.status).where(col(Question.id).in_(sa.bindparam("ids", expanding=True)))
_BANNED = sa.select(EventBan.user_id).where(
    EventBan.event_id == sa.bindparam("event"), EventBan.user_id == sa.bindparam("asker")
)
_RECENT_ASKS = (
    sa.select(Question.created_at)
    .where(
        Question.event_id == sa.bindparam("event"),
        # The member's own asks and the messages they forwarded; not others' forwards of theirs.
        sa.or_(
            sa.and_(Question.author_id == sa.bindparam("asker"), col(Question.forwarded_by).is_(None)),
            Question.forwarded_by == sa.bindparam("asker"),
        ),
        col(Question.created_at) > sa.bindparam("since"),
    )
    .order_by(col(Question.created_at).desc())
    .limit(sa.bindparam("most"))
)


def _first_linkable(session: Session, closest: list[Match]) -> Match | None:
    if not closest:
        return None
    statuses = dict(session.connection().execute(_STATUSES, {"ids": [m.question_id for m in closest]}).all())
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
    if session.connection().execute(_BANNED, {"event": event.id, "asker": author.user_id}).first() is not None:
        raise NotAllowed("A moderator has stopped you from asking questions in this event.")


def _check_rate_limit(session: Session, event: Event, author: Actor, now: datetime) -> None:
    window = timedelta(seconds=event.rate_limit_window_s)
    recent = (
        session.connection()
        .execute(
            _RECENT_ASKS,
            {"event": event.id, "asker": author.user_id, "since": now - window, "most": event.rate_limit_count},
        )
        .scalars()
        .all()
    )
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
