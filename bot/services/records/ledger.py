"""The moderation ledger: an append-only record of every moderator decision."""

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from bot.domain.actors import Actor
from bot.domain.enums import LedgerAction, ReasonCode
from db.engine import Database
from db.models import Event, LedgerEntry, Question


def record(
    session: Session,
    *,
    guild_id: int,
    actor: Actor,
    action: LedgerAction,
    at: datetime,
    event_id: int | None = None,
    question_id: int | None = None,
    reason: ReasonCode | None = None,
    subject_user_id: int | None = None,
    note: str | None = None,
) -> LedgerEntry:
    """Add a ledger row to the caller's transaction, so the decision and its record commit together."""
    entry = LedgerEntry(
        guild_id=guild_id,
        event_id=event_id,
        question_id=question_id,
        actor_id=actor.user_id,
        actor_name=actor.display_name,
        action=action,
        reason=reason,
        subject_user_id=subject_user_id,
        note=note,
        at=at,
    )
    session.add(entry)
    return entry


def record_decision(
    session: Session,
    event: Event,
    question: Question,
    moderator: Actor,
    action: LedgerAction,
    *,
    at: datetime,
    reason: ReasonCode | None = None,
    note: str | None = None,
) -> LedgerEntry:
    """``record`` a moderator's decision about one of the event's questions."""
    return record(
        session,
        guild_id=event.guild_id,
        event_id=event.id,
        question_id=question.id,
        actor=moderator,
        action=action,
        reason=reason,
        note=note,
        at=at,
    )


async def event_ledger(db: Database, event_id: int) -> Sequence[LedgerEntry]:
    """Every ledger row of an event, oldest first."""

    def read(session: Session) -> Sequence[LedgerEntry]:
        query = select(LedgerEntry).where(LedgerEntry.event_id == event_id).order_by(col(LedgerEntry.id))
        return session.exec(query).all()

    return await db.read(read)
