"""An event's questions as data to take away: CSV, JSON or Markdown, with the moderation ledger's
summary. ``podium export`` and the rehearsal's outputs both come from here.

Exports are the moderators' data, but an asker who chose to be anonymous stays ``anonymous``
unless the export is asked for authors (``include_authors``).
"""

import csv
import io
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.domain.credit import credit_for
from bot.domain.enums import EventState, QuestionStatus
from bot.render import markdown
from bot.services.drafts.draft_text import render_ledger
from bot.services.drafts.facts import LedgerSummary, ledger_summary
from bot.services.qa.events import load_event
from bot.services.qa.ranking import VISIBLE, rank_questions
from db.engine import Database
from db.models import Event, LedgerEntry, Question

COLUMNS = (
    "id",
    "ref",
    "text",
    "author",
    "anonymous",
    "status",
    "votes_up",
    "votes_down",
    "score",
    "similar_to",
    "merged_into",
    "theme",
    "created_s",
    "answered_s",
)
ANONYMOUS = "anonymous"


class ExportFormat(StrEnum):
    CSV = "csv"
    JSON = "json"
    MD = "md"


@dataclass(frozen=True, slots=True)
class QuestionRow:
    """One question as exported; ``ref``, ``similar_to`` and ``merged_into`` are refs (a rehearsal
    script's labels, else ``Q12`` as drafts cite it); times are seconds from the event's start."""

    id: int
    ref: str
    text: str
    author: str
    anonymous: bool
    status: str
    votes_up: int
    votes_down: int
    score: int
    similar_to: str | None
    merged_into: str | None
    theme: str | None
    created_s: float
    answered_s: float | None


@dataclass(frozen=True, slots=True)
class EventExport:
    """An event, all its questions (oldest first), its queue as ranked now, and its ledger summary."""

    event_id: int
    title: str
    state: EventState
    starts_at: datetime | None
    questions: list[QuestionRow]
    queue: list[QuestionRow]
    ledger: LedgerSummary


@dataclass(frozen=True, slots=True)
class EventListing:
    """An event as ``podium events`` lists it."""

    id: int
    guild_id: int
    title: str
    state: EventState
    starts_at: datetime | None
    questions: int


@dataclass(frozen=True, slots=True)
class LedgerRow:
    """One ledger entry, its time in seconds from the event's start, its question by ref."""

    at_s: float | None
    action: str
    actor: str
    question: str | None
    reason: str | None
    note: str | None


def ref_of(question_id: int, refs: Mapping[int, str]) -> str:
    """The question's ref: its label in ``refs``, else ``Q<id>``, the id drafts cite."""
    return refs.get(question_id) or f"Q{question_id}"


async def export_event(
    db: Database, event_id: int, *, refs: Mapping[int, str] | None = None, include_authors: bool = False
) -> EventExport:
    """Everything ``to_csv``, ``to_json`` and ``to_markdown`` write about the event."""
    refs = refs or {}

    def read(session: Session) -> tuple[Event, Sequence[Question], LedgerSummary]:
        event = load_event(session, event_id)
        questions = session.exec(select(Question).where(Question.event_id == event_id).order_by(col(Question.id))).all()
        return event, questions, ledger_summary(session, event)

    event, questions, summary = await db.read(read)
    rows = {
        question.id: _row(question, event.starts_at, refs, include_authors)
        for question in questions
        if question.id is not None
    }
    ranked = await rank_questions(db, event_id, limit=max(1, len(rows)), statuses=VISIBLE)
    return EventExport(
        event_id=event_id,
        title=event.title,
        state=event.state,
        starts_at=event.starts_at,
        questions=list(rows.values()),
        queue=[rows[question.id] for question in ranked if question.id is not None],
        ledger=summary,
    )


def _row(question: Question, start: datetime | None, refs: Mapping[int, str], include_authors: bool) -> QuestionRow:
    public = credit_for(question.author_name, anonymous=question.anonymous).name
    return QuestionRow(
        id=question.id or 0,
        ref=ref_of(question.id or 0, refs),
        text=question.text,
        author=question.author_name if include_authors else public or ANONYMOUS,
        anonymous=question.anonymous,
        status=question.status.value,
        votes_up=question.votes_up,
        votes_down=question.votes_down,
        score=question.score,
        similar_to=ref_of(question.similar_to, refs) if question.similar_to else None,
        merged_into=ref_of(question.merged_into, refs) if question.merged_into else None,
        theme=question.theme,
        created_s=_seconds(question.created_at, start),
        answered_s=question.answered_offset_s,
    )


def _seconds(at: datetime, start: datetime | None) -> float:
    return round((at - start).total_seconds(), 3) if start is not None else 0.0


async def list_all_events(db: Database) -> list[EventListing]:
    """Every event in the database, every server's, newest first, with how many questions each has."""

    def read(session: Session) -> list[EventListing]:
        counts = (
            select(Question.event_id, sa.func.count().label("questions")).group_by(col(Question.event_id)).subquery()
        )
        rows = session.exec(
            select(Event, sa.func.coalesce(counts.c.questions, 0))
            .outerjoin(counts, counts.c.event_id == Event.id)
            .order_by(col(Event.id).desc())
        ).all()
        return [
            EventListing(event.id or 0, event.guild_id, event.title, event.state, event.starts_at, count)
            for event, count in rows
        ]

    return await db.read(read)


async def ledger_rows(db: Database, event_id: int, *, refs: Mapping[int, str] | None = None) -> list[LedgerRow]:
    """The event's moderation ledger, oldest first, as plain rows."""
    refs = refs or {}

    def read(session: Session) -> tuple[Event, Sequence[LedgerEntry]]:
        query = select(LedgerEntry).where(LedgerEntry.event_id == event_id).order_by(col(LedgerEntry.id))
        return load_event(session, event_id), session.exec(query).all()

    event, entries = await db.read(read)
    return [
        LedgerRow(
            at_s=_seconds(entry.at, event.starts_at) if event.starts_at else None,
            action=entry.action.value,
            actor=entry.actor_name,
            question=ref_of(entry.question_id, refs) if entry.question_id else None,
            reason=entry.reason.value if entry.reason else None,
            note=entry.note,
        )
        for entry in entries
    ]


def render(export: EventExport, export_format: ExportFormat) -> str:
    """The export in ``export_format``."""
    return {ExportFormat.CSV: to_csv, ExportFormat.JSON: to_json, ExportFormat.MD: to_markdown}[export_format](export)


def to_csv(export: EventExport) -> str:
    """The questions, one row each, with exactly the ``COLUMNS``."""
    rows = (
        ["" if values[name] is None else values[name] for name in COLUMNS] for values in map(asdict, export.questions)
    )
    return csv_text(COLUMNS, rows)


# A spreadsheet reads a cell that starts with one of these as a formula (=HYPERLINK(...) leaks
# what is around it; =cmd|... runs a program in old Excel), whoever typed it.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def csv_text(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> str:
    """A CSV file of ``rows`` under ``header``, every file Podium writes for spreadsheets.

    Text that a spreadsheet would run as a formula is written with a leading apostrophe, which
    spreadsheets show as text (OWASP's advice); numbers stay numbers, booleans are lower case.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([_cell(value) for value in row] for row in rows)
    return buffer.getvalue()


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def to_json(export: EventExport) -> str:
    """The event, its ledger summary and its questions, as one JSON document."""
    document = {
        "event": {
            "id": export.event_id,
            "title": export.title,
            "state": export.state.value,
            "starts_at": export.starts_at.isoformat() if export.starts_at else None,
        },
        "ledger": ledger_document(export.ledger),
        "questions": [asdict(row) for row in export.questions],
        "queue": [row.ref for row in export.queue],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def ledger_document(summary: LedgerSummary) -> dict[str, Any]:
    """The ledger summary as data, with the sentence a recap posts under it."""
    return asdict(summary) | {"text": markdown.render(render_ledger(summary))}


def to_markdown(export: EventExport) -> str:
    """The queue as ranked now, then the questions answered and the rest, as Markdown tables."""
    answered = sorted(
        (row for row in export.questions if row.status == QuestionStatus.ANSWERED),
        key=lambda row: (row.answered_s is None, row.answered_s or 0.0, row.id),
    )
    in_queue = {row.id for row in export.queue}
    others = [row for row in export.questions if row.id not in in_queue and row.status != QuestionStatus.ANSWERED]
    lines = [f"# {_escape(export.title)}", "", f"Event #{export.event_id}, {export.state.value}.", ""]
    lines += [markdown.render(render_ledger(export.ledger)), ""]
    lines += [f"## Queue ({len(export.queue):,})", ""]
    lines += _table(export.queue, ("rank", "ref", "question", "votes", "theme", "asked by"), _queue_cells)
    lines += ["", f"## Answered ({len(answered):,})", ""]
    lines += _table(answered, ("at", "ref", "question", "votes", "theme"), _answered_cells)
    lines += ["", f"## Not in the queue ({len(others):,})", ""]
    lines += _table(others, ("ref", "question", "status", "votes"), _other_cells)
    return "\n".join(lines) + "\n"


def _table(
    rows: Sequence[QuestionRow], header: Sequence[str], cells: Callable[[int, QuestionRow], list[str]]
) -> list[str]:
    if not rows:
        return ["None."]
    lines = [f"| {' | '.join(header)} |", f"|{'---|' * len(header)}"]
    lines += [f"| {' | '.join(cells(position, row))} |" for position, row in enumerate(rows, start=1)]
    return lines


def _queue_cells(rank: int, row: QuestionRow) -> list[str]:
    return [str(rank), row.ref, _escape(row.text), f"{row.score:+d}", _escape(row.theme or ""), _escape(row.author)]


def _answered_cells(_: int, row: QuestionRow) -> list[str]:
    return [_clock(row.answered_s), row.ref, _escape(row.text), f"{row.score:+d}", _escape(row.theme or "")]


def _other_cells(_: int, row: QuestionRow) -> list[str]:
    status = f"{row.status} into {row.merged_into}" if row.merged_into else row.status
    return [row.ref, _escape(row.text), status.replace("_", " "), f"{row.score:+d}"]


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return ""
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes // 60}:{minutes % 60:02d}:{secs:02d}"


def _escape(text: str) -> str:
    """Text fit for a Markdown table cell: pipes escaped (question texts are already one line)."""
    return text.replace("\\", "\\\\").replace("|", "\\|")
