"""Votes: one per person and question, +1 or -1, counted exactly however many arrive at once.

Each change runs in one transaction that first locks the question's row (``FOR UPDATE`` on
PostgreSQL; on SQLite every writer is already serialised), then reads the voter's current vote
and writes the new one together with the question's counters. The ``(question_id, user_id)``
primary key is the last line of defence: a second row for the same voter cannot exist.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.actors import Actor
from bot.services.clock import utcnow
from bot.services.errors import InvalidInput, InvalidTransition, NotAllowed
from bot.services.events import load_event
from bot.services.questions import describe_status, load_question
from db.engine import Database
from db.models import Event, EventState, Question, QuestionStatus, Vote

VOTABLE = frozenset({QuestionStatus.PUBLISHED, QuestionStatus.LIVE})
VOTING_STATES = frozenset({EventState.OPEN, EventState.PAUSED})


@dataclass(frozen=True, slots=True)
class VoteTally:
    """A question's counts after a vote, and the voter's own vote now (+1, -1 or 0 for none)."""

    question_id: int
    votes_up: int
    votes_down: int
    score: int
    my_vote: int


async def cast_vote(
    db: Database, question_id: int, voter: Actor, value: int = 1, *, now: datetime | None = None
) -> VoteTally:
    """Set the voter's vote on the question to ``value``; casting the same vote again changes nothing."""
    return await _change_vote(db, question_id, voter, lambda current: value, value=value, now=now)


async def toggle_vote(
    db: Database, question_id: int, voter: Actor, value: int = 1, *, now: datetime | None = None
) -> VoteTally:
    """What a vote button does: cast ``value``, or take it back if that is the vote already there."""
    return await _change_vote(
        db, question_id, voter, lambda current: 0 if current == value else value, value=value, now=now
    )


async def remove_vote(db: Database, question_id: int, voter: Actor, *, now: datetime | None = None) -> VoteTally:
    """Take back the voter's vote, if they have one."""
    return await _change_vote(db, question_id, voter, lambda current: 0, value=0, now=now)


async def _change_vote(
    db: Database,
    question_id: int,
    voter: Actor,
    decide: Callable[[int], int],
    *,
    value: int,
    now: datetime | None,
) -> VoteTally:
    """Lock the question, check the vote is allowed, and move the voter from their current vote to
    ``decide(current)``."""
    if value not in (-1, 0, 1):
        raise InvalidInput("A vote is +1 (up) or -1 (down).")
    now = now or utcnow()
    async with db.transaction() as session:
        question = await load_question(session, question_id, for_update=True)
        event = await load_event(session, question.event_id)
        _check_can_vote(event, question, voter, value)
        existing = await session.get(Vote, (question_id, voter.user_id))
        current = existing.value if existing else 0
        new = decide(current)
        if new != current:
            await _write_vote(session, question, voter, existing, new, now)
            await _adjust_counts(session, question, current, new)
        return VoteTally(question.id, question.votes_up, question.votes_down, question.score, new)


def _check_can_vote(event: Event, question: Question, voter: Actor, value: int) -> None:
    if event.state not in VOTING_STATES:
        when = "closed" if event.state in (EventState.CLOSED, EventState.ARCHIVED) else "not open yet"
        raise InvalidTransition(f"Voting for “{event.title}” is {when}.")
    if question.status not in VOTABLE:
        raise InvalidTransition(f"Question #{question.id} is {describe_status(question)}, so it no longer takes votes.")
    if question.author_id == voter.user_id and not event.allow_self_votes:
        raise NotAllowed("You cannot vote on your own question.")
    if value == -1 and not event.allow_downvotes:
        raise NotAllowed("This event does not use downvotes.")


async def _write_vote(
    session: AsyncSession, question: Question, voter: Actor, existing: Vote | None, new: int, now: datetime
) -> None:
    if existing is None:
        session.add(
            Vote(question_id=question.id, user_id=voter.user_id, event_id=question.event_id, value=new, cast_at=now)
        )
    elif new == 0:
        await session.delete(existing)
    else:
        existing.value, existing.cast_at = new, now
        session.add(existing)
    await session.flush()


async def _adjust_counts(session: AsyncSession, question: Question, old: int, new: int) -> None:
    up = (new == 1) - (old == 1)
    down = (new == -1) - (old == -1)
    # A relative UPDATE, so the counters stay right even if a row lock were ever missing.
    result = await session.execute(
        sa.update(Question)
        .where(Question.id == question.id)
        .values(
            votes_up=Question.votes_up + up,
            votes_down=Question.votes_down + down,
            score=Question.score + (new - old),
        )
        .returning(Question.votes_up, Question.votes_down, Question.score)
        .execution_options(synchronize_session=False)
    )
    question.votes_up, question.votes_down, question.score = result.one()
