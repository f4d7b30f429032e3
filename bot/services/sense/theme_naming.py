"""Naming a theme from its questions: by the model when one is configured, else by the words the
questions share most. Clustering decides which questions belong together; this only names them."""

from collections import Counter

from sqlmodel import Session, col, select

from bot.domain.errors import InvalidInput
from bot.llm.client import ModelClient, ModelUnavailable
from bot.llm.outputs import MalformedOutput, ThemeNameOutput
from bot.llm.prompts import messages_for
from bot.llm.spotlight import MARK, block
from bot.llm.validate import LINK, MENTION
from bot.services.drafts.model_calls import CallUsage, ask
from bot.services.reports.retrieval import terms
from db.engine import Database
from db.models import Question

NAME_MAX = 60
QUESTIONS_READ = 20


async def name_theme(db: Database, event_id: int, question_ids: list[int], *, model: ModelClient | None = None) -> str:
    """A short name for the theme the event's questions ``question_ids`` share."""

    def read(session: Session) -> list[Question]:
        query = select(Question).where(Question.event_id == event_id, col(Question.id).in_(question_ids))
        return list(session.exec(query.order_by(col(Question.score).desc()).limit(QUESTIONS_READ)).all())

    questions = await db.read(read)
    if not questions:
        raise InvalidInput("A theme needs at least one question of this event.")
    if model is not None:
        messages = messages_for("theme_name", questions="\n".join(block(f"Q{q.id}", q.text) for q in questions))
        try:
            named = await ask(db, model, event_id, messages, ThemeNameOutput, CallUsage())
        except (ModelUnavailable, MalformedOutput):
            named = None
        name = " ".join(named.name.replace(MARK, " ").split()).strip("\"'“”") if named else ""
        if name and len(name) <= NAME_MAX and not MENTION.search(name) and not LINK.search(name):
            return name
    common = Counter(term for question in questions for term in dict.fromkeys(terms(question.text)))
    return ", ".join(word for word, _ in common.most_common(2)).capitalize() or "Other questions"
