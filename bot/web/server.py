"""The presenter screen's web server (uvicorn) on the caller's event loop: the bot's, or the CLI's."""

import asyncio
import contextlib
import errno
import logging
import socket
from collections.abc import Iterator

import uvicorn

from bot.settings import Settings
from bot.web.app import create_app
from bot.web.console import Console
from bot.web.feed import ScreenFeed
from db.engine import Database

log = logging.getLogger(__name__)

# The name of the server's task on the loop, for whoever must tell it from work in progress.
SERVER_TASK = "podium-presenter"


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = asyncio.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        self.ready.set()

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # The process belongs to the bot (or the CLI), which handles Ctrl-C and stops the screen itself.
        yield


class PresenterServer:
    """Serves every event's presenter screen from ``db`` at the host and port in ``settings``."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.settings = settings
        self.feed = ScreenFeed(db)
        self._server: _Server | None = None
        self._task: asyncio.Task[None] | None = None
        self._port = settings.presenter_port
        # The moderators' console, served once the bot has the flows' context (``setup_hook``).
        self.console: Console | None = None

    @property
    def serving(self) -> bool:
        return self._task is not None and not self._task.done()

    @property
    def base_url(self) -> str:
        """Where people reach the screens: PRESENTER_PUBLIC_URL, else this server's own address."""
        if self.settings.presenter_public_url:
            return self.settings.presenter_public_url.rstrip("/")
        host = self.settings.presenter_host
        return f"http://{f'[{host}]' if ':' in host else host}:{self._port}"

    def console_link(self, secret: str) -> str:
        """A moderator's one-use sign-in address for the web console."""
        return f"{self.base_url}/console/sign-in/{secret}"

    def link(self, token: str, *, overlay: bool = False) -> str:
        """The private address of a presenter screen (``overlay``: the transparent variant for OBS)."""
        return f"{self.base_url}/present/{token}" + ("?overlay=1" if overlay else "")

    async def start(self) -> bool:
        """Start serving; ``False`` (and a log line saying why) if the address cannot be bound."""
        try:
            sock = socket.create_server((self.settings.presenter_host, self.settings.presenter_port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                # Another bot process on this machine already serves the screens from the same database.
                log.warning("Presenter screen: %s is in use, so this process serves none", self.base_url)
            else:
                log.error("Presenter screen could not start on %s: %s", self.base_url, error)
            return False
        self._port = sock.getsockname()[1]
        config = uvicorn.Config(
            create_app(self.feed, self.console),
            lifespan="off",
            ws="none",
            log_config=None,
            # The token is in every path: an access log would write it down.
            access_log=False,
            server_header=False,
            # Streams end when the feed closes; a client that lingers past this is cut off.
            timeout_graceful_shutdown=2,
        )
        self._server = _Server(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]), name=SERVER_TASK)
        ready = asyncio.create_task(self._server.ready.wait())
        await asyncio.wait({ready, self._task}, return_when=asyncio.FIRST_COMPLETED)
        ready.cancel()
        log.info("Presenter screens at %s/present/…", self.base_url)
        return self.serving

    async def wait(self) -> None:
        """Until the server stops."""
        if self._task is not None:
            await self._task

    async def stop(self) -> None:
        """Close every open stream, then the server."""
        await self.feed.close()
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task
            self._server = self._task = None
