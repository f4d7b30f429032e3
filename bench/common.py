"""What the benchmarks share: a fresh database, an open event, and figure-keeping."""

import statistics
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from bot.domain.actors import Actor
from bot.services.qa.events import create_event, open_event
from db.engine import Database
from db.migrate import upgrade

GUILD_ID = 4242
HOST = Actor(user_id=1, display_name="Bench host", manages_guild=True, guild_id=GUILD_ID)


def member(user_id: int, name: str) -> Actor:
    """An audience member of the benchmarks' server (the server every bench event is in)."""
    return Actor(user_id=user_id, display_name=name, guild_id=GUILD_ID)


def scratch_sqlite_url(name: str) -> tuple[str, Path]:
    """A SQLite file in a fresh temporary directory on the project's disk."""
    folder = Path(tempfile.mkdtemp(prefix="podium-bench-", dir=Path.cwd()))
    return f"sqlite+aiosqlite:///{folder / name}", folder


def _reset_schema(connection: sa.Connection) -> None:
    connection.exec_driver_sql("DROP SCHEMA public CASCADE")
    connection.exec_driver_sql("CREATE SCHEMA public")


async def fresh_database(url: str, *, scratch: bool = False) -> Database:
    database = Database(url, scratch=scratch)
    if not database.is_sqlite:
        await database.run_with_connection(_reset_schema)
    await upgrade(database)
    return database


async def open_bench_event(database: Database, **settings: object) -> int:
    event = await create_event(database, GUILD_ID, HOST, title="Benchmark event")
    if settings:
        from bot.services.qa.events import update_event

        await update_event(database, event.id, HOST, **settings)
    return (await open_event(database, event.id, HOST)).id


def cpu_stolen() -> Callable[[], float | None]:
    """Start counting the machine's CPU time that its host gave to other machines (a virtual
    machine's "steal", /proc/stat on Linux); the function returned gives its share of all CPU
    time since, in percent, or None where the system does not say. Latency figures from a run
    with much stolen are slower than the same code on a machine of its own."""

    def read() -> tuple[int, int] | None:
        try:
            fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        except (OSError, ValueError):
            return None
        return (fields[7], sum(fields[:8])) if len(fields) >= 8 else None

    start = read()

    def share() -> float | None:
        end = read()
        if start is None or end is None or end[1] == start[1]:
            return None
        return round(100 * (end[0] - start[0]) / (end[1] - start[1]), 1)

    return share


@dataclass
class Timings:
    samples_ms: list[float]

    def summary(self) -> dict[str, float]:
        ordered = sorted(self.samples_ms)
        return {
            "median_ms": round(statistics.median(ordered), 3),
            "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1], 3),
            "runs": len(ordered),
        }
