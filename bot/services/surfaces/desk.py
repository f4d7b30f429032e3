"""The moderators' desk: what needs a decision now, in the order to take it.

What waits for review (flagged questions first, with why, then the oldest), the suggested merges
with the best match first, and the question being answered. The Discord desk
(``bot.discord.desk``) and the web console draw from it; the decisions go through the flows.
"""

from dataclasses import dataclass

from sqlmodel import Session, col, func, select

from bot.domain.enums import QuestionStatus
from bot.domain.transitions import DECIDABLE_FROM, MERGE_TARGETS, Decision
from bot.services.qa.events import load_event
from db.engine import Database
from db.models import Event, LedgerEntry, Question

Status = QuestionStatus
# What one desk message holds: a row of buttons per waiting question, one row of merges.
WAITING_SHOWN = 3
MERGES_SHOWN = 4


@dataclass(frozen=True, slots=True)
class SuggestedMerge:
    """A question that looks like another one, with how alike the similarity index found them."""

    question: Question
    into: Question
    similarity: float


@dataclass(frozen=True, slots=True)
class Desk:
    """The event's desk as it stands: the first waiting questions of ``waiting_total``, the best
    suggested merges, the live question and how many wait in the queue."""

    event: Event
    waiting: list[Question]
    waiting_total: int
    merges: list[SuggestedMerge]
    live: Question | None
    queued: int


async def moderators_desk(
    db: Database, event_id: int, *, waiting: int = WAITING_SHOWN, merges: int = MERGES_SHOWN
) -> Desk:
    """The desk of one event, read in one unit of work."""

    def read(session: Session) -> Desk:
        event = load_event(session, event_id)
        in_review = (Question.event_id == event_id, Question.status == Status.PENDING_REVIEW)
        first = session.exec(
            select(Question)
            .where(*in_review)
            .order_by(col(Question.flagged).desc(), col(Question.created_at), col(Question.id))
            .limit(waiting)
        ).all()
        total = session.exec(select(func.count()).select_from(Question).where(*in_review)).one()
        queued = session.exec(
            select(func.count())
            .select_from(Question)
            .where(Question.event_id == event_id, Question.status == Status.PUBLISHED)
        ).one()
        live = session.exec(
            select(Question).where(Question.event_id == event_id, Question.status == Status.LIVE)
        ).first()
        return Desk(event, list(first), total, _suggested_merges(session, event_id, merges), live, queued)

    return await db.read(read)


def _suggested_merges(session: Session, event_id: int, limit: int) -> list[SuggestedMerge]:
    repeats = session.exec(
        select(Question)
        .where(
            Question.event_id == event_id,
            col(Question.status).in_(DECIDABLE_FROM[Decision.MERGE]),
            col(Question.similar_to).is_not(None),
        )
        .order_by(col(Question.similarity).desc(), col(Question.id))
        .limit(limit * 3)
    ).all()
    targets = {
        q.id: q for q in session.exec(select(Question).where(col(Question.id).in_([r.similar_to for r in repeats])))
    }
    found = []
    for repeat in repeats:
        into = targets.get(repeat.similar_to)
        # A suggestion stands only while both could still be merged as it says.
        if into is not None and into.status in MERGE_TARGETS:
            found.append(SuggestedMerge(repeat, into, repeat.similarity or 0.0))
    return found[:limit]


async def set_desk_message(db: Database, event_id: int, message_id: int | None) -> None:
    """Remember the message in the moderators' channel that shows the event's desk."""

    def remember(session: Session) -> None:
        event = load_event(session, event_id, for_update=True)
        event.desk_message_id = message_id
        session.add(event)

    await db.write(remember)


async def event_of_question(db: Database, question_id: int) -> int | None:
    """The event a question belongs to (None if there is no such question)."""
    return await db.read(
        lambda session: session.exec(select(Question.event_id).where(Question.id == question_id)).first()
    )


@dataclass(frozen=True, slots=True)
class ConsoleQuestion:
    """A question as the web console lists it, for moderators (who see who asked, anonymous or not)."""

    id: int
    text: str
    status: str
    votes_up: int
    votes_down: int
    score: int
    pinned: bool
    theme: str | None
    flagged: bool
    flag_reason: str | None
    similar_to: int | None
    similarity: float | None
    asked_by: str
    anonymous: bool
    reason: str | None


# What the console lists: everything still standing, and what was set aside (to restore it).
CONSOLE_STATUSES = (Status.PENDING_REVIEW, Status.PUBLISHED, Status.LIVE, Status.ANSWERED, Status.DISMISSED)


async def console_questions(db: Database, event_id: int) -> list[ConsoleQuestion]:
    """Every question of the event the console lists, waiting for review first, then by votes."""

    def read(session: Session) -> list[ConsoleQuestion]:
        rows = session.exec(
            select(Question)
            .where(Question.event_id == event_id, col(Question.status).in_(CONSOLE_STATUSES))
            .order_by(col(Question.score).desc(), col(Question.id))
        ).all()
        order = {status: n for n, status in enumerate(CONSOLE_STATUSES)}
        rows = sorted(rows, key=lambda q: order[q.status])
        return [
            ConsoleQuestion(
                id=q.id or 0,
                text=q.text,
                status=q.status.value,
                votes_up=q.votes_up,
                votes_down=q.votes_down,
                score=q.score,
                pinned=q.pinned,
                theme=q.theme,
                flagged=q.flagged,
                flag_reason=q.flag_reason,
                similar_to=q.similar_to,
                similarity=q.similarity,
                asked_by=q.author_name,
                anonymous=q.anonymous,
                reason=q.reason.value if q.reason else None,
            )
            for q in rows
        ]

    return await db.read(read)


async def queue_version(db: Database, event_id: int) -> tuple[int, int, int]:
    """A fingerprint that changes whenever the event's questions do: how many there are, their
    votes, and the last ledger entry (every decision writes one)."""

    def read(session: Session) -> tuple[int, int, int]:
        count, votes = session.exec(
            select(func.count(), func.coalesce(func.sum(Question.votes_up + Question.votes_down), 0)).where(
                Question.event_id == event_id
            )
        ).one()
        last = session.exec(
            select(func.coalesce(func.max(LedgerEntry.id), 0)).where(LedgerEntry.event_id == event_id)
        ).one()
        return int(count), int(votes), int(last)

    return await db.read(read)
