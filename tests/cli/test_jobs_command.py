"""``podium jobs EVENT``: the jobs an event's clock will run, read from the shell."""

import asyncio
from datetime import UTC, datetime, timedelta

from bot.scheduling.clock import EventClock
from bot.scheduling.plan import Timing
from bot.services.qa.events import create_event, schedule_event
from db.engine import Database
from db.migrate import upgrade
from tests.cli.test_report_command import podium
from tests.factories import GUILD_ID, host

STARTS = datetime(2030, 6, 1, 18, 30, tzinfo=UTC)


async def _planned_event(url: str) -> int:
    database = Database(url)
    await upgrade(database)
    event = await create_event(database, GUILD_ID, host(), title="Town hall")
    event = await schedule_event(database, event.id, host(), starts_at=STARTS, ends_at=STARTS + timedelta(hours=1))
    clock = EventClock(database, Timing())
    await clock.start()
    await clock.follow(event)
    await clock.shutdown()
    await database.dispose()
    return event.id


def test_jobs_lists_the_events_clock(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'podium.db'}"
    event_id = asyncio.run(_planned_event(url))
    result = podium("jobs", str(event_id), url=url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"Event #{event_id}: Town hall (scheduled)",
        "  reminder    2030-06-01T18:15:00+00:00",
        "  open        2030-06-01T18:30:00+00:00",
        "  digest      2030-06-01T18:45:00+00:00, then every 15 min",
        "  close       2030-06-01T19:30:00+00:00",
        "  recap       2030-06-01T19:40:00+00:00",
    ]
    result = podium("jobs", "99", url=url)
    assert (result.returncode, result.stderr.strip()) == (1, "There is no event #99 in this server.")
