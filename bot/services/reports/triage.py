"""Question triage against the report: covered, challenges, or beyond the report.

Retrieval tags a question as soon as the queue asks (covered when the best passage holds most
of its words, beyond the report otherwise); a brief's verdict, which can also say the report
challenges the question, replaces that guess. Tags are reset when the report is replaced.
"""

from collections.abc import Collection
from datetime import datetime
from typing import Literal

from sqlmodel import Session, col, select

from bot.domain.clock import utcnow
from bot.domain.enums import TriageTag
from bot.services.reports.retrieval import report_covers, report_index
from db.engine import Database
from db.models import Question, QuestionTriage
from db.upsert import upsert

VERDICT_TAGS = {"covers": TriageTag.COVERED, "challenges": TriageTag.CHALLENGES, "silent": TriageTag.BEYOND}
TRIAGE_PASSAGES = 3


async def question_triage(
    db: Database, event_id: int, question_ids: Collection[int], *, now: datetime | None = None
) -> dict[int, QuestionTriage]:
    """The triage tags of the event's questions ``question_ids`` (for the queue), tagging by
    retrieval those not tagged yet. Empty when the event has no report."""
    now = now or utcnow()
    index = await report_index(db, event_id)
    if index is None or not question_ids:
        return {}

    def untagged(session: Session) -> list[Question]:
        tagged = select(QuestionTriage.question_id).where(col(QuestionTriage.question_id).in_(question_ids))
        query = select(Question).where(
            Question.event_id == event_id, col(Question.id).in_(question_ids), col(Question.id).not_in(tagged)
        )
        return list(session.exec(query).all())

    rows = []
    for question in await db.read(untagged):
        hits = index.search(question.text, TRIAGE_PASSAGES)
        tag = TriageTag.COVERED if report_covers(hits) else TriageTag.BEYOND
        rows.append(
            {
                "question_id": question.id,
                "event_id": event_id,
                "tag": tag,
                "citations": [hit.citation for hit in hits],
                "from_brief": False,
                "at": now,
            }
        )

    def store_and_read(session: Session) -> dict[int, QuestionTriage]:
        # A brief's verdict that landed meanwhile is kept: retrieval only fills gaps.
        upsert(session, QuestionTriage, rows, keys=["question_id"])
        query = select(QuestionTriage).where(
            QuestionTriage.event_id == event_id, col(QuestionTriage.question_id).in_(question_ids)
        )
        return {row.question_id: row for row in session.exec(query).all()}

    return await db.write(store_and_read)


def store_brief_verdict(
    session: Session,
    question: Question,
    verdict: Literal["covers", "challenges", "silent"],
    citations: list[str],
    now: datetime,
) -> None:
    """Record a brief's verdict as the question's tag, in the caller's transaction."""
    row = {
        "question_id": question.id,
        "event_id": question.event_id,
        "tag": VERDICT_TAGS[verdict],
        "citations": citations,
        "from_brief": True,
        "at": now,
    }
    upsert(
        session,
        QuestionTriage,
        [row],
        keys=["question_id"],
        update=lambda excluded: {name: getattr(excluded, name) for name in ("tag", "citations", "from_brief", "at")},
    )
