"""The database fixtures: every service test runs once on SQLite and once on PostgreSQL.

PostgreSQL runs only when ``PODIUM_TEST_DATABASE_URL`` points at a server (``.ci/run`` sets it);
otherwise those tests skip and say so. The PostgreSQL database's ``public`` schema is dropped and
rebuilt by the migrations at the start of the run: point it at a database kept for tests.
"""

import asyncio
import os
import shutil
import threading
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import ExitStack
from pathlib import Path

import pytest
import sqlalchemy as sa
from pydantic import SecretStr
from sqlmodel import SQLModel

from bot.discord import clicks
from bot.discord.errors import ANSWER_MARGIN_S, RESPONSE_WINDOW_S
from bot.llm.client import ModelClient
from bot.settings import Settings
from db.engine import Database
from db.migrate import upgrade
from tests.harness.openai_server import MODEL, Script, ScriptedServer

POSTGRESQL_URL = os.environ.get("PODIUM_TEST_DATABASE_URL")
POSTGRESQL_SKIP = (
    "PostgreSQL tests need PODIUM_TEST_DATABASE_URL, e.g. "
    "postgresql+asyncpg://postgres@127.0.0.1:5432/test (.ci/run sets it)"
)


async def _migrate(url: str, *, reset_schema: bool = False) -> None:
    database = Database(url)
    try:
        if reset_schema:
            await database.run_with_connection(_reset_schema)
        await upgrade(database)
    finally:
        await database.dispose()


def _run_aside(coroutine: Coroutine[object, object, None]) -> None:
    """Run a coroutine to completion on a loop of its own (session fixtures are set up from
    inside a test's running loop, where ``asyncio.run`` is not allowed)."""
    thread = threading.Thread(target=asyncio.run, args=(coroutine,))
    thread.start()
    thread.join()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, migrated once and copied for each test."""
    path = tmp_path_factory.mktemp("template") / "podium.db"
    _run_aside(_migrate(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def postgresql_url() -> str:
    if not POSTGRESQL_URL:
        pytest.skip(POSTGRESQL_SKIP)
    _run_aside(_migrate(POSTGRESQL_URL, reset_schema=True))
    return POSTGRESQL_URL


def _reset_schema(connection: sa.Connection) -> None:
    connection.exec_driver_sql("DROP SCHEMA public CASCADE")
    connection.exec_driver_sql("CREATE SCHEMA public")


def _empty_tables(connection: sa.Connection) -> None:
    tables = ", ".join(f'"{table.name}"' for table in SQLModel.metadata.sorted_tables)
    connection.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    # APScheduler's job tables (one per shard) are not the migrations': drop them with their jobs.
    for name in sa.inspect(connection).get_table_names():
        if name.startswith("apscheduler_"):
            connection.exec_driver_sql(f'DROP TABLE "{name}"')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """An empty, migrated database on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "podium.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        database = Database(f"sqlite+aiosqlite:///{path}")
    else:
        database = Database(request.getfixturevalue("postgresql_url"))
        await database.run_with_connection(_empty_tables)
    yield database
    await database.dispose()


SHIPPED_DEFER_AFTER_S = clicks.DEFER_AFTER_S


@pytest.fixture(autouse=True)
def clicks_answered_in_their_response(monkeypatch: pytest.MonkeyPatch) -> None:
    """A vote on the board or in Browse is answered with its redraw (``bot.discord.clicks``): on a
    shared test machine, a vote on an idle database may take longer than the grace the bot ships
    with. The tests of a late vote ask for ``late_clicks``."""
    monkeypatch.setattr(clicks, "DEFER_AFTER_S", RESPONSE_WINDOW_S - ANSWER_MARGIN_S)


@pytest.fixture
def late_clicks(monkeypatch: pytest.MonkeyPatch) -> None:
    """A click is acknowledged first if its work is not done within the grace the bot ships with."""
    monkeypatch.setattr(clicks, "DEFER_AFTER_S", SHIPPED_DEFER_AFTER_S)


def pytest_report_header() -> str:
    return f"PostgreSQL: {POSTGRESQL_URL}" if POSTGRESQL_URL else f"PostgreSQL: skipped ({POSTGRESQL_SKIP})"


@pytest.fixture
async def serve_model() -> AsyncIterator[Callable[..., tuple[ScriptedServer, ModelClient]]]:
    """Start a scripted OpenAI-compatible server on 127.0.0.1 and a ``ModelClient`` pointed at it:
    ``server, model = serve_model(script, llm_timeout_s=0.5, ...)`` (any ``Settings`` override)."""
    with ExitStack() as servers:
        clients: list[ModelClient] = []

        def start(script: Script, **overrides: object) -> tuple[ScriptedServer, ModelClient]:
            server = servers.enter_context(ScriptedServer(script).running())
            settings = {
                "llm_base_url": server.url,
                "llm_api_key": SecretStr("test-key"),
                "llm_model": MODEL,
                "llm_timeout_s": 5.0,
                "llm_max_retries": 2,
            }
            clients.append(ModelClient(Settings(**(settings | overrides))))
            return server, clients[-1]

        yield start
        for client in clients:
            await client.close()
