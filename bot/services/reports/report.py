"""The event's report: adding it (a moderator decision, in the ledger) and reading its passages."""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePath

from sqlmodel import Session, col, delete, select

from bot.domain.actors import Actor
from bot.domain.clock import utcnow
from bot.domain.enums import EventState, LedgerAction
from bot.domain.errors import InvalidInput, InvalidTransition
from bot.services.qa.events import load_event
from bot.services.qa.guilds import require_moderator
from bot.services.qa.text import valid_unicode
from bot.services.records.ledger import record
from bot.services.reports.passages import PassageText
from bot.services.reports.report_files import report_format
from bot.services.reports.report_reader import DEFAULT_LIMITS, ReadLimits, read_passages
from db.engine import Database
from db.models import Event, Passage, QuestionTriage, Report

REPORT_MAX_BYTES = 20 * 1024 * 1024
FILENAME_MAX = 200


@dataclass(frozen=True, slots=True)
class AddedReport:
    """The report as stored, how many passages it gave, and whether it replaced an earlier one."""

    report: Report
    passages: int
    first_citation: str
    last_citation: str
    replaced: bool


async def add_report(
    db: Database,
    event_id: int,
    actor: Actor,
    filename: str,
    data: bytes,
    *,
    limits: ReadLimits = DEFAULT_LIMITS,
    now: datetime | None = None,
) -> AddedReport:
    """Attach the event's report (PDF, Markdown, plain text or HTML), replacing any earlier one.

    The file is read into passages with citation ids, in a process of its own within ``limits``
    (``report_reader``); files too large, empty, encrypted, not what their name says, or too
    costly to read are refused with a message saying so. Questions' triage tags are reset,
    since they were measured against the old report.
    """
    now = now or utcnow()
    filename = valid_unicode(PurePath(filename.replace("\\", "/")).name[-FILENAME_MAX:])
    report_format(filename)
    if not data:
        raise InvalidInput(f"{filename} is empty.")
    if len(data) > REPORT_MAX_BYTES:
        raise InvalidInput(
            f"{filename} is {len(data) / 1_048_576:.1f} MB; reports can be at most {REPORT_MAX_BYTES // 1_048_576} MB."
        )
    # Permission first, so a non-moderator's upload is refused before any parsing is paid for.
    await db.read(_check_can_add, event_id, actor)
    parsed = await read_passages(filename, data, limits)
    passages = parsed.passages
    digest = hashlib.sha256(data).hexdigest()

    def add(session: Session) -> AddedReport:
        event = _check_can_add(session, event_id, actor, for_update=True)
        previous = session.exec(select(Report).where(Report.event_id == event_id)).first()
        if previous is not None:
            session.delete(previous)
            session.exec(delete(QuestionTriage).where(col(QuestionTriage.event_id) == event_id))
            session.flush()
        report = Report(
            event_id=event_id,
            filename=filename,
            format=parsed.format,
            sha256=digest,
            size_bytes=len(data),
            pages=parsed.pages,
            added_by=actor.user_id,
            added_at=now,
        )
        session.add(report)
        session.flush()
        session.add_all(_rows(report.id, passages))
        record(
            session,
            guild_id=event.guild_id,
            event_id=event_id,
            actor=actor,
            action=LedgerAction.REPORT_ADD,
            at=now,
            note=f"{filename} ({len(passages)} passages, sha256 {digest[:12]})",
        )
        return AddedReport(
            report=report,
            passages=len(passages),
            first_citation=passages[0].citation,
            last_citation=passages[-1].citation,
            replaced=previous is not None,
        )

    return await db.write(add)


def _rows(report_id: int | None, passages: list[PassageText]) -> list[Passage]:
    return [
        Passage(
            report_id=report_id,
            position=position,
            citation=passage.citation,
            page=passage.page,
            heading=passage.heading,
            text=passage.text,
        )
        for position, passage in enumerate(passages)
    ]


def _check_can_add(session: Session, event_id: int, actor: Actor, *, for_update: bool = False) -> Event:
    event = load_event(session, event_id, for_update=for_update)
    require_moderator(session, event.guild_id, actor)
    if event.state is EventState.ARCHIVED:
        raise InvalidTransition(f"Event #{event.id} is archived; its report can no longer change.")
    return event


def load_report(session: Session, event_id: int) -> Report | None:
    """The event's report, if it has one."""
    return session.exec(select(Report).where(Report.event_id == event_id)).first()


def load_passages(session: Session, report_id: int) -> Sequence[Passage]:
    """A report's passages in reading order."""
    return session.exec(select(Passage).where(Passage.report_id == report_id).order_by(col(Passage.position))).all()


async def get_report(db: Database, event_id: int) -> Report | None:
    """The event's report (None if no report was added)."""
    return await db.read(load_report, event_id)


async def report_passages(db: Database, event_id: int) -> Sequence[Passage]:
    """The passages of the event's report in reading order (none without a report)."""

    def read(session: Session) -> Sequence[Passage]:
        report = load_report(session, event_id)
        return load_passages(session, report.id) if report else []

    return await db.read(read)
