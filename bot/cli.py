"""The ``podium`` command line."""

import asyncio
import logging
import signal
from collections.abc import Awaitable, Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import sqlalchemy as sa
import typer

from bot.domain.actors import Actor
from bot.domain.errors import PodiumError
from bot.scheduling.clock import EventClock, EventJobs
from bot.scheduling.plan import Timing
from bot.services.drafts.draft_text import plural
from bot.services.records.exports import EventExport, EventListing, ExportFormat, export_event, list_all_events, render
from bot.services.reports.report import REPORT_MAX_BYTES, AddedReport, add_report
from bot.services.surfaces.presenter import presenter_token
from bot.settings import Settings
from db.engine import Database
from db.migrate import upgrade

T = TypeVar("T")

app = typer.Typer(help="Podium: the audience Q&A of live events, run in Discord.", no_args_is_help=True)
db_app = typer.Typer(help="The database.", no_args_is_help=True)
app.add_typer(db_app, name="db")
report_app = typer.Typer(help="The event's report, which briefs, digests and recaps cite.", no_args_is_help=True)
app.add_typer(report_app, name="report")

# Whoever can run the CLI on the bot's machine can read and change its database anyway: they act
# as a local operator with the Manage Server permission, and the ledger names them so.
LOCAL_OPERATOR = Actor(user_id=0, display_name="local operator (CLI)", manages_guild=True, operator=True)

URL_FORMS = "sqlite+aiosqlite:///path/to/podium.db or postgresql+asyncpg://user:password@host:5432/name"


def _fail(message: str, code: int = 1) -> NoReturn:
    """Say what went wrong in one line on stderr, and stop with ``code`` (2: what was typed)."""
    typer.echo(message, err=True)
    raise typer.Exit(code)


def _database(url: str | None, *, create: bool = False) -> Database:
    """The database at ``url`` (DATABASE_URL by default), checked before anything connects.

    A URL of the wrong form, or a SQLite file that does not exist (which SQLite would otherwise
    create, empty, and then fail on "no such table"), is refused in a line saying what to do;
    ``create`` (``podium db upgrade``) only needs the file's folder to exist.
    """
    text = url or Settings().database_url
    try:
        parsed = sa.make_url(text)
    except sa.exc.ArgumentError:
        _fail(f"{text!r} is not a database URL; write it as {URL_FORMS}.", 2)
    if parsed.drivername not in ("sqlite+aiosqlite", "postgresql+asyncpg"):
        _fail(f"Podium cannot use {parsed.drivername!r} databases; write the URL as {URL_FORMS}.", 2)
    if parsed.drivername.startswith("sqlite") and parsed.database not in (None, "", ":memory:"):
        path = Path(parsed.database)
        if create and not path.parent.is_dir():
            _fail(f"The folder {path.parent} does not exist; create it, or choose another path.", 2)
        if not create and not path.is_file():
            _fail(f"There is no Podium database at {path}; create it with `podium db upgrade --url {text}`.")
    return Database(text)


def _run(work: Coroutine[Any, Any, T], database: Database) -> T:
    """Run the command's work; a refusal or a database that cannot be used ends it in one line."""
    shown = database.url.render_as_string(hide_password=True)
    # Each retry of an unreachable database is logged for the bot's operators; here the one line
    # below says what they came to.
    logging.getLogger("db.engine").setLevel(logging.CRITICAL)
    try:
        return asyncio.run(work)
    except PodiumError as error:
        _fail(error.message)
    except (sa.exc.ProgrammingError, sa.exc.OperationalError) as error:
        if _missing_table(error):
            _fail(f"The database at {shown} has no Podium tables yet; run `podium db upgrade` first.")
        _fail(f"Podium could not use the database at {shown}: {_first_line(error.orig or error)}")
    except (TimeoutError, OSError, sa.exc.DBAPIError) as error:
        _fail(f"Podium could not reach the database at {shown}: {_first_line(error)}. Is the server running?")


def _missing_table(error: sa.exc.DBAPIError) -> bool:
    message = str(error.orig)
    return "no such table" in message or ("relation" in message and "does not exist" in message)


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


@db_app.command("upgrade")
def db_upgrade(
    url: str | None = typer.Option(None, "--url", help="Database URL (default: DATABASE_URL from the environment)."),
) -> None:
    """Create or upgrade the database schema to the newest version."""
    database = _database(url, create=True)

    async def run() -> None:
        try:
            await upgrade(database)
        finally:
            await database.dispose()

    _run(run(), database)
    typer.echo(f"Database is up to date: {database.url.render_as_string(hide_password=True)}")


NO_TOKEN = """Podium needs a Discord bot token to run.

  1. Create an application at https://discord.com/developers/applications and add a Bot to it.
  2. Copy the bot's token into .env as DISCORD_TOKEN=... (see .env.example).
  3. Invite it with the scopes "bot applications.commands" (README, "Run it on Discord").
  4. Run `podium sync --guild YOUR_SERVER_ID`, then `make run`.

To see Podium work without Discord, run `make demo`: it rehearses an example event end to end."""


def _token(settings: Settings) -> str:
    if settings.discord_token is None or not settings.discord_token.get_secret_value().strip():
        typer.echo(NO_TOKEN, err=True)
        raise typer.Exit(code=2)
    return settings.discord_token.get_secret_value()


@app.command()
def run() -> None:
    """Start the bot (DISCORD_TOKEN from .env)."""
    from bot.app import create_bot
    from bot.flows.context import similarity_index

    settings = Settings()
    token = _token(settings)
    database = _database(settings.database_url, create=True)
    # Loaded before connecting, so a missing model is one line here, not a failed start on Discord.
    with _similarity_model():
        similar = similarity_index(settings)
    bot = create_bot(settings, database, similar)
    with _reaching_discord():
        bot.run(token, log_handler=None)


@contextmanager
def _similarity_model() -> Iterator[None]:
    """Say in one line which package to install when SIMILARITY_BACKEND's model is missing."""
    from bot.services.sense.embedding import EmbeddingUnavailable
    from bot.services.sense.semantic import SemanticBackendUnavailable

    try:
        yield
    except (EmbeddingUnavailable, SemanticBackendUnavailable) as missing:
        _fail(str(missing))


BAD_TOKEN = 'Discord refused the token in DISCORD_TOKEN; copy the bot\'s token again (README, "Run it on Discord").'


@contextmanager
def _reaching_discord() -> Iterator[None]:
    """Say in one line why Discord could not be reached, or would not take the token."""
    import aiohttp
    import discord

    try:
        yield
    except discord.ConnectionClosed as closed:
        # 4004 is the gateway's "authentication failed"; the rest say Discord hung up.
        if closed.code != 4004:
            _fail(f"Discord closed Podium's connection (code {closed.code}); see the log, then start it again.")
        _fail(BAD_TOKEN)
    except discord.LoginFailure:
        _fail(BAD_TOKEN)
    except (TimeoutError, aiohttp.ClientError, OSError) as error:
        _fail(f"Podium could not reach Discord ({_first_line(error)}); check the network and DISCORD_API_BASE.")


@app.command()
def sync(
    guild: int | None = typer.Option(None, "--guild", help="Sync to this server only (instant); default DEV_GUILD_ID"),
    everywhere: bool = typer.Option(False, "--global", help="Sync to every server (takes up to an hour to show)"),
) -> None:
    """Register Podium's slash commands with Discord."""
    import discord

    from bot.app import create_bot

    settings = Settings()
    token = _token(settings)
    target = guild or settings.dev_guild_id
    if target is None and not everywhere:
        typer.echo("Name a server with --guild ID (or set DEV_GUILD_ID), or pass --global.", err=True)
        raise typer.Exit(code=2)

    async def register() -> int:
        bot = create_bot(settings)
        async with bot:
            await bot.login(token)
            if everywhere:
                return len(await bot.tree.sync())
            server = discord.Object(id=target)
            bot.tree.copy_global_to(guild=server)
            return len(await bot.tree.sync(guild=server))

    with _reaching_discord():
        count = asyncio.run(register())
    typer.echo(f"Synced {count} commands {'everywhere' if everywhere else f'to server {target}'}.")


@app.command()
def present(
    url: Annotated[str | None, typer.Option("--db", "--url", help="Database URL (default: DATABASE_URL).")] = None,
    event: Annotated[
        list[int] | None, typer.Option("--event", help="Print this event's links (issued if it has none); repeatable.")
    ] = None,
) -> None:
    """Serve the presenter screens alone, without Discord: for a rehearsal database, or a second machine."""
    from bot.web.server import PresenterServer

    settings = Settings()
    database = _database(url)
    server = PresenterServer(database, settings)

    async def serve() -> None:
        try:
            await upgrade(database)
            if not await server.start():
                typer.echo(f"The presenter screen could not start on {server.base_url} (see the log).", err=True)
                raise typer.Exit(1)
            typer.echo(f"Serving presenter screens at {server.base_url}/present/… (Ctrl-C stops).")
            for event_id in event or []:
                token = await presenter_token(database, event_id, LOCAL_OPERATOR)
                typer.echo(f"Event #{event_id}: {server.link(token)}  (OBS: {server.link(token, overlay=True)})")
            await _until_stopped(server.wait())
        finally:
            await server.stop()
            await database.dispose()

    _run(serve(), database)
    typer.echo("Stopped.")


async def _until_stopped(running: Awaitable[None]) -> None:
    """Wait for ``running`` to end, or for Ctrl-C or SIGTERM (a service manager's stop), whichever
    comes first. Handled here, not left to Python's default, because a process started in the
    background of a shell ignores SIGINT."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    # Not cancelled when a signal comes: cancelling it would cancel what it waits for, which the
    # caller stops in order instead.
    waiting = asyncio.ensure_future(running)
    stopping = asyncio.ensure_future(stop.wait())
    await asyncio.wait({waiting, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()


def _report_bytes(file: Path, hint: str) -> bytes:
    """The report file's contents, refused before reading if it is missing or too large."""
    if not file.exists():
        raise typer.BadParameter(f"{file} does not exist.", param_hint=hint)
    if not file.is_file():
        raise typer.BadParameter(f"{file} is a folder, not a file.", param_hint=hint)
    if file.stat().st_size > REPORT_MAX_BYTES:
        raise typer.BadParameter(f"{file} is larger than {REPORT_MAX_BYTES // 1_048_576} MB.", param_hint=hint)
    return file.read_bytes()


@report_app.command("add")
def report_add(
    event: Annotated[int, typer.Argument(help="The event's number.")],
    file: Annotated[Path, typer.Argument(help="The report: a PDF, Markdown (.md), plain text (.txt) or HTML file.")],
    url: Annotated[str | None, typer.Option("--url", help="Database URL (default: DATABASE_URL).")] = None,
) -> None:
    """Attach the event's report (replacing any earlier one), as a local operator."""
    data = _report_bytes(file, "FILE")
    database = _database(url)
    limits = Settings().report_read_limits

    async def run() -> AddedReport:
        try:
            return await add_report(database, event, LOCAL_OPERATOR, file.name, data, limits=limits)
        finally:
            await database.dispose()

    added = _run(run(), database)
    pages = f"{added.report.pages} pages, " if added.report.pages else ""
    verb = "Replaced the report of" if added.replaced else "Added a report to"
    typer.echo(
        f"{verb} event #{event}: {added.report.filename} ({pages}{added.passages} passages, "
        f"cited {added.first_citation} to {added.last_citation})."
    )


@app.command()
def jobs(
    event: Annotated[int, typer.Argument(help="The event's number.")],
    url: Annotated[str | None, typer.Option("--url", help="Database URL (default: DATABASE_URL).")] = None,
) -> None:
    """List what Podium will do for an event, and when: its scheduled jobs, soonest first."""
    settings = Settings()
    database = _database(url)
    # Listing starts a scheduler that never runs a job; its start and stop are no news here.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)

    async def run() -> EventJobs:
        # Every shard's job store, whichever this machine's bot serves: the event may be on any.
        clock = EventClock(database, Timing.from_settings(settings), shard_count=settings.shard_count or 1)
        await clock.start()
        try:
            return await clock.event_jobs(event, LOCAL_OPERATOR)
        finally:
            await clock.shutdown()
            await database.dispose()

    found = _run(run(), database)
    typer.echo(f"Event #{event}: {found.event.title} ({found.event.state.value})")
    for job in found.jobs:
        when = job.next_at.isoformat(timespec="seconds") if job.next_at else "paused"
        every = f", then every {job.every.total_seconds() / 60:g} min" if job.every else ""
        typer.echo(f"  {job.kind.value:<11} {when}{every}")
    if not found.jobs:
        typer.echo("  no jobs planned")


@app.command()
def rehearse(
    script: Annotated[Path, typer.Argument(help="The script: JSON Lines, one action a line (see the README).")],
    report: Annotated[Path, typer.Option("--report", help="The event's report (PDF, .md, .txt or .html).")],
    url: Annotated[
        str | None, typer.Option("--db", help="Database URL (default: a new SQLite file in the output folder).")
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Folder for the results.")] = Path("rehearsal-out"),
    plan: Annotated[
        Path | None,
        typer.Option("--event", help="The event's plan, a TOML file (default: event.toml beside the script)."),
    ] = None,
    use_model: Annotated[
        bool,
        typer.Option("--llm/--no-llm", help="Draft with the language model set in .env (LLM_*), or without one."),
    ] = False,
) -> None:
    """Replay an event offline from a script of audience and moderator actions.

    Every line goes through the bot's own services; the results (questions, queue, digest, recap,
    ledger, refused lines and charts) are written to the output folder.
    """
    from rich.console import Console

    from bot.rehearsal.console import RehearsalRequest, plan_beside, run_rehearsal
    from bot.rehearsal.script import ScriptError

    settings = Settings()
    if use_model and not settings.llm_configured:
        typer.echo("--llm needs a language model: set LLM_BASE_URL or LLM_API_KEY in .env (README).", err=True)
        raise typer.Exit(2)
    request = RehearsalRequest(
        script=script,
        report_name=report.name,
        report=_report_bytes(report, "--report"),
        out=out,
        plan=plan or plan_beside(script),
        database_url=url,
        use_model=use_model,
    )
    try:
        with _similarity_model():
            run_rehearsal(request, settings, Console())
    except ScriptError as error:
        typer.echo(f"{script}: {error}" if error.line is not None else str(error), err=True)
        raise typer.Exit(2) from None
    except PodiumError as error:
        typer.echo(error.message, err=True)
        raise typer.Exit(1) from None


@app.command("export")
def export(
    event: Annotated[int, typer.Argument(help="The event's number (see `podium events`).")],
    export_format: Annotated[ExportFormat, typer.Option("--format", help="What to write.")] = ExportFormat.CSV,
    include_authors: Annotated[
        bool, typer.Option("--include-authors", help="Name the askers who asked anonymously.")
    ] = False,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead of printing.")] = None,
    url: Annotated[str | None, typer.Option("--url", help="Database URL (default: DATABASE_URL).")] = None,
) -> None:
    """An event's questions as CSV, JSON or Markdown, with the moderation ledger's summary."""
    database = _database(url)

    async def run() -> EventExport:
        try:
            return await export_event(database, event, include_authors=include_authors)
        finally:
            await database.dispose()

    text = render(_run(run(), database), export_format)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"Wrote {output}.")


@app.command()
def events(
    url: Annotated[str | None, typer.Option("--url", help="Database URL (default: DATABASE_URL).")] = None,
) -> None:
    """Every event in the database, newest first."""
    database = _database(url)

    async def run() -> list[EventListing]:
        try:
            return await list_all_events(database)
        finally:
            await database.dispose()

    listings = _run(run(), database)
    if not listings:
        typer.echo("No events yet.")
    for listing in listings:
        starts = f", starts {listing.starts_at:%Y-%m-%d %H:%M} UTC" if listing.starts_at else ""
        typer.echo(
            f"#{listing.id}  {listing.state.value}  {listing.title}  "
            f"(server {listing.guild_id}{starts}, {plural(listing.questions, 'question')})"
        )


def main() -> None:
    logging.basicConfig(level=Settings().log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app()
