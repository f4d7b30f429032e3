"""Suggest before submit: the questions already asked that a draft seems to repeat.

The cog calls ``suggest_similar`` with what the member typed, before sending it, and offers
"Upvote #12 instead?"; the member can still send theirs (``submit_question(..., similar=index)``,
which links it to the closest one for moderators).
"""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col

from bot.domain.enums import QuestionStatus
from bot.services.qa.text import normalise
from bot.services.sense.similarity import SimilarityIndex
from db.engine import Database
from db.models import Question

Status = QuestionStatus

# What an asker may be pointed to: questions in public view, answered ones included ("already answered").
SUGGESTIBLE = frozenset({Status.PUBLISHED, Status.LIVE, Status.ANSWERED})
# Matches read per suggestion wanted: some turn out set aside, or merged into one already listed.
CANDIDATES_PER_SUGGESTION = 3


@dataclass(frozen=True, slots=True)
class Suggestion:
    """An existing question offered instead of a draft, with how similar it is (0 to 1) and its votes."""

    question_id: int
    text: str
    similarity: float
    status: QuestionStatus
    votes_up: int
    votes_down: int
    score: int


async def suggest_similar(
    db: Database, similar: SimilarityIndex, event_id: int, draft: str, *, limit: int = 3
) -> list[Suggestion]:
    """The event's questions that ``draft`` seems to repeat, most similar first, at most ``limit``.

    Only questions above the index's suggestion threshold are offered, so a suggestion is rarely
    wrong. A question merged into another stands for that other one; questions waiting for review,
    dismissed or withdrawn are never shown.
    """
    text = normalise(draft)
    if not text:
        return []
    probe = await similar.probe(db, event_id, text)
    matches = await similar.matches(probe, threshold=similar.suggest_threshold, limit=limit * CANDIDATES_PER_SUGGESTION)
    if not matches:
        return []

    def read(session: Session) -> list[Suggestion]:
        questions = _with_merge_targets(session, [match.question_id for match in matches])
        suggestions: dict[int, Suggestion] = {}
        for match in matches:
            question = questions[match.question_id]
            while question.status is Status.MERGED and question.merged_into is not None:
                question = questions[question.merged_into]
            if question.status in SUGGESTIBLE and question.id not in suggestions and question.id is not None:
                suggestions[question.id] = Suggestion(
                    question_id=question.id,
                    text=question.text,
                    similarity=round(match.score, 4),
                    status=question.status,
                    votes_up=question.votes_up,
                    votes_down=question.votes_down,
                    score=question.score,
                )
        return list(suggestions.values())[:limit]

    return await db.read(read)


_SUGGESTED = sa.select(
    Question.id,
    Question.text,
    Question.status,
    Question.merged_into,
    Question.votes_up,
    Question.votes_down,
    Question.score,
).where(col(Question.id).in_(sa.bindparam("ids", expanding=True)))


def _with_merge_targets(session: Session, question_ids: list[int]) -> dict[int, sa.Row]:
    """The questions, and the questions they were merged into, all the way down, by id (as plain
    rows: the look-up runs while the member types)."""
    questions: dict[int, sa.Row] = {}
    wanted = set(question_ids)
    while wanted:
        for question in session.connection().execute(_SUGGESTED, {"ids": list(wanted)}):
            questions[question.id] = question
        wanted = {q.merged_into for q in questions.values() if q.merged_into is not None} - set(questions)
    return questions
