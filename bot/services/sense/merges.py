"""Merging a question into another that asks the same thing, and undoing it exactly.

Merging B into A:

- B becomes ``merged`` (``merged_into`` = A) and leaves the queue; what it was before (status,
  pin) is kept in a ``QuestionMerge`` row.
- B's votes stay on B, untouched. Each voter of B without a vote on A gets a copy of it on A,
  marked ``merged_from`` = B, so someone who voted for both counts once. A's counters and its
  trending key are then counted again from its votes, so they always match the vote rows.
- B's asker, and everyone already credited on B, is credited on A (``askers``).
- The ledger records it, in the same transaction.

Unmerging B takes its copies off A (a voter who has since changed their copy made it their own,
and it stays), counts A again, and puts B back as it was: its votes never moved.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.domain.actors import Actor
from bot.domain.clock import utcnow
from bot.domain.credit import Asker
from bot.domain.enums import LedgerAction, QuestionStatus
from bot.domain.errors import InvalidInput, InvalidTransition
from bot.domain.transitions import DECIDABLE_FROM, MERGE_TARGETS, Decision
from bot.services.qa.moderation import moderated_event
from bot.services.qa.questions import describe_status, get_question, load_question
from bot.services.qa.ranking import rank_questions
from bot.services.qa.trending import question_key
from bot.services.records.ledger import record_decision
from bot.services.sense.dedup import suggest_similar
from bot.services.sense.similarity import SimilarityIndex
from db.engine import Database
from db.models import Event, Question, QuestionMerge, Vote

Status = QuestionStatus

# A question still waiting to be answered can be merged away (DECIDABLE_FROM[Decision.MERGE]) into
# one that was asked and not set aside (merging into an answered question says "already answered").
MERGEABLE = DECIDABLE_FROM[Decision.MERGE]


@dataclass(frozen=True, slots=True)
class Merge:
    """The two questions of a merge or unmerge, as they are now (both cards need redrawing)."""

    question: Question
    into: Question


async def merge_questions(
    db: Database, question_id: int, into_id: int, moderator: Actor, *, now: datetime | None = None
) -> Merge:
    """Merge question ``question_id`` into ``into_id``: votes united, every asker credited on the second."""
    now = now or utcnow()
    if question_id == into_id:
        raise InvalidInput("A question cannot be merged into itself. Pick the question it repeats.")

    def merge(session: Session) -> Merge:
        question, into, event = _lock_pair(session, question_id, into_id, moderator)
        if question.status is Status.MERGED:
            raise InvalidTransition(f"Question #{question.id} is already merged into #{question.merged_into}.")
        if question.status not in MERGEABLE:
            raise InvalidTransition(f"Question #{question.id} is {describe_status(question)}, so it cannot be merged.")
        if into.status is Status.MERGED:
            raise InvalidTransition(
                f"Question #{into.id} is merged into #{into.merged_into}; merge into #{into.merged_into} instead."
            )
        if into.status not in MERGE_TARGETS:
            raise InvalidTransition(
                f"Question #{into.id} is {describe_status(into)}, so no question can be merged into it."
            )
        session.add(
            QuestionMerge(
                question_id=question.id,
                into_id=into.id,
                event_id=event.id,
                previous_status=question.status,
                previous_pinned=question.pinned,
                merged_by=moderator.user_id,
                merged_at=now,
            )
        )
        question.status, question.pinned, question.merged_into = Status.MERGED, False, into.id
        _copy_votes(session, question, into, skip_user=None if event.allow_self_votes else into.author_id)
        _recount(session, into)
        session.add_all([question, into])
        record_decision(session, event, question, moderator, LedgerAction.MERGE, note=f"merged into #{into.id}", at=now)
        return Merge(question, into)

    return await db.write(merge)


async def unmerge_question(db: Database, question_id: int, moderator: Actor, *, now: datetime | None = None) -> Merge:
    """Undo a merge: the question returns as it was, and the votes it brought leave the other."""
    now = now or utcnow()

    def unmerge(session: Session) -> Merge:
        merged = session.get(QuestionMerge, question_id)
        if merged is None:
            load_question(session, question_id)  # NotFound for a question that does not exist
            raise InvalidTransition(f"Question #{question_id} is not merged into another question.")
        question, into, event = _lock_pair(session, question_id, merged.into_id, moderator)
        if into.status is Status.MERGED:
            raise InvalidTransition(
                f"Question #{into.id} has since been merged into #{into.merged_into}; unmerge #{into.id} first."
            )
        session.execute(sa.delete(Vote).where(col(Vote.question_id) == into.id, col(Vote.merged_from) == question.id))
        _recount(session, into)
        question.status, question.pinned, question.merged_into = merged.previous_status, merged.previous_pinned, None
        session.delete(merged)
        session.add_all([question, into])
        note = f"taken out of #{into.id}"
        record_decision(session, event, question, moderator, LedgerAction.UNMERGE, note=note, at=now)
        return Merge(question, into)

    return await db.write(unmerge)


async def askers(db: Database, question_ids: Sequence[int]) -> dict[int, list[Asker]]:
    """Who asked each question: its own asker first, then the askers of the questions merged into it
    (and into those), each person once under each face they asked with; ``bot.domain.credit.credit``
    turns them into what the audience is told.
    """
    return await db.read(lambda session: {qid: credited_askers(session, qid) for qid in question_ids})


def credited_askers(session: Session, question_id: int) -> list[Asker]:
    """``askers`` for one question, inside the caller's session."""
    people: dict[tuple[int, bool], Asker] = {}
    rows = session.exec(select(Question).where(Question.id == question_id)).all()
    while rows:
        for row in rows:
            face = (row.author_id, row.anonymous)
            people.setdefault(face, Asker(row.author_id, row.author_name, row.anonymous, row.id))
        merged_in = select(Question).where(col(Question.merged_into).in_([row.id for row in rows]))
        rows = session.exec(merged_in.order_by(col(Question.created_at), col(Question.id))).all()
    return list(people.values())


def _lock_pair(session: Session, question_id: int, into_id: int, moderator: Actor) -> tuple[Question, Question, Event]:
    # Event first, then both questions in id order: the lock order every moderator decision keeps.
    question, into = load_question(session, question_id), load_question(session, into_id)
    if question.event_id != into.event_id:
        raise InvalidInput(
            f"Questions #{question.id} and #{into.id} belong to different events; "
            "only questions of the same event can be merged."
        )
    event = moderated_event(session, question.event_id, moderator)
    for row in sorted((question, into), key=lambda q: q.id or 0):
        session.refresh(row, with_for_update=True)
    return question, into, event


def _copy_votes(session: Session, question: Question, into: Question, *, skip_user: int | None) -> None:
    """Copy onto ``into`` the votes of ``question`` from people without a vote on ``into`` already."""
    already = select(Vote.user_id).where(Vote.question_id == into.id)
    votes = select(
        sa.literal(into.id),
        col(Vote.user_id),
        col(Vote.event_id),
        col(Vote.value),
        col(Vote.cast_at),
        sa.literal(question.id),
    ).where(Vote.question_id == question.id, col(Vote.user_id).not_in(already))
    if skip_user is not None:
        # The other question's own asker may not vote for it in this event, so their vote is not carried over.
        votes = votes.where(Vote.user_id != skip_user)
    columns = ["question_id", "user_id", "event_id", "value", "cast_at", "merged_from"]
    session.execute(sa.insert(Vote).from_select(columns, votes))


def _recount(session: Session, question: Question) -> None:
    up, down = session.execute(
        select(sa.func.count().filter(col(Vote.value) == 1), sa.func.count().filter(col(Vote.value) == -1)).where(
            Vote.question_id == question.id
        )
    ).one()
    question.votes_up, question.votes_down, question.score = up, down, up - down
    question.trend_key = question_key(session.connection(), question.id, question.event_id)


async def merge_candidates(db: Database, similar: SimilarityIndex, question: Question, *, limit: int) -> list[Question]:
    """What a moderator is offered to merge ``question`` into, at most ``limit``: the questions it
    most likely repeats first (its closest match, then similar ones), then the top of the queue."""
    suggestions = await suggest_similar(db, similar, question.event_id, question.text, limit=5)
    ranked = {q.id: q for q in await rank_questions(db, question.event_id, limit=limit)}
    ordered = dict.fromkeys([question.similar_to, *(s.question_id for s in suggestions), *ranked])
    wanted = [i for i in ordered if i is not None and i != question.id][:limit]
    return [ranked.get(i) or await get_question(db, i) for i in wanted]
