"""``podium rehearse`` at the terminal: read the script and plan, replay with a progress bar on long
scripts, write the outputs, and print a short summary with the replay rate."""

import asyncio
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.markdown import Markdown
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from bot.flows.context import similarity_index
from bot.llm.client import ModelClient
from bot.rehearsal.outputs import FILES, write_outputs
from bot.rehearsal.replay import Rehearsal, rehearse
from bot.rehearsal.script import Line, read_plan, read_script
from bot.render import markdown
from bot.services.drafts.draft_text import plural, render_ledger
from bot.services.records.exports import EventExport
from bot.settings import Settings
from db.engine import Database
from db.migrate import upgrade

# Shorter scripts replay in a few seconds: a bar would only flicker.
PROGRESS_FROM_LINES = 1_000
DATABASE_FILE = "rehearsal.db"
SCRATCH_NOTE = (
    f"{DATABASE_FILE}, scratch: commits do not wait for the disk (synchronous = OFF), so a power cut "
    "could lose or damage it; rehearse again, or pass --db for a durable one"
)


@dataclass(frozen=True, slots=True)
class RehearsalRequest:
    """What ``podium rehearse`` was asked for."""

    script: Path
    report_name: str
    report: bytes
    out: Path
    plan: Path | None
    database_url: str | None
    use_model: bool


def plan_beside(script: Path) -> Path | None:
    """The ``event.toml`` next to the script, if there is one."""
    candidate = script.with_name("event.toml")
    return candidate if candidate.is_file() else None


def fresh_database_url(out: Path) -> str:
    """A new SQLite file in the output folder (an earlier rehearsal's is removed)."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / DATABASE_FILE
    for leftover in (path, path.with_name(f"{DATABASE_FILE}-wal"), path.with_name(f"{DATABASE_FILE}-shm")):
        leftover.unlink(missing_ok=True)
    return f"sqlite+aiosqlite:///{path}"


def run_rehearsal(request: RehearsalRequest, settings: Settings, console: Console) -> Rehearsal:
    """Replay the request's script and write its outputs; ``ScriptError`` if the script or plan is
    unreadable, ``PodiumError`` if the event cannot be set up (a refused report, a bad title)."""
    script = read_script(request.script)
    plan = read_plan(request.plan, default_start=datetime.now(UTC).replace(microsecond=0))
    url = request.database_url or fresh_database_url(request.out)
    # A database of its own is scratch (see SCRATCH_NOTE); one named by --db is kept as durable as ever.
    scratch = request.database_url is None

    async def run() -> tuple[Rehearsal, EventExport]:
        database = Database(url, scratch=scratch)
        model = ModelClient.from_settings(settings) if request.use_model else None
        try:
            await upgrade(database)
            with progress(len(script), console) as advance:
                rehearsal = await rehearse(
                    database,
                    script,
                    plan,
                    report_name=request.report_name,
                    report=request.report,
                    similar=similarity_index(settings),
                    model=model,
                    on_line=advance,
                )
            return rehearsal, await write_outputs(database, rehearsal, request.out)
        finally:
            if model is not None:
                await model.close()
            await database.dispose()

    # The rehearsal's database is new: each migration bringing it up to date is no news here.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    rehearsal, export = asyncio.run(run())
    show_summary(console, rehearsal, export, request.out, scratch=scratch)
    return rehearsal


@contextmanager
def progress(total: int, console: Console) -> Iterator[Callable[[Line], None]]:
    """A function to call after each line: it moves a progress bar on scripts of
    ``PROGRESS_FROM_LINES`` lines or more, and does nothing on shorter ones."""
    if total < PROGRESS_FROM_LINES:
        yield lambda _line: None
        return
    columns = (
        TextColumn("replaying"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("t={task.fields[t]:,.0f} s"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("replay", total=total, t=0.0)
        yield lambda line: bar.update(task, advance=1, t=line.t)


def show_summary(
    console: Console, rehearsal: Rehearsal, export: EventExport, out: Path, *, scratch: bool = False
) -> None:
    """The summary table, the ledger's account, and where the results are; ``scratch`` says the
    database was the rehearsal's own, written without waiting for the disk."""
    done, ledger = rehearsal.done, export.ledger
    themes = {row.theme for row in export.questions if row.theme}
    table = Table(title=f"Rehearsal of “{export.title}” (event #{export.event_id})", show_header=False)
    table.add_column(style="bold")
    table.add_column()
    rows = [
        ("lines", f"{rehearsal.lines:,} replayed, {len(rehearsal.refused):,} refused (refused.csv)"),
        (
            "questions",
            f"{ledger.received:,} asked, {ledger.published:,} published, {ledger.answered:,} answered, "
            f"{ledger.merged:,} merged, {sum(ledger.rejected.values()):,} set aside",
        ),
        ("votes", f"{done['vote']:,} cast, {done['unvote']:,} taken back"),
        (
            "similar questions",
            f"{plural(rehearsal.suggested, 'asker')} offered an existing question first, "
            f"{plural(sum(1 for row in export.questions if row.similar_to), 'question')} linked to a similar one",
        ),
        ("themes", f"{len(themes):,} (refreshed {rehearsal.theme_refreshes:,} times, {rehearsal.themes_s:.1f} s)"),
        ("queue at the end", f"{len(export.queue):,} questions (queue.md)"),
        (
            "replay rate",
            f"{rehearsal.lines_per_s:,.0f} lines/s ({rehearsal.lines:,} lines in {rehearsal.replay_s:.1f} s)",
        ),
        ("drafts", f"digest and recap by the {rehearsal.digest.writer.value} writer in {rehearsal.drafts_s:.1f} s"),
    ]
    if scratch:
        rows.append(("database", SCRATCH_NOTE))
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)
    console.print(Markdown(markdown.render(render_ledger(export.ledger))))
    console.print(f"Results in {out}/: {', '.join(FILES)}")
