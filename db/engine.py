"""The database Podium's services work in: units of work run in a transaction, off the event loop.

A service hands ``Database.write`` (or ``read``) a plain function that takes a SQLModel
``Session``; the database runs it in one transaction and returns its result.

- **SQLite** is a synchronous library, so each unit of work runs whole on a worker thread: one
  writer thread (SQLite allows one writer at a time, so writers queue in order instead of
  spinning in the busy handler) and a few reader threads. Writers start with ``BEGIN IMMEDIATE``
  so a read can never fail halfway when it turns into a write. One thread hop per unit of work,
  not one per statement.
- **PostgreSQL** runs the same function through SQLAlchemy's asyncio engine (asyncpg), with
  ``AsyncSession.run_sync``: the event loop is never blocked.
"""

import asyncio
import math
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session
from sqlmodel.ext.asyncio.session import AsyncSession

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
SQLITE_READER_THREADS = 4
# The synchronous driver for each backend, for libraries that cannot use asyncio (APScheduler 3).
SYNC_DRIVERS = {"sqlite": "sqlite+pysqlite", "postgresql": "postgresql+psycopg"}


def sync_url(url: str | sa.URL) -> sa.URL:
    """The same database, reached through a synchronous driver: pysqlite or psycopg."""
    url = sa.make_url(url)
    return url.set(drivername=SYNC_DRIVERS[url.get_backend_name()])


class Database:
    """One database, chosen by URL: ``sqlite+aiosqlite:///file.db`` or ``postgresql+asyncpg://...``."""

    def __init__(self, url: str = DEFAULT_DATABASE_URL, *, echo: bool = False) -> None:
        self.url = sa.make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self._disposed = False
        if self.is_sqlite:
            self._runner: _Runner = _SQLiteRunner(self.url, echo=echo)
        else:
            self._runner = _AsyncRunner(self.url, echo=echo)

    async def write(self, work: Work[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``work(session, *args, **kwargs)`` in a transaction that commits if it returns."""
        return await self._runner.run(_bind(work, *args, **kwargs), write=True)

    async def read(self, work: Work[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``work(session, ...)`` for reading only; nothing it does is committed."""
        return await self._runner.run(_bind(work, *args, **kwargs), write=False)

    async def run_with_connection(self, work: Callable[[sa.Connection], T]) -> T:
        """Run ``work(connection)`` in a transaction on a plain connection (for Alembic)."""
        return await self._runner.run_with_connection(work)

    async def dispose(self) -> None:
        """Close every connection; later calls do nothing."""
        if not self._disposed:
            self._disposed = True
            await self._runner.dispose()


def _bind(work: Work[P, T], *args: P.args, **kwargs: P.kwargs) -> Callable[[Session], T]:
    return lambda session: work(session, *args, **kwargs)


class _Runner(Protocol):
    async def run(self, work: Callable[[Session], T], *, write: bool) -> T: ...

    async def run_with_connection(self, work: Callable[[sa.Connection], T]) -> T: ...

    async def dispose(self) -> None: ...


class _SQLiteRunner:
    def __init__(self, url: sa.URL, *, echo: bool) -> None:
        self.engine = sa.create_engine(
            url.set(drivername="sqlite+pysqlite"),
            echo=echo,
            connect_args={"check_same_thread": False},
        )
        _configure_sqlite(self.engine)
        self._sessions = {
            write: sessionmaker(
                self.engine.execution_options(podium_write=write), class_=Session, expire_on_commit=False
            )
            for write in (False, True)
        }
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="podium-sqlite-writer")
        self._readers = ThreadPoolExecutor(SQLITE_READER_THREADS, thread_name_prefix="podium-sqlite-reader")

    async def run(self, work: Callable[[Session], T], *, write: bool) -> T:
        executor = self._writer if write else self._readers
        return await asyncio.get_running_loop().run_in_executor(executor, self._in_session, work, write)

    def _in_session(self, work: Callable[[Session], T], write: bool) -> T:
        with self._sessions[write]() as session:
            if not write:
                return work(session)
            with session.begin():
                return work(session)

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
    def __init__(self, url: sa.URL, *, echo: bool) -> None:
        self.engine: AsyncEngine = create_async_engine(url, echo=echo, pool_pre_ping=True)
        self._sessions = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)

    async def run(self, work: Callable[[Session], T], *, write: bool) -> T:
        async with self._sessions() as session:
            if not write:
                return await session.run_sync(work)
            async with session.begin():
                return await session.run_sync(work)

    async def run_with_connection(self, work: Callable[[sa.Connection], T]) -> T:
        async with self.engine.begin() as connection:
            return await connection.run_sync(work)

    async def dispose(self) -> None:
        await self.engine.dispose()


def _configure_sqlite(engine: sa.Engine) -> None:
    # pysqlite's own transaction handling is switched off so that SQLAlchemy's "begin" event can
    # choose BEGIN IMMEDIATE for writers (the recipe in SQLAlchemy's SQLite dialect docs).
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        for pragma in SQLITE_PRAGMAS:
            dbapi_connection.execute(f"PRAGMA {pragma}")
        try:
            dbapi_connection.execute("SELECT power(2, 0.5)")
        except sqlite3.OperationalError:
            # SQLite built without its math functions: trending needs power().
            dbapi_connection.create_function("power", 2, math.pow, deterministic=True)

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        write = connection.get_execution_options().get("podium_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
