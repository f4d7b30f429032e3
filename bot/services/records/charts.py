"""An event's charts as PNG bytes: the timeline (questions and votes per minute, with the moments
questions were answered) and its themes. For rehearsals, exports, and the recap's attachment.

Drawn with matplotlib's object API on the Agg canvas: no display, no pyplot global state, so a
chart can be drawn in a worker thread while the bot runs.
"""

import asyncio
import io
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa
from matplotlib.figure import Figure
from sqlmodel import Session, col, select

from bot.services.drafts.facts import DRAFTED
from bot.services.qa.events import load_event
from db.engine import Database
from db.models import Question, Vote

THEMES_SHOWN = 15
LABEL_MAX = 40
DPI = 110


@dataclass(frozen=True, slots=True)
class Timeline:
    """Seconds from the event's start at which questions were asked, votes cast, questions answered."""

    title: str
    asked: list[float]
    voted: list[float]
    answered: list[float]


@dataclass(frozen=True, slots=True)
class ThemeCount:
    label: str
    questions: int
    votes: int


async def timeline_chart(db: Database, event_id: int) -> bytes:
    """Questions and votes per minute since the event's start, answers marked, as a PNG."""
    timeline = await db.read(_read_timeline, event_id)
    return await asyncio.to_thread(draw_timeline, timeline)


async def themes_chart(db: Database, event_id: int) -> bytes:
    """The event's largest themes by questions (the queue's and those answered), as a PNG."""
    title, counts = await db.read(_read_themes, event_id)
    return await asyncio.to_thread(draw_themes, title, counts)


def _read_timeline(session: Session, event_id: int) -> Timeline:
    event = load_event(session, event_id)
    questions = session.exec(
        select(Question.created_at, Question.answered_offset_s).where(Question.event_id == event_id)
    ).all()
    # A vote carried over by a merge is a copy of one already counted on the merged question.
    votes = session.exec(select(Vote.cast_at).where(Vote.event_id == event_id, col(Vote.merged_from).is_(None))).all()
    start = event.starts_at or min((created for created, _ in questions), default=event.created_at)
    return Timeline(
        title=event.title,
        asked=[(created - start).total_seconds() for created, _ in questions],
        voted=[(cast - start).total_seconds() for cast in votes],
        answered=sorted(offset for _, offset in questions if offset is not None),
    )


def _read_themes(session: Session, event_id: int) -> tuple[str, list[ThemeCount]]:
    event = load_event(session, event_id)
    rows = session.exec(
        select(Question.theme, sa.func.count(), sa.func.sum(Question.score))
        .where(Question.event_id == event_id, col(Question.status).in_(DRAFTED), col(Question.theme).is_not(None))
        .group_by(col(Question.theme))
    ).all()
    counts = [ThemeCount(label or "", int(n), int(votes or 0)) for label, n, votes in rows]
    return event.title, sorted(counts, key=lambda c: (-c.questions, -c.votes, c.label))


def per_minute(seconds: Sequence[float], minutes: int) -> np.ndarray:
    """How many of ``seconds`` fall in each minute from 0 to ``minutes`` (earlier ones in the first)."""
    bins = np.clip(np.asarray(seconds, dtype=float) // 60, 0, minutes - 1).astype(int)
    return np.bincount(bins, minlength=minutes)


def draw_timeline(timeline: Timeline) -> bytes:
    """The timeline chart: votes per minute above, questions per minute below, answers as lines."""
    last = max([*timeline.asked, *timeline.voted, *timeline.answered], default=0.0)
    minutes = int(last // 60) + 1
    x = np.arange(minutes)
    figure = Figure(figsize=(10, 5.5), dpi=DPI, layout="constrained")
    votes_axes, questions_axes = figure.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    votes_axes.plot(x, per_minute(timeline.voted, minutes), color="#2b6cb0", linewidth=1.4, label="votes")
    votes_axes.set_ylabel("votes per minute")
    questions_axes.bar(x, per_minute(timeline.asked, minutes), width=0.9, color="#dd6b20", label="questions asked")
    questions_axes.set_ylabel("questions per minute")
    questions_axes.set_xlabel("minutes from the start of the event")
    for axes in (votes_axes, questions_axes):
        for position, answered in enumerate(timeline.answered):
            axes.axvline(
                answered / 60, color="#38a169", linewidth=0.9, alpha=0.7, label="answered" if not position else None
            )
        axes.set_xlim(-0.5, max(minutes - 0.5, 1))
        axes.set_ylim(bottom=0)
        axes.grid(axis="y", alpha=0.3)
        axes.legend(loc="upper right", fontsize="small")
    figure.suptitle(
        f"{_short(timeline.title, 80)}: {len(timeline.asked):,} questions, {len(timeline.voted):,} votes, "
        f"{len(timeline.answered):,} answered"
    )
    return _png(figure)


def draw_themes(title: str, counts: Sequence[ThemeCount]) -> bytes:
    """The themes chart: the largest themes by questions, each bar labelled with its votes."""
    shown = list(counts[:THEMES_SHOWN])
    figure = Figure(figsize=(10, 1.2 + 0.4 * max(len(shown), 3)), dpi=DPI, layout="constrained")
    axes = figure.subplots()
    if not shown:
        axes.text(0.5, 0.5, "No themes yet: too few questions alike.", ha="center", va="center")
        axes.set_axis_off()
    else:
        positions = np.arange(len(shown))[::-1]
        bars = axes.barh(positions, [c.questions for c in shown], color="#805ad5")
        axes.set_yticks(positions, [_short(c.label, LABEL_MAX) for c in shown])
        axes.bar_label(bars, [f"{c.votes:+,} votes" for c in shown], padding=4, fontsize="small")
        axes.set_xlabel("questions")
        axes.margins(x=0.15)
        hidden = len(counts) - len(shown)
        if hidden > 0:
            axes.set_title(f"the {len(shown)} largest of {len(counts)} themes", fontsize="small")
    figure.suptitle(f"Themes: {_short(title, 80)}")
    return _png(figure)


def _short(text: str, limit: int) -> str:
    """Text shortened to ``limit`` and shown as typed: a ``$`` would otherwise start mathtext."""
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return text.replace("$", r"\$")


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
