"""Database trouble on demand: another process's SQLite write lock, PostgreSQL backends terminated
the way an administrator or a failover would, a trigger that acts when Podium logs a retry, and
a call that fails once."""

import logging
import sqlite3
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy as sa

from db.engine import Database, sync_url


class SQLiteWriteLock:
    """A write lock on a SQLite file held by a connection of its own, as another process would
    (the CLI, a backup, a second bot): Podium's writers must wait for it or give up."""

    def __init__(self, path: Path) -> None:
        # Released from whichever thread notices the retry; it is only ever used by one at a time.
        self._connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._connection.execute("BEGIN IMMEDIATE")
        self.held = True

    def release(self) -> None:
        if self.held:
            self.held = False
            self._connection.execute("ROLLBACK")
            self._connection.close()


def sqlite_path(db: Database) -> Path:
    return Path(db.url.database or "")


def _libpq_url(db: Database) -> str:
    return sync_url(db.url).set(drivername="postgresql").render_as_string(hide_password=False)


def terminate_backends(db: Database, pid: int | None = None) -> int:
    """Terminate, from a connection of its own, the backend ``pid`` or every other backend of the
    database (Podium's pooled connections), waiting until each is gone; returns how many."""
    query = "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = current_database()"
    query += " AND pid = %s" if pid is not None else " AND pid <> pg_backend_pid()"
    with psycopg.connect(_libpq_url(db), autocommit=True) as connection:
        return len(connection.execute(query, (pid,) if pid is not None else ()).fetchall())


def backend_pid(session: sa.orm.Session) -> int:
    """The PostgreSQL backend a unit of work runs on."""
    return session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()


class _OnRetry(logging.Handler):
    def __init__(self, action: Callable[[], None]) -> None:
        super().__init__(logging.WARNING)
        self.action = action
        self.retries = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "trying again" in record.getMessage():
            self.retries += 1
            if self.retries == 1:
                self.action()


@contextmanager
def on_first_retry(action: Callable[[], None]) -> Iterator[_OnRetry]:
    """Run ``action`` the moment the database logs its first retry (so a lock is released exactly
    when a retry has been seen, not after a guessed delay); ``.retries`` counts them all."""
    handler = _OnRetry(action)
    logger = logging.getLogger("db.engine")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


def failing_once(call: Callable[..., Awaitable[Any]], error: Exception) -> tuple[Callable[..., Awaitable[Any]], list]:
    """``call`` wrapped to raise ``error`` the first time, then to call through; and the list of
    failures still to come (empty once it has failed)."""
    failures = [error]

    async def wrapped(*args: Any, **kwargs: Any) -> Any:
        if failures:
            raise failures.pop()
        return await call(*args, **kwargs)

    return wrapped, failures
