"""The presenter screen: each event's private link, and what the screen shows.

The link carries a secret token (``secrets.token_urlsafe``), one per event, kept in
``presenter_token``. A moderator gets it with ``presenter_token`` (issued the first time) and
replaces it with ``rotate_presenter_token``, after which the old link finds nothing. The screen
itself is read by token, so whoever holds the link sees the event's title, the question being
answered and the next few, and nothing else: no pending or set-aside questions, and never the
name of someone who asked anonymously.
"""

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from bot.domain.actors import Actor
from bot.domain.clock import utcnow
from bot.domain.credit import Asker, Credit, credit
from bot.domain.enums import EventState, LedgerAction, QuestionStatus
from bot.domain.errors import NotFound
from bot.services.qa.moderation import live_question, moderated_event
from bot.services.qa.ranking import rank_questions
from bot.services.records.ledger import record
from bot.services.sense.merges import askers
from db.engine import Database
from db.models import Event, PresenterToken, Question

TOKEN_BYTES = 32
# What token_urlsafe(TOKEN_BYTES) produces; anything else is refused without a database query.
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")
UPCOMING = 5


@dataclass(frozen=True, slots=True)
class ShownQuestion:
    """A question as the screen shows it, credited as the audience may see it (``bot.domain.credit``)."""

    id: int
    text: str
    votes: int
    pinned: bool
    credit: Credit


@dataclass(frozen=True, slots=True)
class Screen:
    """Everything the presenter screen of one event shows, read at one moment."""

    event_id: int
    title: str
    state: EventState
    live: ShownQuestion | None
    upcoming: list[ShownQuestion]


async def presenter_token(db: Database, event_id: int, moderator: Actor, *, now: datetime | None = None) -> str:
    """The token of the event's presenter link, issued (and written to the ledger) the first time."""
    now = now or utcnow()

    def issue(session: Session) -> str:
        event = moderated_event(session, event_id, moderator)
        current = session.get(PresenterToken, event_id)
        if current is not None:
            return current.token
        return _replace_token(session, event, PresenterToken(event_id=event_id), moderator, now, "link issued")

    return await db.write(issue)


async def rotate_presenter_token(db: Database, event_id: int, moderator: Actor, *, now: datetime | None = None) -> str:
    """A new token for the event's presenter link; the old link stops working at once."""
    now = now or utcnow()

    def rotate(session: Session) -> str:
        event = moderated_event(session, event_id, moderator)
        current = session.get(PresenterToken, event_id) or PresenterToken(event_id=event_id)
        return _replace_token(session, event, current, moderator, now, "new link; the old one no longer works")

    return await db.write(rotate)


async def presented_event(db: Database, token: str) -> Event:
    """The event whose presenter link carries ``token``; ``NotFound`` for any other string."""
    if not _TOKEN_SHAPE.fullmatch(token):
        raise NotFound("There is no presenter screen at this address.")

    def read(session: Session) -> Event:
        # An archived event is put away: its link stops serving, and open pages are told it is gone.
        query = (
            select(Event).join(PresenterToken).where(PresenterToken.token == token, Event.state != EventState.ARCHIVED)
        )
        event = session.exec(query).first()
        if event is None:
            raise NotFound("There is no presenter screen at this address.")
        return event

    return await db.read(read)


async def presenter_screen(db: Database, token: str, *, upcoming: int = UPCOMING) -> Screen:
    """What the screen behind ``token`` shows now: the live question and the top ``upcoming`` waiting."""
    event = await presented_event(db, token)
    live = await live_question(db, event.id)
    waiting = await rank_questions(db, event.id, statuses={QuestionStatus.PUBLISHED}, limit=upcoming)
    shown = ([live] if live is not None else []) + list(waiting)
    credited = await askers(db, [question.id for question in shown])
    return Screen(
        event_id=event.id,
        title=event.title,
        state=event.state,
        live=_shown(live, credited[live.id]) if live is not None else None,
        upcoming=[_shown(question, credited[question.id]) for question in waiting],
    )


def _replace_token(
    session: Session, event: Event, row: PresenterToken, moderator: Actor, now: datetime, note: str
) -> str:
    row.token, row.issued_by, row.issued_at = secrets.token_urlsafe(TOKEN_BYTES), moderator.user_id, now
    session.add(row)
    record(
        session,
        guild_id=event.guild_id,
        event_id=event.id,
        actor=moderator,
        action=LedgerAction.PRESENTER_LINK,
        note=note,
        at=now,
    )
    return row.token


def _shown(question: Question, people: list[Asker]) -> ShownQuestion:
    return ShownQuestion(
        id=question.id, text=question.text, votes=question.score, pinned=question.pinned, credit=credit(people)
    )
