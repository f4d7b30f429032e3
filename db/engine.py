"""The async engine, and the sessions Podium's services work in."""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

log = logging.getLogger(__name__)

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///podium.db"
SQLITE_BUSY_TIMEOUT_MS = 5_000


class Database:
    """One database: an async engine and the two kinds of session the services open.

    ``transaction()`` is for work that writes; ``reader()`` for work that only reads. On SQLite
    the writer opens with ``BEGIN IMMEDIATE`` and writers in this process queue on an
    ``asyncio.Lock``, so they wait their turn in the event loop instead of spinning in SQLite's
    busy handler, and a read can never fail halfway when it upgrades to a write. Another process
    on the same file (the CLI beside the bot) still waits through the busy timeout.
    """

    def __init__(self, url: str = DEFAULT_DATABASE_URL, *, echo: bool = False) -> None:
        self.url = sa.make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        options: dict[str, Any] = {"echo": echo}
        if not self.is_sqlite:
            options["pool_pre_ping"] = True
        self.engine: AsyncEngine = create_async_engine(self.url, **options)
        if self.is_sqlite:
            _configure_sqlite(self.engine)
        self._write_lock = asyncio.Lock() if self.is_sqlite else None
        self._writers = async_sessionmaker(
            self.engine.execution_options(podium_write=True),
            class_=AsyncSession,
            expire_on_commit=False,
        )
        self._readers = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session whose work commits together at the end of the block, or not at all."""
        if self._write_lock is None:
            async with self._writers.begin() as session:
                yield session
            return
        async with self._write_lock, self._writers.begin() as session:
            yield session

    @asynccontextmanager
    async def reader(self) -> AsyncIterator[AsyncSession]:
        """A session for reads only; it never holds a write lock."""
        async with self._readers() as session:
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()


def _configure_sqlite(engine: AsyncEngine) -> None:
    # pysqlite's own transaction handling is switched off so that SQLAlchemy's "begin" event can
    # choose BEGIN IMMEDIATE for writers (the recipe in SQLAlchemy's SQLite dialect docs).
    @sa.event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            "journal_mode = WAL",
            "synchronous = NORMAL",  # with WAL: durable across a process crash, fsync at checkpoints
            "foreign_keys = ON",
            f"busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @sa.event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        write = connection.get_execution_options().get("podium_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
