"""The queue's order: top, trending, newest and theme.

All of them put pinned questions first and, unless asked otherwise, show only questions still
waiting or being answered (published and live).

- **top**: net votes (up minus down), ties to the earlier question.
- **newest**: the most recent first.
- **trending**: each vote counts less as it ages, halving every half-life (the event's
  ``trending_half_life_s``, 10 minutes by default)::

      trend(q) = sum(vote.value * 0.5 ** ((now - vote.cast_at) / half_life) for vote in votes(q))

  Every vote ages at the same pace, so this order is the same at every moment: it is read from
  the question's stored ``trend_key`` (``bot.domain.trending``), kept by each vote in its own
  transaction, through the ``ix_question_trend`` index, as cheaply as ``top``. Ties go to net
  votes, then to the earlier question.
- **theme**: questions of a theme together (see ``bot.services.sense.themes``), the theme with the most
  net votes first, questions without a theme last; within a theme, as ``top``. Read in two steps
  through ``ix_question_theme``: the themes' net votes and sizes from the index alone (one pass
  over its entries for the event, no table rows, no sort of the questions), then only the page's
  rows, theme by theme, in the index's order.

Any order can also be narrowed to one theme (``theme=``).
"""

from collections.abc import Callable, Iterable, Sequence
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from bot.domain.enums import QuestionStatus
from db.engine import Database
from db.models import Question

VISIBLE = frozenset({QuestionStatus.PUBLISHED, QuestionStatus.LIVE})


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
    narrow: Callable[[Any], Any] | None = None,
) -> Sequence[Question]:
    """A page of the event's questions in the chosen order, only those of ``theme`` if given
    (and only those ``narrow`` keeps: it is handed the query and returns it narrowed)."""
    return await db.read(
        ranked, event_id, order=order, limit=limit, offset=offset, statuses=statuses, theme=theme, narrow=narrow
    )


def ranked(
    session: Session,
    event_id: int,
    *,
    order: Order = Order.TOP,
    limit: int = 20,
    offset: int = 0,
    statuses: Iterable[QuestionStatus] = VISIBLE,
    theme: str | None = None,
    narrow: Callable[[Any], Any] | None = None,
) -> Sequence[Question]:
    """``rank_questions`` inside a unit of work that reads more besides."""
    base = select(Question).where(Question.event_id == event_id, col(Question.status).in_(frozenset(statuses)))
    if theme is not None:
        base = base.where(Question.theme == theme)
    if narrow is not None:
        base = narrow(base)
    if order is Order.TOP:
        query = queue_order(base)
    elif order is Order.NEWEST:
        query = base.order_by(col(Question.pinned).desc(), col(Question.created_at).desc(), col(Question.id).desc())
    elif order is Order.THEME:
        return _theme_page(session, base, offset, limit)
    else:
        query = _by_trend(base)
    return session.exec(query.offset(offset).limit(limit)).all()


async def count_questions(db: Database, event_id: int, *, statuses: Iterable[QuestionStatus] = VISIBLE) -> int:
    """How many of the event's questions have one of ``statuses`` (for paging)."""
    query = select(sa.func.count()).where(Question.event_id == event_id, col(Question.status).in_(frozenset(statuses)))
    return await db.read(lambda session: session.exec(query).one())


def _theme_page(session: Session, base: SelectOfScalar[Question], offset: int, limit: int) -> list[Question]:
    """A page of the theme order: pinned questions first, then each theme's, as ``top`` within it."""
    visible = base.subquery()
    tallies = session.exec(
        select(
            visible.c.theme,
            sa.func.sum(visible.c.score),
            sa.func.sum(sa.case((visible.c.pinned, 0), else_=1)),
        ).group_by(visible.c.theme)
    ).all()
    # The themes in order; no theme at all comes last, whatever its votes.
    ranked = sorted(tallies, key=lambda row: (row[0] is None, -row[1], row[0] or ""))
    place = {theme: n for n, (theme, _, _) in enumerate(ranked)}
    by_top = (col(Question.score).desc(), col(Question.created_at), col(Question.id))
    pinned = session.exec(base.where(col(Question.pinned)).order_by(*by_top)).all()
    page = sorted(pinned, key=lambda q: place[q.theme])[offset : offset + limit]
    skip = max(0, offset - len(pinned))
    for theme, _, unpinned in ranked:
        if len(page) == limit:
            break
        if skip >= unpinned:
            skip -= unpinned
            continue
        in_theme = col(Question.theme).is_(None) if theme is None else Question.theme == theme
        rows = base.where(in_theme, col(Question.pinned).is_(False)).order_by(*by_top)
        page += session.exec(rows.offset(skip).limit(limit - len(page))).all()
        skip = 0
    return page


def _by_trend(query: SelectOfScalar[Any]) -> SelectOfScalar[Any]:
    return query.order_by(
        col(Question.pinned).desc(),
        col(Question.trend_key).desc(),
        col(Question.score).desc(),
        col(Question.created_at),
        col(Question.id),
    )
