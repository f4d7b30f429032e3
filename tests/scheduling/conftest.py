"""The event's clock under test: real APScheduler and job stores on the test database, time scaled
from minutes to fractions of a second, and a publisher that records what would go to Discord."""

import asyncio
import inspect
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from bot.domain.clock import utcnow
from bot.flows.port import Posted
from bot.render import discord as render_discord
from bot.scheduling.clock import EventClock
from bot.scheduling.plan import Timing
from bot.services.drafts.drafting import ApprovedRecap
from bot.services.qa.events import create_event, schedule_event
from bot.services.qa.guilds import update_guild_settings
from db.engine import Database
from db.models import Draft, Event
from tests.factories import GUILD_ID, host

QA_CHANNEL_ID = 222_222_222_222_222_222
MODERATORS_CHANNEL_ID = 333_333_333_333_333_333
RECAP_CHANNEL_ID = 444_444_444_444_444_444

# Every step a few tenths of a second apart: long enough for a digest to be drafted in between
# on a busy machine, short enough that a whole event runs in about three seconds.
FAST = Timing(
    reminder_before=timedelta(seconds=0.4),
    digest_every=timedelta(seconds=0.8),
    recap_after=timedelta(seconds=0.4),
    recap_post_after=timedelta(seconds=0.4),
    misfire_grace=timedelta(seconds=1),
)


@dataclass
class Sent:
    what: str  # "reminder" or "message"
    channel_id: int
    text: str
    at: float = field(default_factory=time.monotonic)


class RecordingPublisher:
    """Records what the clock posts; ``hold`` makes every send wait until it is set."""

    def __init__(self) -> None:
        self.sent: list[Sent] = []
        self.hold: asyncio.Event | None = None

    async def remind(self, channel_id: int, event: Event) -> bool:
        self.sent.append(Sent("reminder", channel_id, f"#{event.id} {event.title}"))
        return True

    async def open_panel(self, channel_id: int, event: Event) -> bool:
        self.sent.append(Sent("board", channel_id, f"#{event.id} {event.title}"))
        return True

    def event_changed(self, event_id: int) -> None:
        self.sent.append(Sent("event changed", 0, f"#{event_id}"))

    async def deliver(self, channel_id: int, heading: str, draft: Draft) -> bool:
        return await self._record(channel_id, [f"{heading}\n\n{draft.text}"])

    async def post_recap(self, channel_id: int, recap: ApprovedRecap, chart: bytes, *, posted: Posted) -> bool:
        assert chart.startswith(b"\x89PNG"), "an approved recap is posted with the event's timeline chart"
        messages = render_discord.messages(recap.document)
        sent = await self._record(channel_id, messages[recap.posted :])
        await posted(len(messages), True)
        return sent

    async def _record(self, channel_id: int, messages: Sequence[str]) -> bool:
        if self.hold is not None:
            await self.hold.wait()
        self.sent.extend(Sent("message", channel_id, message) for message in messages)
        return True

    def reminders(self) -> list[Sent]:
        return [s for s in self.sent if s.what == "reminder"]

    def messages(self, channel_id: int, starting: str = "") -> list[Sent]:
        return [s for s in self.sent if s.channel_id == channel_id and s.text.startswith(starting)]


@pytest.fixture
def publisher() -> RecordingPublisher:
    return RecordingPublisher()


@asynccontextmanager
async def running_clock(
    db: Database, publisher: RecordingPublisher | None, **options: object
) -> AsyncIterator[EventClock]:
    """A started clock (``FAST`` unless ``timing`` is given), shut down on the way out."""
    options.setdefault("timing", FAST)
    clock = EventClock(db, publisher=publisher, **options)  # type: ignore[arg-type]
    await clock.start()
    try:
        yield clock
    finally:
        await clock.shutdown(wait_s=5)


async def set_up_guild(db: Database, guild_id: int = GUILD_ID) -> None:
    await update_guild_settings(
        db, guild_id, host(), moderators_channel_id=MODERATORS_CHANNEL_ID, recap_channel_id=RECAP_CHANNEL_ID
    )


async def scheduled_event(
    db: Database, *, starts_in: float, lasts: float, guild_id: int = GUILD_ID, title: str = "Housing report"
) -> Event:
    """A draft event scheduled to start ``starts_in`` seconds from now and last ``lasts`` seconds."""
    event = await create_event(db, guild_id, host(guild_id), title=title, channel_id=QA_CHANNEL_ID)
    starts = utcnow() + timedelta(seconds=starts_in)
    return await schedule_event(
        db, event.id, host(guild_id), starts_at=starts, ends_at=starts + timedelta(seconds=lasts)
    )


async def until(condition: Callable[[], object], *, within_s: float = 10.0) -> None:
    """Wait (polling) until ``condition()`` (or, for a coroutine function, its result) is true."""
    deadline = time.monotonic() + within_s
    while not (await result if inspect.isawaitable(result := condition()) else result):
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.02)
