"""An event's charts as PNG bytes: the timeline (questions and votes per minute, with the moments
questions were answered) and its themes. For rehearsals, exports, and the recap's attachment.

Drawn with matplotlib's object API on the Agg canvas: no display, no pyplot global state, so a
chart can be drawn in a worker thread while the bot runs.
"""

import asyncio
import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.services.drafts.facts import DRAFTED, OTHER_THEME
from bot.services.qa.events import load_event
from db.engine import Database
from db.models import Question, Vote

if TYPE_CHECKING:
    from matplotlib.figure import Figure

THEMES_SHOWN = 15  # themes drawn; the questions of the smaller ones are counted, not drawn
LABEL_WIDTH = 32
TITLE_WIDTH = 70
DPI = 110


@dataclass(frozen=True, slots=True)
class Timeline:
    """Seconds from the event's start at which questions were asked, votes cast, questions answered."""

    title: str
    asked: list[float]
    voted: list[float]
    answered: list[tuple[float, int]]  # (seconds, question number), in order


@dataclass(frozen=True, slots=True)
class ThemeCount:
    label: str
    questions: int
    votes: int


@dataclass(frozen=True, slots=True)
class ThemeCounts:
    """The themes the chart draws, largest first, and how many questions are in none of them (in
    no theme, or in a theme too small to draw): a count in the caption, never a bar of its own."""

    themes: list[ThemeCount]
    not_drawn: int


async def timeline_chart(db: Database, event_id: int) -> bytes:
    """Questions and votes per minute since the event's start, answers marked, as a PNG."""
    timeline = await db.read(_read_timeline, event_id)
    return await asyncio.to_thread(draw_timeline, timeline)


async def themes_chart(db: Database, event_id: int) -> bytes:
    """Every question on the board by theme (the queue's and those answered), as a PNG."""
    title, counts = await db.read(_read_themes, event_id)
    return await asyncio.to_thread(draw_themes, title, counts)


async def theme_counts(db: Database, event_id: int) -> ThemeCounts:
    """The themes the chart draws, the largest first, and the questions in none of them."""
    _, counts = await db.read(_read_themes, event_id)
    return counts


def _read_timeline(session: Session, event_id: int) -> Timeline:
    event = load_event(session, event_id)
    questions = session.exec(
        select(Question.created_at, Question.answered_offset_s, Question.id).where(Question.event_id == event_id)
    ).all()
    # A vote carried over by a merge is a copy of one already counted on the merged question.
    votes = session.exec(select(Vote.cast_at).where(Vote.event_id == event_id, col(Vote.merged_from).is_(None))).all()
    start = event.starts_at or min((created for created, _, _ in questions), default=event.created_at)
    return Timeline(
        title=event.title,
        asked=[(created - start).total_seconds() for created, _, _ in questions],
        voted=[(cast - start).total_seconds() for cast in votes],
        answered=sorted((offset, qid or 0) for _, offset, qid in questions if offset is not None),
    )


def _read_themes(session: Session, event_id: int) -> tuple[str, ThemeCounts]:
    event = load_event(session, event_id)
    rows = session.exec(
        select(Question.theme, sa.func.count(), sa.func.sum(Question.score))
        .where(Question.event_id == event_id, col(Question.status).in_(DRAFTED))
        .group_by(col(Question.theme))
    ).all()
    named = sorted(
        (ThemeCount(label, int(n), int(votes or 0)) for label, n, votes in rows if label and label != OTHER_THEME),
        key=lambda c: (-c.questions, -c.votes, c.label),
    )
    unthemed = sum(int(n) for label, n, _ in rows if not label or label == OTHER_THEME)
    # Every question is counted: those in no theme, or in a theme too small to draw, in the caption.
    return event.title, ThemeCounts(named[:THEMES_SHOWN], unthemed + sum(c.questions for c in named[THEMES_SHOWN:]))


def per_minute(seconds: Sequence[float], minutes: int) -> np.ndarray:
    """How many of ``seconds`` fall in each minute from 0 to ``minutes`` (earlier ones in the first)."""
    bins = np.clip(np.asarray(seconds, dtype=float) // 60, 0, minutes - 1).astype(int)
    return np.bincount(bins, minlength=minutes)


def draw_timeline(timeline: Timeline) -> bytes:
    """The timeline chart as a PNG."""
    return _png(timeline_figure(timeline))


def timeline_figure(timeline: Timeline) -> "Figure":
    """Votes per minute above, questions per minute below, each answer a line labelled with its
    question's number; whole numbers on every axis."""
    # matplotlib is imported where a chart is drawn: it holds about 25 MB that a live event,
    # which draws a chart only for its recap, would otherwise carry all along.
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    last = max([*timeline.asked, *timeline.voted, *(at for at, _ in timeline.answered)], default=0.0)
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
        for position, (answered, _) in enumerate(timeline.answered):
            axes.axvline(
                answered / 60, color="#38a169", linewidth=0.9, alpha=0.7, label="answered" if not position else None
            )
        axes.set_xlim(-0.5, max(minutes - 0.5, 1))
        axes.set_ylim(bottom=0)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.grid(axis="y", alpha=0.3)
        axes.legend(loc="upper right", fontsize="small")
    # Which question each line is: its number, as on the board, at the top of the votes panel.
    for answered, number in timeline.answered:
        votes_axes.annotate(
            f"#{number}",
            (answered / 60, 1),
            xycoords=("data", "axes fraction"),
            xytext=(2, -2),
            textcoords="offset points",
            rotation=90,
            va="top",
            fontsize="x-small",
            color="#276749",
        )
    figure.suptitle(
        _wrapped(
            f"{timeline.title}: {len(timeline.asked):,} questions, {len(timeline.voted):,} votes, "
            f"{len(timeline.answered):,} answered",
            TITLE_WIDTH,
        )
    )
    return figure


def draw_themes(title: str, counts: ThemeCounts) -> bytes:
    """The themes chart as a PNG."""
    return _png(themes_figure(title, counts))


def themes_figure(title: str, counts: ThemeCounts) -> "Figure":
    """One bar per theme in the order given (``theme_counts``: largest first), each labelled with
    its votes; names shown whole, wrapped; whole numbers of questions. The questions in no theme
    drawn are counted in the caption: "other questions" is no theme, so it gets no bar."""
    from matplotlib.figure import Figure  # where a chart is drawn, as in timeline_figure
    from matplotlib.ticker import MaxNLocator

    shown = list(counts.themes)
    lines = sum(len(_wrapped(c.label, LABEL_WIDTH).splitlines()) for c in shown)
    figure = Figure(figsize=(10, 1.4 + 0.3 * max(lines, 4)), dpi=DPI, layout="constrained")
    axes = figure.subplots()
    if not shown:
        axes.text(0.5, 0.5, "No themes yet: too few questions alike.", ha="center", va="center")
        axes.set_axis_off()
    else:
        positions = np.arange(len(shown))[::-1]
        bars = axes.barh(positions, [c.questions for c in shown], color="#805ad5")
        axes.set_yticks(positions, [_wrapped(c.label, LABEL_WIDTH) for c in shown])
        axes.bar_label(bars, [f"{c.votes:+,} votes" for c in shown], padding=4, fontsize="small")
        axes.set_xlabel("questions")
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.margins(x=0.15)
        total = sum(c.questions for c in shown) + counts.not_drawn
        rest = f", {counts.not_drawn:,} of them in no theme shown" if counts.not_drawn else ""
        axes.set_title(f"{total:,} questions in all{rest}", fontsize="small")
    figure.suptitle(_wrapped(f"Themes: {title}", TITLE_WIDTH))
    return figure


def _wrapped(text: str, width: int) -> str:
    """Text whole, wrapped at ``width``, shown as typed: a ``$`` would otherwise start mathtext."""
    return textwrap.fill(text, width).replace("$", r"\$")


def _png(figure: "Figure") -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
