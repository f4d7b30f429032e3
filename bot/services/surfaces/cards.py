"""What a question's public card shows, read in one go (cards are redrawn often in a burst)."""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from bot.domain.enums import EventState
from bot.domain.transitions import VOTABLE
from bot.services.qa.events import load_event
from bot.services.qa.questions import load_question
from bot.services.sense.merges import credited_askers
from db.engine import Database
from db.models import Event, Question


@dataclass(frozen=True, slots=True)
class CardFacts:
    """The question as it is now, its event, and how many people are credited with asking it."""

    question: Question
    event: Event
    askers: int


async def card_facts(db: Database, question_id: int) -> CardFacts:
    """The facts of one question's card, from a single read."""

    def read(session: Session) -> CardFacts:
        question = load_question(session, question_id)
        event = load_event(session, question.event_id)
        return CardFacts(question, event, max(1, len(credited_askers(session, question_id))))

    return await db.read(read)


async def questions_without_cards(db: Database, guilds: Collection[int], *, asked_before: datetime) -> list[Question]:
    """The questions members should be voting on from a card that has none: votable questions of
    the open or paused events of these servers that give each question a card, asked before
    ``asked_before``, oldest first.

    A bot stopped between confirming a question to its asker and posting its card (killed, or
    the machine lost) leaves it so, and no later vote or edit can reach a card that does not exist.
    """

    def read(session: Session) -> list[Question]:
        query = (
            select(Question)
            .join(Event, col(Event.id) == Question.event_id)
            .where(
                col(Event.guild_id).in_(list(guilds)),
                col(Event.state).in_([EventState.OPEN, EventState.PAUSED]),
                col(Event.question_cards).is_(True),
                col(Question.status).in_(list(VOTABLE)),
                col(Question.card_message_id).is_(None),
                col(Question.created_at) < asked_before,
            )
            .order_by(col(Question.id))
        )
        return list(session.exec(query))

    return await db.read(read)
