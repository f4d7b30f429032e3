"""The database Podium's services work in: units of work run in a transaction, off the event loop.

A service hands ``Database.write`` (or ``read``) a plain function that takes a SQLModel
``Session``; the database runs it in one transaction and returns its result.

- **SQLite** is a synchronous library, so each unit of work runs whole on a worker thread: one
  writer thread (SQLite allows one writer at a time, so writers queue in order instead of
  spinning in the busy handler) and a few reader threads. Writers start with ``BEGIN IMMEDIATE``
  so a read can never fail halfway when it turns into a write. One thread hop per unit of work,
  not one per statement. The writer commits the writes waiting for it together (group commit):
  each in a savepoint of one transaction (a write alone needs none), one COMMIT (one wait for
  the disk) for all, and each caller answered only once that COMMIT has returned
  (``_SQLiteRunner._commit_group``). A hot write of a few Core statements (a vote) can skip the
  ORM session and its savepoint (``Database.write_core``): it runs on sqlite3's own connection,
  its statements compiled once.
- **PostgreSQL** runs the same function through SQLAlchemy's asyncio engine (asyncpg), with
  ``AsyncSession.run_sync``, on an event loop of its own in a thread of its own
  (``_AsyncRunner``): the caller's event loop is never blocked, and a transaction's round trips
  never wait behind the caller's other work. A hot write that fits in one statement (a vote's
  ballots, ``Database.write_statement``) goes to asyncpg itself, compiled once, in autocommit.

A unit of work that meets a passing trouble (SQLite locked by another process, a PostgreSQL
connection dropped, a deadlock) is run again from the start in a new transaction, with backoff,
until ``Retries.budget_s`` is spent; then ``DatabaseUnavailable`` tells the member that nothing was
saved. A failed try is rolled back whole, so a retry never half-applies. The one thing not retried
is a PostgreSQL connection lost while committing: the commit may have happened, so running the
work again could do it twice (``SaveUncertain`` says so).
"""

import asyncio
import contextlib
import logging
import threading
import time
from collections import deque, namedtuple
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.errors import DatabaseUnavailable, SaveUncertain

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")
Work = Callable[Concatenate[Session, P], T]

# Any SQLite driver name in the URL is accepted; Podium drives SQLite through the standard
# library's sqlite3 on its own threads (see above).
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///podium.db"
SQLITE_BUSY_TIMEOUT_MS = 5_000
SQLITE_PRAGMAS = (
    "journal_mode = WAL",
    # Each commit reaches the disk before the voter is told it counted: a power cut loses nothing
    # that was acknowledged (NORMAL would only survive a crash of the process).
    "synchronous = FULL",
    "foreign_keys = ON",
    f"busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}",
)
# A scratch database (a rehearsal's): nothing in it is anyone's vote, so a commit does not wait for
# the disk. A crash of the process loses nothing committed; a power cut may lose the last commits
# or corrupt the file, which the next rehearsal replaces anyway.
SQLITE_SCRATCH_PRAGMAS = (
    "journal_mode = WAL",
    "synchronous = OFF",
    "foreign_keys = ON",
    f"busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}",
    "temp_store = MEMORY",
)
SQLITE_READER_THREADS = 4
# The most writes one transaction of the writer thread commits together (see _commit_group).
SQLITE_GROUP_MAX = 256
# SQLite's primary result codes for "another connection holds the lock" (the extended codes share them).
SQLITE_BUSY, SQLITE_LOCKED = 5, 6
# PostgreSQL's SQLSTATEs after which the same transaction may well succeed on a second try: it was
# rolled back whole (serialization failure, deadlock), or the server was restarting or shutting
# down its connections (admin_shutdown is what pg_terminate_backend sends).
POSTGRESQL_RETRYABLE = frozenset({"40001", "40P01", "57P01", "57P02", "57P03"})
DEFAULT_RETRY_BUDGET_S = 10.0
# PostgreSQL: connections kept for units of work that write, for one-statement writes (votes), and
# for reads, each a pool of its own (the last two in autocommit), so that slow reads (a burst of
# card redraws) never take the connections votes need. Each pool keeps every connection it opens
# and opens no more than its size: a connection beyond it (SQLAlchemy's "overflow") is closed when
# it is returned, so in a burst the pools opened and closed 447 connections in 60 s, each a new
# server process and several round trips on the runner's loop, while every query waited behind
# them. Connections are opened as work needs them, up to the size, which is what the pools could
# reach before with their overflow: at 8 connections a burst of 5,000 members' votes (800 a
# second) waited past the 2.5 s a try may wait for one, and over a thousand were given up.
POSTGRESQL_WRITE_POOL = 15
POSTGRESQL_STATEMENT_POOL = 15
POSTGRESQL_READ_POOL = 15
# PostgreSQL: the channel a commit that changes what a presenter screen shows notifies (the
# triggers of migration 0013_speed_postgresql), and how long a lost listening connection waits before
# connecting again (doubling to the longest).
WRITES_CHANNEL = "podium_writes"
# The task that listens on it, for as long as the Database is open.
LISTENER_TASK = "podium-listen-writes"
LISTEN_RETRY_S = 0.5
LISTEN_RETRY_MAX_S = 10.0
# The synchronous driver for each backend, for libraries that cannot use asyncio (APScheduler 3).
SYNC_DRIVERS = {"sqlite": "sqlite+pysqlite", "postgresql": "postgresql+psycopg"}


def sync_url(url: str | sa.URL) -> sa.URL:
    """The same database, reached through a synchronous driver: pysqlite or psycopg."""
    url = sa.make_url(url)
    return url.set(drivername=SYNC_DRIVERS[url.get_backend_name()])


@dataclass(frozen=True, slots=True)
class Retries:
    """How long a unit of work keeps trying through passing trouble before the member is told.

    A member's command is deferred before its work starts, so Discord would wait 15 minutes for
    the answer; the member would not. The default budget is two of SQLite's 5 s lock waits, or
    about a dozen reconnection attempts to PostgreSQL: enough for another process's long write or
    a server restart, short enough that "try again in a moment" comes while they are still there.
    """

    # In all, from the call: time queued behind other writers, lock waits, tries and pauses.
    budget_s: float = DEFAULT_RETRY_BUDGET_S
    # The longest one try waits for another process's lock (SQLite's busy timeout, capped by what
    # is left of the budget) or for a new connection (PostgreSQL).
    wait_s: float = SQLITE_BUSY_TIMEOUT_MS / 1000
    # The pause before the second try, doubled before each later one, up to ``pause_max_s``.
    pause_s: float = 0.05
    pause_max_s: float = 1.0


DEFAULT_RETRIES = Retries()

# Set by a caller that must answer someone by a certain time (the Discord layer, for each
# interaction it handles): a function giving the seconds left. Work started under it gives up in
# time for that answer, even if its own budget would let it try longer.
answer_due: ContextVar[Callable[[], float] | None] = ContextVar("answer_due", default=None)


class Database:
    """One database, chosen by URL: ``sqlite+aiosqlite:///file.db`` or ``postgresql+asyncpg://...``.

    ``scratch=True`` (SQLite only: a rehearsal's database) trades durability for speed: commits do
    not wait for the disk (``SQLITE_SCRATCH_PRAGMAS``)."""

    def __init__(
        self,
        url: str = DEFAULT_DATABASE_URL,
        *,
        echo: bool = False,
        retries: Retries = DEFAULT_RETRIES,
        scratch: bool = False,
    ) -> None:
        self.url = sa.make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self.retries = retries
        self.scratch = scratch and self.is_sqlite
        self._disposed = False
        # Counted, and waited for, by readers that show what writes change (the presenter screen).
        self.writes = 0
        self._write_waiters: set[asyncio.Future[None]] = set()
        self._listener: _Listener | None = None
        if self.is_sqlite:
            pragmas = SQLITE_SCRATCH_PRAGMAS if self.scratch else SQLITE_PRAGMAS
            self._runner: _Runner = _SQLiteRunner(self.url, echo=echo, retries=retries, pragmas=pragmas)
        else:
            self._runner = _AsyncRunner(self.url, echo=echo, retries=retries)

    async def write(self, work: Work[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``work(session, *args, **kwargs)`` in a transaction that commits if it returns.

        ``work`` may run more than once (see the module's docstring): it must do nothing but
        database work through its session, and build the rows it adds itself.
        """
        result = await self._retrying(_bind(work, *args, **kwargs), write=True)
        self._wrote()
        return result

    def _wrote(self) -> None:
        self.writes += 1
        for waiter in self._write_waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._write_waiters.clear()

    async def hear_other_processes(self) -> bool:
        """Start counting other processes' commits among ``writes`` as well, where the database
        tells of them (PostgreSQL: LISTEN on ``WRITES_CHANNEL``, which the tables' triggers
        notify), and say whether it is hearing them now. SQLite cannot tell: False, and a reader
        keeps its poll. Once started, a lost connection is replaced in the background, and this
        says False until it is."""
        if self._listener is None and not self.is_sqlite and not self._disposed:
            self._listener = _Listener(self.url, self._wrote)
            await self._listener.started()
        return self._listener is not None and self._listener.hearing

    async def next_write(self, seen: int, timeout_s: float) -> None:
        """Return once a write through this ``Database`` has committed since ``writes`` was
        ``seen`` (at once if one has), or after ``timeout_s``. Only this process's writes are seen:
        a reader that must see other processes' too keeps ``timeout_s`` as its poll."""
        if self.writes != seen:
            return
        waiter = asyncio.get_running_loop().create_future()
        self._write_waiters.add(waiter)
        try:
            async with asyncio.timeout(timeout_s):
                await waiter
        except TimeoutError:
            pass
        finally:
            self._write_waiters.discard(waiter)

    async def write_core(self, work: "CoreWork[P, T]", *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``work(connection, *args, **kwargs)``, which runs SQLAlchemy Core statements only
        (``Statements``), in a transaction that commits if it returns: for a hot write of a few
        statements (a vote), without the cost of an ORM session.

        On SQLite it runs in the writer's group transaction on sqlite3's own connection, each
        statement compiled once (sqlite3 keeps it prepared), with no savepoint of its own: an
        error raised before it changed a row leaves nothing to undo, and the group goes on; one
        raised after undoes the group's transaction, and the others are run again without it. On
        PostgreSQL it is a unit of work like any other. As for ``write``, ``work`` may run more
        than once.
        """
        if not self.is_sqlite:
            return await self.write(_on_connection(work), *args, **kwargs)
        runner = self._runner
        assert isinstance(runner, _SQLiteRunner)
        bound = _bind(work, *args, **kwargs)
        result = await self._retrying_call(lambda deadline: runner.run_core(bound, deadline=deadline))
        self._wrote()
        return result

    async def write_statement(self, statement: sa.Executable, params: dict[str, Any], *, repeatable: bool) -> list[Any]:
        """PostgreSQL only: run one statement as a transaction of its own (autocommit), in one
        round trip to the server, and return its rows (named tuples of its columns). For a hot
        path whose whole change fits in one statement; anything longer belongs in ``write``.

        The statement goes to asyncpg compiled once, as ``write_core``'s do on SQLite: a
        module-level statement, not one built per call, whose columns have no default functions
        (constant defaults are kept).

        The statement is its own commit, so a connection lost while it runs leaves it unknown
        whether it was saved: it is tried again only if ``repeatable`` (running it twice does what
        running it once does), else ``SaveUncertain`` says so.
        """
        if self.is_sqlite:
            raise TypeError("write_statement is for PostgreSQL; SQLite's writes go through write()")
        runner = self._runner
        assert isinstance(runner, _AsyncRunner)

        async def run(deadline: float) -> list[Any]:
            try:
                return await runner.statement(statement, params)
            except _Unsent:
                raise
            except Exception as error:
                reason = _transient(error)
                if reason is None or repeatable:
                    raise
                raise _LostAtCommit(reason) from error

        rows = await self._retrying_call(run)
        self._wrote()
        return rows

    async def read(self, work: Work[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``work(session, ...)`` for reading only; nothing it does is committed."""
        return await self._retrying(_bind(work, *args, **kwargs), write=False)

    async def _retrying(self, work: Callable[[Session], T], *, write: bool) -> T:
        return await self._retrying_call(lambda deadline: self._runner.run(work, write=write, deadline=deadline))

    async def _retrying_call(self, attempt: Callable[[float], Awaitable[T]]) -> T:
        due = answer_due.get()
        budget = self.retries.budget_s if due is None else min(self.retries.budget_s, due())
        deadline = time.monotonic() + budget
        pause = self.retries.pause_s
        tries = 1
        while True:
            try:
                return await attempt(deadline)
            except _LostAtCommit as lost:
                log.error("database: %s while committing; not retried, it may have been saved", lost.reason)
                raise SaveUncertain() from lost.__cause__
            except Exception as error:
                reason = _transient(error)
                if reason is None:
                    raise
                kind = _kind(error)
                left = deadline - time.monotonic()
                if left <= 0:
                    log.error("database: %s (%s); giving up after %d tries in %.1f s", reason, kind, tries, budget)
                    raise DatabaseUnavailable() from error
                pause = min(pause, left)
                log.warning("database: %s (%s) on try %d; trying again in %.2f s", reason, kind, tries, pause)
                await asyncio.sleep(pause)
                pause = min(pause * 2, self.retries.pause_max_s)
                tries += 1

    async def run_with_connection(self, work: Callable[[sa.Connection], T]) -> T:
        """Run ``work(connection)`` in a transaction on a plain connection (for Alembic)."""
        return await self._runner.run_with_connection(work)

    async def dispose(self) -> None:
        """Close every connection; later calls do nothing."""
        if not self._disposed:
            self._disposed = True
            if self._listener is not None:
                await self._listener.close()
            await self._runner.dispose()


class _Listener:
    """One asyncpg connection of its own, listening on ``WRITES_CHANNEL``: each notification (one
    per committed transaction that notified) calls ``heard``; a lost connection is replaced."""

    def __init__(self, url: sa.URL, heard: Callable[[], None]) -> None:
        self.dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.heard = heard
        self.hearing = False
        self._first = asyncio.get_running_loop().create_future()
        self._task = asyncio.create_task(self._listen(), name=LISTENER_TASK)

    async def started(self) -> None:
        """Return once the first connection listens, or has failed (the task keeps trying)."""
        await asyncio.shield(self._first)

    async def _listen(self) -> None:
        pause = LISTEN_RETRY_S
        while True:
            if await self._listen_once():
                pause = LISTEN_RETRY_S
            if not self._first.done():
                self._first.set_result(None)
            await asyncio.sleep(pause)
            pause = min(pause * 2, LISTEN_RETRY_MAX_S)

    async def _listen_once(self) -> bool:
        """Listen on one connection until it is lost; say whether it listened at all."""
        import asyncpg

        try:
            connection = await asyncpg.connect(self.dsn, timeout=DEFAULT_RETRIES.wait_s)
        except Exception as error:
            log.warning("database: cannot listen for other processes' writes (%s); polling", type(error).__name__)
            return False
        lost = asyncio.get_running_loop().create_future()
        try:
            connection.add_termination_listener(lambda _connection: lost.done() or lost.set_result(None))
            await connection.add_listener(WRITES_CHANNEL, lambda *_notification: self.heard())
            self.hearing = True
            # Whatever committed while no one listened is read once now.
            self.heard()
            if not self._first.done():
                self._first.set_result(None)
            await lost
            log.warning("database: the connection listening for other processes' writes was lost")
            return True
        except asyncio.CancelledError:
            await connection.close(timeout=1)
            raise
        except Exception as error:
            log.warning("database: listening for other processes' writes failed (%s)", type(error).__name__)
            return self.hearing
        finally:
            self.hearing = False
            if not connection.is_closed():
                connection.terminate()

    async def close(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._task


def _bind(work: Callable[..., T], *args: Any, **kwargs: Any) -> Callable[[Any], T]:
    return lambda session: work(session, *args, **kwargs)


class Result(Protocol):
    """What a Core statement run through ``Statements`` gives back: the parts of SQLAlchemy's
    ``CursorResult`` that a hot write uses."""

    @property
    def rowcount(self) -> int: ...

    def first(self) -> Any: ...

    def scalar_one(self) -> Any: ...


class Statements(Protocol):
    """Where a ``Database.write_core`` work runs its statements: a SQLAlchemy ``Connection`` on
    PostgreSQL, sqlite3's own connection on SQLite (``_CoreConnection``)."""

    @property
    def dialect(self) -> sa.Dialect: ...

    def execute(self, statement: Any, parameters: Mapping[str, Any], /) -> Result: ...


CoreWork = Callable[Concatenate[Statements, P], T]


def _on_connection(work: Callable[..., T]) -> Callable[..., T]:
    return lambda session, *args, **kwargs: work(session.connection(), *args, **kwargs)


_REQUIRED = object()


@dataclass(frozen=True, slots=True)
class _Compiled:
    """A Core statement compiled once for the driver: its SQL, and how each parameter and column
    is converted (the columns' types, as SQLAlchemy would convert them)."""

    statement: Any  # kept alive while its id is the cache's key
    sql: str
    # Each positional parameter's name, converter, and value if the caller gives none (a literal).
    binds: tuple[tuple[str, Callable[[Any], Any] | None, Any], ...]
    row: type | None
    columns: tuple[Callable[[Any], Any] | None, ...]

    @classmethod
    def of(cls, statement: Any, parameters: Mapping[str, Any], dialect: sa.Dialect) -> "_Compiled":
        compiled = statement.compile(dialect=dialect, column_keys=list(parameters))
        # Columns' constant defaults are the statement's own literals; a default computed per row
        # (a function) would have to run each time.
        defaults = {}
        prefetched = [(column, column.default) for column in compiled.insert_prefetch]
        prefetched += [(column, column.onupdate) for column in compiled.update_prefetch]
        for column, default in prefetched:
            if default is None or not default.is_scalar:
                raise TypeError(f"a compiled statement runs no default functions: give {column.key}")
            defaults[column.key] = default.arg
        if any(compiled.binds[name].expanding for name in parameters if name in compiled.binds):
            raise TypeError("a compiled statement takes no list for IN: pass an array instead")
        # The statement's own IN lists (constants) rendered once, as SQLAlchemy renders them for
        # each execution.
        expanded = compiled.construct_expanded_state({**defaults, **parameters})

        def converter(name: str) -> Callable[[Any], Any] | None:
            bind = compiled.binds.get(name)
            if bind is None:  # one value of an IN list
                return expanded.processors.get(name)
            return bind.type.dialect_impl(dialect).bind_processor(dialect)

        binds = tuple(
            (name, converter(name), _REQUIRED if name in parameters else expanded.parameters[name])
            for name in expanded.positiontup or ()
        )
        selected = list(statement.exported_columns)  # a query's columns, or what DML returns
        if not selected:
            return cls(statement, expanded.statement, binds, None, ())
        row = namedtuple("Row", [column.key for column in selected])
        columns = tuple(column.type.dialect_impl(dialect).result_processor(dialect, None) for column in selected)
        return cls(statement, expanded.statement, binds, row, columns)

    def values(self, parameters: Mapping[str, Any]) -> list[Any]:
        """The positional values to send for ``parameters``, converted for the driver."""
        values = []
        for name, convert, literal in self.binds:
            value = parameters[name] if literal is _REQUIRED else literal
            values.append(value if convert is None else convert(value))
        return values

    def rows(self, raws: Iterable[Sequence[Any]]) -> list[Any]:
        """The driver's rows as named tuples of converted values."""
        if self.row is None:
            return []
        make, columns = self.row._make, self.columns
        return [
            make([value if convert is None else convert(value) for value, convert in zip(raw, columns, strict=True)])
            for raw in raws
        ]


class _CompiledStatements:
    """Statements compiled once each, by the statement and the names of the parameters given;
    used from one thread only (SQLite's writer, PostgreSQL's loop)."""

    def __init__(self) -> None:
        self._compiled: dict[tuple[int, tuple[str, ...]], _Compiled] = {}

    def get(self, statement: Any, parameters: Mapping[str, Any], dialect: sa.Dialect) -> _Compiled:
        """``statement`` compiled for ``dialect`` with these parameters' names."""
        key = (id(statement), tuple(parameters))
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = _Compiled.of(statement, parameters, dialect)
        return compiled


class _CoreResult:
    __slots__ = ("rowcount", "rows")

    def __init__(self, rows: list[Any], rowcount: int) -> None:
        self.rows = rows
        self.rowcount = rowcount

    def first(self) -> Any:
        return self.rows[0] if self.rows else None

    def scalar_one(self) -> Any:
        (row,) = self.rows
        return row[0]


class _CoreConnection:
    """sqlite3's own connection inside the writer's transaction, running Core statements through
    their ``_Compiled`` form (``Statements``)."""

    def __init__(self, dbapi_connection: Any, dialect: sa.Dialect, compiled: _CompiledStatements) -> None:
        self.dialect = dialect
        self._dbapi = dbapi_connection
        self._compiled = compiled

    @property
    def total_changes(self) -> int:
        """Rows changed through this connection since it opened (sqlite3's own count)."""
        return self._dbapi.total_changes

    def execute(self, statement: Any, parameters: Mapping[str, Any], /) -> _CoreResult:
        compiled = self._compiled.get(statement, parameters, self.dialect)
        values = compiled.values(parameters)
        try:
            cursor = self._dbapi.execute(compiled.sql, values)
            raws = cursor.fetchall() if compiled.row is not None else []
        except self.dialect.loaded_dbapi.Error as error:
            # Wrapped as SQLAlchemy would, so that callers and retries see the same errors.
            raise _wrapped(error, compiled.sql, values, self.dialect) from error
        return _CoreResult(compiled.rows(raws), cursor.rowcount)


def _wrapped(
    error: Exception, sql: str, values: list[Any], dialect: sa.Dialect, *, invalidated: bool = False
) -> sa.exc.DBAPIError:
    """The driver's DBAPI ``error`` as SQLAlchemy wraps it (its parameters hidden: they hold user
    text), for a statement Podium sent to the driver itself."""
    return sa.exc.DBAPIError.instance(
        sql,
        values,
        error,
        dialect.loaded_dbapi.Error,
        hide_parameters=True,
        dialect=dialect,
        connection_invalidated=invalidated,
    )


def _transient(error: BaseException) -> str | None:
    """Why ``error`` is worth running the unit of work again in a new transaction, or None."""
    if isinstance(error, sa.exc.DBAPIError):
        if error.connection_invalidated:
            return "connection lost"
        original = error.orig
        code = getattr(original, "sqlite_errorcode", None)
        if code is not None:
            return "locked by another connection" if (code & 0xFF) in (SQLITE_BUSY, SQLITE_LOCKED) else None
        state = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None) or ""
        if state in POSTGRESQL_RETRYABLE or state.startswith("08"):
            return f"SQLSTATE {state}"
        return None
    if isinstance(error, sa.exc.TimeoutError):
        return "no pooled connection came free in time"
    # Connecting fails before any driver wraps the error: refused, unreachable, timed out.
    if isinstance(error, OSError | TimeoutError):
        return "could not connect"
    if isinstance(error, _Unsent):
        return "connection closed before sending"
    return None


def _kind(error: BaseException) -> str:
    """The class of the driver's own error, for the log: never its message, since the statement
    and its parameters hold user text."""
    original = getattr(error, "orig", None) or error
    return type(original.__cause__ or original).__name__


class _Unsent(Exception):
    """The pooled connection had closed before the statement was sent: nothing ran, try again."""


class _LostAtCommit(Exception):
    """The connection failed during COMMIT: the transaction may or may not have committed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Runner(Protocol):
    async def run(self, work: Callable[[Session], T], *, write: bool, deadline: float) -> T: ...

    async def run_with_connection(self, work: Callable[[sa.Connection], T]) -> T: ...

    async def dispose(self) -> None: ...


@dataclass(slots=True)
class _Write:
    """A unit of work waiting for the writer thread, and where to send what became of it."""

    work: Callable[[Any], Any]
    deadline: float
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Any]
    # Runs on a _CoreConnection with no savepoint (Database.write_core), not in a Session.
    core: bool = False

    def settle(self, result: Any, error: BaseException | None) -> None:
        """Answer the caller (on its loop)."""
        if self.future.cancelled():
            return
        if error is None:
            self.future.set_result(result)
        else:
            self.future.set_exception(error)


_Outcome = tuple[_Write, Any, BaseException | None]


def _answer(outcomes: list[_Outcome]) -> None:
    """Answer each write on its own loop: one wake-up of each loop for the whole group, not one
    per write (each costs a write to the loop's self-pipe)."""
    by_loop: dict[asyncio.AbstractEventLoop, list[_Outcome]] = {}
    for outcome in outcomes:
        by_loop.setdefault(outcome[0].loop, []).append(outcome)
    for loop, answers in by_loop.items():
        # A loop already closed has no one waiting; the other loops are still answered.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(_settle_all, answers)


def _settle_all(outcomes: list[_Outcome]) -> None:
    for pending, result, error in outcomes:
        pending.settle(result, error)


class _Undone(Exception):
    """A core write failed after it had changed rows: the group's transaction is rolled back."""

    def __init__(self, pending: _Write, error: BaseException) -> None:
        super().__init__()
        self.pending = pending
        self.error = error


class _SQLiteRunner:
    def __init__(self, url: sa.URL, *, echo: bool, retries: Retries, pragmas: tuple[str, ...]) -> None:
        self.retries = retries
        self.engine = sa.create_engine(
            url.set(drivername="sqlite+pysqlite"),
            echo=echo,
            connect_args={"check_same_thread": False},
        )
        _configure_sqlite(self.engine, pragmas)
        self._read_sessions = sessionmaker(
            self.engine.execution_options(podium_write=False), class_=Session, expire_on_commit=False
        )
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="podium-sqlite-writer")
        self._readers = ThreadPoolExecutor(SQLITE_READER_THREADS, thread_name_prefix="podium-sqlite-reader")
        # Writes waiting for the writer thread; deque's append and popleft are thread-safe.
        self._pending: deque[_Write] = deque()
        # The statements of core writes, compiled once (used on the writer thread only).
        self._compiled = _CompiledStatements()
        # Whether the writer thread has been asked to commit the writes waiting and has not yet
        # begun to take them: a write arriving meanwhile needs no ask of its own.
        self._asked = False

    async def run(self, work: Callable[[Session], T], *, write: bool, deadline: float) -> T:
        loop = asyncio.get_running_loop()
        if not write:
            return await loop.run_in_executor(self._readers, self._read, work, deadline)
        return await self._queue(_Write(work, deadline, loop, loop.create_future()))

    async def run_core(self, work: Callable[[_CoreConnection], T], *, deadline: float) -> T:
        loop = asyncio.get_running_loop()
        return await self._queue(_Write(work, deadline, loop, loop.create_future(), core=True))

    async def _queue(self, pending: _Write) -> Any:
        self._pending.append(pending)
        # One ask for all the writes that arrive before the writer begins to take them: an ask per
        # write cost the event loop a thread wake-up each (half its time in a burst of votes).
        if not self._asked:
            self._asked = True
            self._writer.submit(self._commit_waiting)
        return await pending.future

    def _wait_ms(self, deadline: float) -> int:
        # Measured on the worker thread: time spent queued behind other writers counts, so a write
        # that waited its turn through a long lock gets one quick try, not another full wait.
        return int(min(self.retries.wait_s, max(0.0, deadline - time.monotonic())) * 1000)

    def _read(self, work: Callable[[Session], T], deadline: float) -> T:
        with self._read_sessions() as session:
            # Taking the connection begins the transaction (``_on_begin`` below).
            session.connection(execution_options={"podium_lock_wait_ms": self._wait_ms(deadline)})
            return work(session)

    def _commit_waiting(self) -> None:
        """Commit the writes waiting, in groups, until none waits."""
        # Cleared before taking any: a write appended after this asks again, one before is taken.
        self._asked = False
        while self._pending:
            self._commit_group()

    def _commit_group(self) -> None:
        """Run the writes waiting (up to ``SQLITE_GROUP_MAX``) in one transaction, and commit them
        together.

        SQLite writes one transaction at a time, and with ``synchronous = FULL`` each commit waits
        for the disk; writes that arrived together share that wait instead of queueing for one
        each. A write that fails is undone alone and gets its own error: a unit of work is rolled
        back to its savepoint; a core write (``Database.write_core``) has none, so one that fails
        before changing a row has nothing to undo, and one that fails after undoes the group's
        transaction, gets its error, and the others run again without it. The others are told
        nothing until the one COMMIT holding them has returned, so nothing acknowledged can be
        lost. If the transaction fails (another process holds the lock past the wait, the disk is
        full), every write in it gets that error, and retries as it would have alone.
        """
        group: list[_Write] = []
        while self._pending and len(group) < SQLITE_GROUP_MAX:
            group.append(self._pending.popleft())
        while group:
            try:
                outcomes = self._run_group(group)
            except _Undone as undone:
                _answer([(undone.pending, None, undone.error)])
                group.remove(undone.pending)
                continue
            except Exception as error:
                _answer([(pending, None, error) for pending in group])
                return
            _answer(outcomes)
            return

    def _run_group(self, group: list[_Write]) -> list[_Outcome]:
        """Run the group's writes in one transaction and commit it; what became of each."""
        outcomes: list[_Outcome] = []
        # The most urgent write decides how long the group waits for another process's lock.
        wait_ms = min(self._wait_ms(pending.deadline) for pending in group)
        with self.engine.connect() as connection:
            connection = connection.execution_options(podium_write=True, podium_lock_wait_ms=wait_ms)
            with connection.begin():
                # A unit of work alone in its group needs no savepoint: undoing it is undoing the
                # transaction. With others, each has its own, so one that fails is undone alone.
                joining = "rollback_only" if len(group) == 1 else "create_savepoint"
                core = _CoreConnection(connection.connection.dbapi_connection, connection.dialect, self._compiled)
                for pending in group:
                    if pending.core:
                        changed = core.total_changes
                        try:
                            result = pending.work(core)
                        except Exception as error:
                            if core.total_changes != changed:
                                raise _Undone(pending, error) from error
                            outcomes.append((pending, None, error))
                        else:
                            outcomes.append((pending, result, None))
                        continue
                    with Session(bind=connection, join_transaction_mode=joining, expire_on_commit=False) as session:
                        try:
                            result = pending.work(session)
                            session.commit()
                        except Exception as error:
                            session.rollback()
                            outcomes.append((pending, None, error))
                        else:
                            outcomes.append((pending, result, None))
        return outcomes

    async def run_with_connection(self, work: Callable[[sa.Connection], T]) -> T:
        def in_transaction() -> T:
            with self.engine.execution_options(podium_write=True).begin() as connection:
                return work(connection)

        return await asyncio.get_running_loop().run_in_executor(self._writer, in_transaction)

    async def dispose(self) -> None:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._writer, self.engine.dispose)
        self._writer.shutdown()
        self._readers.shutdown()


class _AsyncRunner:
    """PostgreSQL through asyncpg, on an event loop of its own, in a thread of its own.

    Not on the caller's loop: a unit of work of a few statements needs the loop once per round
    trip, and in a burst the bot's loop has hundreds of callbacks ready ahead of each one. Every
    transaction then lasted as long as that queue took to drain, several times over, while it
    held its row locks and its pooled connection: votes on the top question queued behind each
    other's locks, the pool ran dry, and asks waited the pool's 30 s for a connection (measured in
    the burst benchmark; ``pg_stat_activity`` showed the connections "idle in transaction",
    waiting for the bot). On a loop of its own a transaction no longer waits behind the bot's
    other work; the caller awaits its result, and cancelling the caller cancels it.

    Votes on one question take its row lock in turn, so in a burst they are grouped per question
    before they get here (``bot.services.qa.ballot_box``). A single lane committing all the
    process's writes in groups, as SQLite's writer does, was tried first and measured: the queue
    on the lock went, but one connection's round trips, one write after the other, capped the
    lane at about 150 votes a second on a loaded 2-CPU machine, and votes spread over a thousand
    cards (which never contend) waited 30 s behind it.
    """

    def __init__(self, url: sa.URL, *, echo: bool, retries: Retries) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="podium-postgresql", daemon=True)
        self._thread.start()

        # Every pool: a connection attempt gives up after ``wait_s``, not asyncpg's minute, and so
        # does a wait for a pooled connection to come free, not the pool's 30 s: either is then
        # tried again within the budget, and the member told in time.
        def pool(size: int, **options: Any) -> AsyncEngine:
            return create_async_engine(
                url,
                echo=echo,
                pool_size=size,
                max_overflow=0,
                pool_timeout=retries.wait_s,
                connect_args={"timeout": retries.wait_s},
                **options,
            )

        # Units of work: pre-ping replaces a pooled connection the server dropped while it sat
        # idle, before any work starts on it.
        self.engine: AsyncEngine = pool(POSTGRESQL_WRITE_POOL, pool_pre_ping=True)
        self._sessions = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)

        # One-statement writes (``Database.write_statement``) and, from a pool of their own, reads:
        # autocommit, so no BEGIN and COMMIT (or ROLLBACK) of their own, and no ping at checkout,
        # each a round trip. A read sees what each of its statements sees, as in a READ COMMITTED
        # transaction (PostgreSQL's default, which Podium keeps), and a connection lost under it is
        # retried like any read. For a statement, a connection known to have closed is replaced
        # before anything is sent, and one lost in flight is the caller's.
        self._statements = pool(POSTGRESQL_STATEMENT_POOL, isolation_level="AUTOCOMMIT")
        self._readers = pool(POSTGRESQL_READ_POOL, isolation_level="AUTOCOMMIT")
        self._reads = async_sessionmaker(self._readers, class_=AsyncSession, expire_on_commit=False)
        # The one-statement writes, compiled once (used on this runner's loop only).
        self._compiled = _CompiledStatements()

    async def statement(self, statement: sa.Executable, params: dict[str, Any]) -> list[Any]:
        return await self._on_own_loop(self._statement(statement, params))

    async def _statement(self, statement: sa.Executable, params: dict[str, Any]) -> list[Any]:
        try:
            connection = await self._statements.connect()
            raw = await connection.get_raw_connection()
        except Exception as error:
            if _transient(error) is None:
                raise
            raise _Unsent() from error
        try:
            driver = raw.driver_connection
            if driver.is_closed():
                await connection.invalidate()
                raise _Unsent()
            # Straight to asyncpg, which keeps the statement prepared: SQLAlchemy's execution
            # (its cache key, the adapter's cursor, the result's rows) cost a burst's one thread
            # for the database 290 µs of CPU a statement, asyncpg alone 80.
            compiled = self._compiled.get(statement, params, connection.dialect)
            values = compiled.values(params)
            try:
                return compiled.rows(await driver.fetch(compiled.sql, *values))
            except Exception as error:
                wrapped = _as_sqlalchemy_error(error, compiled.sql, values, raw.dbapi_connection, connection.dialect)
                if driver.is_closed():
                    await connection.invalidate()
                if wrapped is error:
                    raise
                raise wrapped from error
        finally:
            await connection.close()

    async def _on_own_loop(self, call: Coroutine[Any, Any, T]) -> T:
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(call, self._loop))

    async def run(self, work: Callable[[Session], T], *, write: bool, deadline: float) -> T:
        return await self._on_own_loop(self._run(work, write=write))

    async def _run(self, work: Callable[[Session], T], *, write: bool) -> T:
        if not write:
            async with self._reads() as session:
                return await session.run_sync(work)
        async with self._sessions() as session:
            # Flushed inside, so that nothing but COMMIT itself is left for the one step that
            # cannot be retried safely.
            result = await session.run_sync(_flushed, work)
            try:
                await session.commit()
            except Exception as error:
                reason = _transient(error)
                if reason is None:
                    raise
                raise _LostAtCommit(reason) from error
            return result

    async def run_with_connection(self, work: Callable[[sa.Connection], T]) -> T:
        return await self._on_own_loop(self._run_with_connection(work))

    async def _run_with_connection(self, work: Callable[[sa.Connection], T]) -> T:
        async with self.engine.begin() as connection:
            return await connection.run_sync(work)

    async def dispose(self) -> None:
        try:
            await self._on_own_loop(self._statements.dispose())
            await self._on_own_loop(self._readers.dispose())
            await self._on_own_loop(self.engine.dispose())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            await asyncio.to_thread(self._thread.join)
            self._loop.close()


def _as_sqlalchemy_error(error: Exception, sql: str, values: list[Any], adapted: Any, dialect: sa.Dialect) -> Exception:
    """asyncpg's ``error`` as SQLAlchemy raises it from its own execution, so that callers and
    retries see the errors every other path gives them: translated by SQLAlchemy's asyncpg adapter
    (``adapted``) and wrapped, marked invalidated if the connection is gone; an error that is not
    the driver's (the socket's own) as it is."""
    try:
        adapted._handle_exception(error)
    except dialect.loaded_dbapi.Error as translated:
        return _wrapped(translated, sql, values, dialect, invalidated=dialect.is_disconnect(translated, adapted, None))
    except Exception as untranslated:
        return untranslated
    raise AssertionError("SQLAlchemy's adapter raises every error it is given")


def _flushed(session: Session, work: Callable[[Session], T]) -> T:
    result = work(session)
    session.flush()
    return result


def _configure_sqlite(engine: sa.Engine, pragmas: tuple[str, ...]) -> None:
    # pysqlite's own transaction handling is switched off so that SQLAlchemy's "begin" event can
    # choose BEGIN IMMEDIATE for writers (the recipe in SQLAlchemy's SQLite dialect docs).
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        for pragma in pragmas:
            dbapi_connection.execute(f"PRAGMA {pragma}")

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        options = connection.get_execution_options()
        # How long this try waits for another process's lock; set only when it changes (rarely:
        # a retry, or a write that queued for long), so the usual write costs no extra statement.
        wait_ms = options.get("podium_lock_wait_ms", SQLITE_BUSY_TIMEOUT_MS)
        if connection.info.get("busy_timeout_ms", SQLITE_BUSY_TIMEOUT_MS) != wait_ms:
            connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(wait_ms)}")
            connection.info["busy_timeout_ms"] = wait_ms
        connection.exec_driver_sql("BEGIN IMMEDIATE" if options.get("podium_write", False) else "BEGIN")
