"""What a question's public card shows, read in one go (cards are redrawn often in a burst)."""

from dataclasses import dataclass

from sqlmodel import Session

from bot.services.events import load_event
from bot.services.merges import credited_askers
from bot.services.questions import load_question
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
