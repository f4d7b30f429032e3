"""How a change reaches an open presenter page: one poller per link, shared by its viewers.

While at least one page follows a link, a task reads the screen through the services and renders
it; when the rendered screen differs from the last one, every follower gets it. It reads again as
soon as a write through this process's ``Database`` commits (``Database.next_write``: a
moderator's button, a vote), at most every ``MIN_READ_GAP_S`` in a burst, and otherwise every
``POLL_INTERVAL_S``, which is how the CLI's and other shard processes' writes arrive. The database
is what is read, so every writer is seen without any of them knowing the screen exists. When the
link's token is rotated or its event archived, the read finds nothing and the followers are told
it is gone.
"""

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from bot.domain.errors import NotFound
from bot.services.surfaces.presenter import presenter_screen
from bot.web.pages import render_screen, version_of
from db.engine import Database

log = logging.getLogger(__name__)

POLL_INTERVAL_S = 0.25
# In a burst of writes, one read per link this often at most: a vote a millisecond need not cost
# a screen read a millisecond.
MIN_READ_GAP_S = 0.02
# A comment line this often keeps proxies and the browser from dropping a quiet stream.
KEEPALIVE_S = 15.0


STREAMS_PER_LINK = 20


class TooManyFollowers(Exception):
    """As many pages as a link may feed follow it already."""


@dataclass(frozen=True, slots=True)
class Update:
    """A new screen to show (``fragment``, fingerprinted by ``version``), or ``None`` once the link is gone."""

    fragment: str | None
    version: str = ""

    @property
    def gone(self) -> bool:
        return self.fragment is None


GONE = Update(fragment=None)
# Ends a follower's stream without telling the page the link is gone: the server is stopping, and
# the page reconnects when it is back.
_CLOSED = Update(fragment=None, version="closed")


@dataclass
class _Watch:
    """One link's poller and its followers' inboxes (each holds only the newest update)."""

    inboxes: set[asyncio.Queue[Update]] = field(default_factory=set)
    latest: Update | None = None
    task: asyncio.Task[None] | None = None

    def publish(self, update: Update) -> None:
        self.latest = update
        for inbox in self.inboxes:
            _replace(inbox, update)


class ScreenFeed:
    """The presenter links being watched in this process, each polled once for all its followers."""

    def __init__(
        self, db: Database, *, interval_s: float = POLL_INTERVAL_S, streams_per_link: int = STREAMS_PER_LINK
    ) -> None:
        self.db = db
        self.interval_s = interval_s
        self.streams_per_link = streams_per_link
        self._watches: dict[str, _Watch] = {}

    async def follow(self, token: str, *, keepalive_s: float = KEEPALIVE_S) -> AsyncIterator[Update | None]:
        """The screen behind ``token`` each time it changes, starting with how it is now.

        Yields ``None`` after ``keepalive_s`` without news; ends after yielding ``GONE`` (the link
        was rotated, or its event archived), or without a word when the feed closes (the server
        is stopping). Raises ``TooManyFollowers``, before following, when ``streams_per_link``
        pages already follow the link: each holds a connection for as long as it is open.
        """
        watch = self._watches.get(token)
        if watch is not None and len(watch.inboxes) >= self.streams_per_link:
            raise TooManyFollowers(token)
        watch = watch or self._start(token)
        inbox: asyncio.Queue[Update] = asyncio.Queue(maxsize=1)
        if watch.latest is not None:
            inbox.put_nowait(watch.latest)
        watch.inboxes.add(inbox)
        try:
            while True:
                try:
                    async with asyncio.timeout(keepalive_s):
                        update = await inbox.get()
                except TimeoutError:
                    yield None
                    continue
                if update is _CLOSED:
                    return
                yield update
                if update.gone:
                    return
        finally:
            watch.inboxes.discard(inbox)
            if not watch.inboxes and self._watches.get(token) is watch:
                self._stop(token)

    async def close(self) -> None:
        """End every follower's stream and stop polling."""
        for token, watch in list(self._watches.items()):
            watch.publish(_CLOSED)
            self._stop(token)
        await asyncio.sleep(0)

    def _start(self, token: str) -> _Watch:
        watch = self._watches[token] = _Watch()
        watch.task = asyncio.create_task(self._poll(token, watch), name="podium-presenter-poll")
        return watch

    def _stop(self, token: str) -> None:
        watch = self._watches.pop(token)
        if watch.task is not None:
            watch.task.cancel()

    async def _poll(self, token: str, watch: _Watch) -> None:
        shown, failing = None, False
        while True:
            seen = self.db.writes
            try:
                screen = await presenter_screen(self.db, token)
            except NotFound:
                watch.publish(GONE)
                return
            except Exception:
                # The database may be restarting: keep the last screen up and try again.
                if not failing:
                    log.warning("A presenter screen could not be read; retrying", exc_info=True)
                failing = True
            else:
                failing = False
                fragment = render_screen(screen)
                if fragment != shown:
                    shown = fragment
                    watch.publish(Update(fragment, version_of(fragment)))
            await asyncio.sleep(MIN_READ_GAP_S)
            await self.db.next_write(seen, self.interval_s - MIN_READ_GAP_S)


def _replace(inbox: asyncio.Queue[Update], update: Update) -> None:
    # A follower that is behind only needs the newest screen, not every one in between.
    if inbox.full():
        inbox.get_nowait()
    inbox.put_nowait(update)
