"""The queue's order: top, trending and newest.

All three put pinned questions first and, unless asked otherwise, show only questions still
waiting or being answered (published and live).

- **top**: net votes (up minus down), ties to the earlier question.
- **newest**: the most recent first.
- **trending**: each vote counts less as it ages, halving every half-life (the event's
  ``trending_half_life_s``, 10 minutes by default)::

      trend(q) = sum(vote.value * 0.5 ** ((now - vote.cast_at) / half_life) for vote in votes(q))

  Votes older than eight half-lives weigh under 0.4% and are left out, so the work is bounded by
  the votes of the last 80 minutes (at the default), not the whole event. Ties go to net votes,
  then to the earlier question.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from bot.services.clock import utcnow
from bot.services.events import load_event
from db.engine import Database
from db.models import Question, QuestionStatus, Vote

VISIBLE = frozenset({QuestionStatus.PUBLISHED, QuestionStatus.LIVE})
TRENDING_HORIZON_HALF_LIVES = 8


class Order(StrEnum):
    TOP = "top"
    TRENDING = "trending"
    NEWEST = "newest"


def queue_order(query: SelectOfScalar[Any]) -> SelectOfScalar[Any]:
    """Order a question query the way the queue is read: pinned, most votes, earliest."""
    return query.order_by(
        col(Question.pinned).desc(), col(Question.score).desc(), col(Question.created_at), col(Question.id)
    )


async def rank_questions(
    db: Database,
    event_id: int,
    *,
    order: Order = Order.TOP,
    limit: int = 20,
    offset: int = 0,
    statuses: Iterable[QuestionStatus] = VISIBLE,
    now: datetime | None = None,
) -> Sequence[Question]:
    """A page of the event's questions in the chosen order."""
    statuses = frozenset(statuses)
    now = now or utcnow()

    def rank(session: Session) -> Sequence[Question]:
        base = select(Question).where(Question.event_id == event_id, col(Question.status).in_(statuses))
        if order is Order.TOP:
            query = queue_order(base)
        elif order is Order.NEWEST:
            query = base.order_by(col(Question.pinned).desc(), col(Question.created_at).desc(), col(Question.id).desc())
        else:
            half_life = timedelta(seconds=load_event(session, event_id).trending_half_life_s)
            page = _trending_ids(session, event_id, statuses, half_life, now)[offset : offset + limit]
            found = {q.id: q for q in session.exec(base.where(col(Question.id).in_(page)))}
            return [found[i] for i in page]
        return session.exec(query.offset(offset).limit(limit)).all()

    return await db.read(rank)


def _trending_ids(
    session: Session, event_id: int, statuses: frozenset[QuestionStatus], half_life: timedelta, now: datetime
) -> list[int]:
    since = now - half_life * TRENDING_HORIZON_HALF_LIVES
    votes = session.exec(
        select(Vote.question_id, Vote.value, Vote.cast_at).where(Vote.event_id == event_id, col(Vote.cast_at) > since)
    )
    trend: dict[int, float] = defaultdict(float)
    for question_id, value, cast_at in votes:
        trend[question_id] += value * 0.5 ** ((now - cast_at) / half_life)
    candidates = session.exec(
        select(Question.id, Question.pinned, Question.score, Question.created_at).where(
            Question.event_id == event_id, col(Question.status).in_(statuses)
        )
    )
    ranked = sorted(candidates, key=lambda c: (not c.pinned, -trend.get(c.id, 0.0), -c.score, c.created_at, c.id))
    return [c.id for c in ranked]
