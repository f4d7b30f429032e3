"""The presenter screen's web server (uvicorn) on the caller's event loop: the bot's, or the CLI's."""

import asyncio
import contextlib
import errno
import logging
import socket
from collections.abc import Iterator

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

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


def guarded_protocol(*, header_timeout_s: float, max_connections: int) -> type[H11Protocol]:
    """uvicorn's HTTP/1.1 protocol with the two guards it lacks.

    A request's head must be complete within ``header_timeout_s`` of the connection opening (or
    of the previous response ending): uvicorn times out only idle keep-alive connections, so a
    client sending a header byte now and then held its connection, and its file descriptor,
    for ever. And a connection past ``max_connections`` is closed as soon as it is accepted,
    so that no number of clients can take the process's descriptors from its database.
    """

    class GuardedH11Protocol(H11Protocol):
        _head_due: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            if len(self.connections) > max_connections:
                transport.close()
                return
            self._expect_head()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._expect_head()

        def connection_lost(self, exc: Exception | None) -> None:
            if self._head_due is not None:
                self._head_due.cancel()
            super().connection_lost(exc)

        def _expect_head(self) -> None:
            if self._head_due is not None:
                self._head_due.cancel()
            self._head_due = self.loop.call_later(header_timeout_s, self._head_late)

        def _head_late(self) -> None:
            # IDLE: the client has not finished sending a request's head since the timer started.
            if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
                self.transport.close()

    return GuardedH11Protocol


class PresenterServer:
    """Serves every event's presenter screen from ``db`` at the host and port in ``settings``."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.settings = settings
        self.feed = ScreenFeed(db, streams_per_link=settings.presenter_streams_per_link)
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
            http=guarded_protocol(
                header_timeout_s=self.settings.presenter_header_timeout_s,
                max_connections=self.settings.presenter_max_connections,
            ),
            # Requests beyond the connections allowed get 503, not a slot.
            limit_concurrency=self.settings.presenter_max_connections,
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
