"""The queue's order: top, trending, newest and theme.

All of them put pinned questions first and, unless asked otherwise, show only questions still
waiting or being answered (published and live).

- **top**: net votes (up minus down), ties to the earlier question.
- **newest**: the most recent first.
- **trending**: each vote counts less as it ages, halving every half-life (the event's
  ``trending_half_life_s``, 10 minutes by default)::

      trend(q) = sum(vote.value * 0.5 ** ((now - vote.cast_at) / half_life) for vote in votes(q))

  The sum is taken in the database, over the votes of the last eight half-lives only (older
  votes weigh under 0.4%), so the work is bounded by the last 80 minutes of votes (at the
  default), not the whole event. Ties go to net votes, then to the earlier question.
- **theme**: questions of a theme together (see ``bot.services.sense.themes``), the theme with the most
  net votes first, questions without a theme last; within a theme, as ``top``.

Any order can also be narrowed to one theme (``theme=``).
"""

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from bot.domain.clock import utcnow
from bot.domain.enums import QuestionStatus
from bot.services.qa.events import load_event
from db.engine import Database
from db.functions import seconds_between
from db.models import Question, Vote
from db.types import UTCDateTime

VISIBLE = frozenset({QuestionStatus.PUBLISHED, QuestionStatus.LIVE})
TRENDING_HORIZON_HALF_LIVES = 8


class Order(StrEnum):
    TOP = "top"
    TRENDING = "trending"
    NEWEST = "newest"
    THEME = "theme"


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
    theme: str | None = None,
    now: datetime | None = None,
    narrow: Callable[[Any], Any] | None = None,
) -> Sequence[Question]:
    """A page of the event's questions in the chosen order, only those of ``theme`` if given
    (and only those ``narrow`` keeps: it is handed the query and returns it narrowed)."""
    statuses = frozenset(statuses)
    now = now or utcnow()

    def rank(session: Session) -> Sequence[Question]:
        base = select(Question).where(Question.event_id == event_id, col(Question.status).in_(statuses))
        if theme is not None:
            base = base.where(Question.theme == theme)
        if narrow is not None:
            base = narrow(base)
        if order is Order.TOP:
            query = queue_order(base)
        elif order is Order.NEWEST:
            query = base.order_by(col(Question.pinned).desc(), col(Question.created_at).desc(), col(Question.id).desc())
        elif order is Order.THEME:
            query = _by_theme(base)
        else:
            query = _by_trend(base, event_id, load_event(session, event_id).trending_half_life_s, now)
        return session.exec(query.offset(offset).limit(limit)).all()

    return await db.read(rank)


async def count_questions(db: Database, event_id: int, *, statuses: Iterable[QuestionStatus] = VISIBLE) -> int:
    """How many of the event's questions have one of ``statuses`` (for paging)."""
    query = select(sa.func.count()).where(Question.event_id == event_id, col(Question.status).in_(frozenset(statuses)))
    return await db.read(lambda session: session.exec(query).one())


def _by_theme(query: SelectOfScalar[Any]) -> SelectOfScalar[Any]:
    theme_score = sa.func.sum(Question.score).over(partition_by=Question.theme)
    return query.order_by(
        col(Question.pinned).desc(),
        col(Question.theme).is_(None),
        theme_score.desc(),
        col(Question.theme),
        col(Question.score).desc(),
        col(Question.created_at),
        col(Question.id),
    )


def _by_trend(query: SelectOfScalar[Any], event_id: int, half_life_s: int, now: datetime) -> SelectOfScalar[Any]:
    at = sa.literal(now, UTCDateTime)
    since = sa.literal(now - timedelta(seconds=half_life_s * TRENDING_HORIZON_HALF_LIVES), UTCDateTime)
    weight = Vote.value * sa.func.power(0.5, seconds_between(at, Vote.cast_at) / half_life_s)
    recent = (
        select(Vote.question_id, sa.func.sum(weight).label("trend"))
        .where(Vote.event_id == event_id, col(Vote.cast_at) > since)
        .group_by(col(Vote.question_id))
        .subquery()
    )
    trend = sa.func.coalesce(recent.c.trend, 0.0)
    return query.outerjoin(recent, recent.c.question_id == Question.id).order_by(
        col(Question.pinned).desc(),
        trend.desc(),
        col(Question.score).desc(),
        col(Question.created_at),
        col(Question.id),
    )
