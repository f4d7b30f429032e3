"""A local stand-in for Discord's gateway: the websocket on which a bot receives its events.

It speaks the gateway protocol as Discord documents it (version 10, JSON, with the optional
zlib-stream transport compression), so discord.py's own connection code runs unchanged:

- on connect, HELLO (op 10) with the heartbeat interval;
- IDENTIFY (op 2) with the right token is answered by READY (op 0) and a GUILD_CREATE for each
  server of the shard it names; a wrong token closes with 4004, as Discord does;
- HEARTBEAT (op 1) is answered by HEARTBEAT_ACK (op 11);
- RESUME (op 6) is answered by INVALID_SESSION (op 9, not resumable): the fake keeps no sessions,
  so a bot that reconnects identifies again;
- then whatever the test dispatches (INTERACTION_CREATE, say), numbered with an increasing ``s``.

discord.py asks for ``compress=zlib-stream`` (or ``zstd-stream`` when a zstd module is installed):
the first is spoken, one sync-flushed deflate message per binary frame; the second is answered
with plain text frames, which discord.py reads as well.

It is served by ``FakeDiscord`` on its port and loop (``FakeDiscord(gateway=FakeGateway(...))``),
whose ``GET /gateway/bot`` names it. Tests call ``dispatch`` and the ``wait_*`` methods from their
own thread.
"""

import asyncio
import itertools
import json
import threading
import zlib
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.harness.fake_discord import APPLICATION_ID, BOT_USER

DISPATCH, HEARTBEAT, IDENTIFY, RESUME, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 0, 1, 2, 6, 9, 10, 11
AUTHENTICATION_FAILED, INVALID_API_VERSION = 4004, 4012
HEARTBEAT_INTERVAL_MS = 41_250  # what Discord sends
PATH = "/gateway"

_session_ids = itertools.count(1)


@dataclass
class GatewaySession:
    """One websocket connection, from HELLO to close."""

    socket: web.WebSocketResponse
    compress: bool
    session_id: str = field(default_factory=lambda: f"fake-session-{next(_session_ids)}")
    identify: dict[str, Any] | None = None
    received: list[dict[str, Any]] = field(default_factory=list)  # every payload the bot sent
    sequence: int = 0
    closed: bool = False

    def __post_init__(self) -> None:
        self._compressor = zlib.compressobj() if self.compress else None
        self._sending = asyncio.Lock()

    async def send(self, payload: dict[str, Any]) -> None:
        async with self._sending:  # one frame at a time, in order: the zlib stream is shared
            if payload["op"] == DISPATCH:
                self.sequence += 1
                payload = {**payload, "s": self.sequence}
            text = json.dumps(payload)
            if self._compressor is None:
                await self.socket.send_str(text)
            else:
                # One message per frame, each ending in a sync flush (00 00 ff ff), as Discord sends them.
                data = self._compressor.compress(text.encode()) + self._compressor.flush(zlib.Z_SYNC_FLUSH)
                await self.socket.send_bytes(data)


class FakeGateway:
    """Discord's gateway for one bot user, serving the given GUILD_CREATE payloads."""

    def __init__(self, guilds: list[dict[str, Any]], *, token: str) -> None:
        self.guilds, self.token = guilds, token
        self.sessions: list[GatewaySession] = []
        self.url = ""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()

    def install(self, app: web.Application) -> None:
        """Serve the gateway at ``PATH`` of an app that ``FakeDiscord`` runs."""
        app.router.add_get(PATH, self._connect)
        app.on_shutdown.append(self._going_away)

    def started(self, port: int) -> None:
        self._loop = asyncio.get_running_loop()
        self.url = f"ws://127.0.0.1:{port}{PATH}"

    def gateway_bot(self) -> dict[str, Any]:
        """The answer to ``GET /gateway/bot``, as Discord shapes it."""
        limit = {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}
        return {"url": self.url, "shards": 1, "session_start_limit": limit}

    # --- what tests call, from any thread -----------------------------------------------------

    def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send an event to the bot on its latest identified connection; events go in call order."""
        session = self._latest()
        assert session is not None, "no bot is connected to the gateway"
        assert self._loop is not None
        asyncio.run_coroutine_threadsafe(self._send(session, {"op": DISPATCH, "t": event, "d": data}), self._loop)

    def identified(self) -> list[dict[str, Any]]:
        """The IDENTIFY payloads received, one per session, oldest first."""
        with self._lock:
            return [s.identify for s in self.sessions if s.identify is not None]

    def _latest(self) -> GatewaySession | None:
        with self._lock:
            live = [s for s in self.sessions if s.identify is not None and not s.closed]
            return live[-1] if live else None

    def _note(self, change: Any) -> None:
        with self._lock:
            change()

    # --- the protocol -------------------------------------------------------------------------

    async def _connect(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(max_msg_size=0)
        await socket.prepare(request)
        session = GatewaySession(socket, compress=request.query.get("compress") == "zlib-stream")
        self._note(lambda: self.sessions.append(session))
        try:
            if request.query.get("v") != "10" or request.query.get("encoding", "json") != "json":
                await socket.close(code=INVALID_API_VERSION, message=b"Invalid API version")
                return socket
            await session.send({"op": HELLO, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}})
            async for message in socket:
                if message.type is WSMsgType.TEXT:
                    await self._receive(session, json.loads(message.data))
        finally:
            self._note(lambda: setattr(session, "closed", True))
        return socket

    async def _receive(self, session: GatewaySession, payload: dict[str, Any]) -> None:
        session.received.append(payload)
        op = payload.get("op")
        if op == HEARTBEAT:
            await session.send({"op": HEARTBEAT_ACK})
        elif op == IDENTIFY:
            await self._identify(session, payload["d"])
        elif op == RESUME:
            await session.send({"op": INVALID_SESSION, "d": False})

    async def _identify(self, session: GatewaySession, identify: dict[str, Any]) -> None:
        if identify.get("token") != self.token:
            await session.socket.close(code=AUTHENTICATION_FAILED, message=b"Authentication failed.")
            return
        shard_id, shard_count = identify.get("shard") or (0, 1)
        # A sharded bot gets on each shard only the servers Discord's formula puts there.
        guilds = [g for g in self.guilds if (int(g["id"]) >> 22) % shard_count == shard_id]
        ready = {
            "v": 10,
            "user": BOT_USER,
            "guilds": [{"id": g["id"], "unavailable": True} for g in guilds],
            "session_id": session.session_id,
            "resume_gateway_url": self.url,
            "shard": [shard_id, shard_count],
            "application": {"id": str(APPLICATION_ID), "flags": 0},
        }
        await session.send({"op": DISPATCH, "t": "READY", "d": ready})
        for guild in guilds:
            await session.send({"op": DISPATCH, "t": "GUILD_CREATE", "d": guild})
        self._note(lambda: setattr(session, "identify", identify))

    async def _going_away(self, app: web.Application) -> None:
        # Connections left open (a test that failed before stopping its bot) would hold up the
        # server's shutdown.
        for session in list(self.sessions):
            await session.socket.close(code=1001, message=b"going away")

    async def _send(self, session: GatewaySession, payload: dict[str, Any]) -> None:
        if not session.closed:
            await session.send(payload)
