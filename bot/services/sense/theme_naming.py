"""Naming a theme from its questions: by the model when one is configured, else by the phrase the
questions share (``theme_labels``). Clustering decides which questions belong together; this only
names them. The model's name is data: it is kept only if it is short, carries no mention or link,
and the theme's questions say its words (each of its content words is said by one of them, and
a quarter of them say one), so that a model cannot name a theme after something nobody asked."""

from sqlmodel import Session, col, select

from bot.domain.errors import InvalidInput
from bot.llm.client import ModelClient, ModelUnavailable
from bot.llm.outputs import MalformedOutput, ThemeNameOutput
from bot.llm.prompts import messages_for
from bot.llm.spotlight import MARK, block
from bot.llm.validate import LINK, MENTION
from bot.services.drafts.model_calls import CallUsage, ask
from bot.services.sense.theme_labels import RESERVED, Labeller, content_words, supported
from db.engine import Database
from db.models import Question

NAME_MAX = 60
QUESTIONS_READ = 20


async def _questions(db: Database, event_id: int, question_ids: list[int]) -> list[Question]:
    def read(session: Session) -> list[Question]:
        query = select(Question).where(Question.event_id == event_id, col(Question.id).in_(question_ids))
        return list(session.exec(query.order_by(col(Question.score).desc(), col(Question.id))).all())

    return await db.read(read)


async def model_name(db: Database, event_id: int, question_ids: list[int], *, model: ModelClient) -> str | None:
    """The model's name for the theme of the event's questions ``question_ids``, or None when it
    gives none that passes the checks (or cannot be reached)."""
    questions = await _questions(db, event_id, question_ids)
    if not questions:
        return None
    shown = questions[:QUESTIONS_READ]
    messages = messages_for("theme_name", questions="\n".join(block(f"Q{q.id}", q.text) for q in shown))
    try:
        named = await ask(db, model, event_id, messages, ThemeNameOutput, CallUsage())
    except (ModelUnavailable, MalformedOutput):
        return None
    name = " ".join(named.name.replace(MARK, " ").split()).strip("\"'“”.")
    if not name or len(name) > NAME_MAX or MENTION.search(name) or LINK.search(name):
        return None
    if name.casefold() in RESERVED:
        return None
    if not supported(name, [frozenset(content_words(q.text)) for q in questions]):
        return None
    return name


async def name_theme(db: Database, event_id: int, question_ids: list[int], *, model: ModelClient | None = None) -> str:
    """A short name for the theme the event's questions ``question_ids`` share: the model's if one
    is given and its name passes the checks, else the phrase the questions share ("" if none)."""
    questions = await _questions(db, event_id, question_ids)
    if not questions:
        raise InvalidInput("A theme needs at least one question of this event.")
    if model is not None:
        name = await model_name(db, event_id, question_ids, model=model)
        if name is not None:
            return name
    return Labeller([q.text for q in questions]).label(range(len(questions)), set())
