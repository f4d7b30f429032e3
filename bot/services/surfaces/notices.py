"""Telling an asker what became of their question: what there is to tell, and whether to.

A member allows Podium's direct messages unless they turned them off (``/notify``); a DM that
Discord refused (the member does not accept DMs from the bot, error 50007) is recorded, and
Podium does not try again until the member turns notices on again. Nothing is lost either way:
*My questions* shows where each question stands.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlmodel import Session

from bot.domain.clock import utcnow
from bot.services.qa.events import load_event
from bot.services.qa.questions import load_question
from bot.services.surfaces.board import where_it_stands
from db.engine import Database
from db.models import MemberSettings


class News(StrEnum):
    """What happened to a question that its asker is told about."""

    PUBLISHED = "published"  # after a moderator's review
    LIVE = "live"
    ANSWERED = "answered"
    MERGED = "merged"
    SET_ASIDE = "set_aside"


@dataclass(frozen=True, slots=True)
class Notice:
    """One asker to tell, about one question: its number, event, and where it stands now."""

    user_id: int
    question_id: int
    event_title: str
    news: News
    stands: str
    merged_into: int | None


async def notice_for(db: Database, question_id: int, news: News) -> Notice | None:
    """The notice to send the question's asker, or None if they do not want one (or cannot get one)."""

    def read(session: Session) -> Notice | None:
        question = load_question(session, question_id)
        member = session.get(MemberSettings, question.author_id)
        if member is not None and (not member.notify or member.dm_refused_at is not None):
            return None
        event = load_event(session, question.event_id)
        return Notice(
            question.author_id, question_id, event.title, news, where_it_stands(question), question.merged_into
        )

    return await db.read(read)


async def set_notify(db: Database, user_id: int, on: bool) -> MemberSettings:
    """Turn the member's notices on or off; turning them on forgets an earlier refusal by Discord."""

    def change(session: Session) -> MemberSettings:
        member = session.get(MemberSettings, user_id) or MemberSettings(user_id=user_id)
        member.notify = on
        if on:
            member.dm_refused_at = None
        session.add(member)
        return member

    return await db.write(change)


async def record_refused(db: Database, user_id: int, *, now: datetime | None = None) -> None:
    """Discord refused a DM to this member (50007): do not try again until they ask for notices."""

    def record(session: Session) -> None:
        member = session.get(MemberSettings, user_id) or MemberSettings(user_id=user_id)
        member.dm_refused_at = now or utcnow()
        session.add(member)

    await db.write(record)
