"""A local stand-in for Discord's REST API, on 127.0.0.1, in a thread of its own.

It answers the routes Podium uses with payloads shaped as in Discord's API documentation, keeps
the messages it was sent (so a test can click a button on a card the bot posted), and records
every request.
"""

import asyncio
import itertools
import json
import multiprocessing
import threading
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from tests.harness.fake_gateway import FakeGateway

APPLICATION_ID = 700_000_000_000_000_001
BOT_USER_ID = 700_000_000_000_000_002
_snowflakes = itertools.count(900_000_000_000_000_000)


def snowflake() -> int:
    return next(_snowflakes)


BOT_USER = {
    "id": str(BOT_USER_ID),
    "username": "Podium",
    "discriminator": "0",
    "global_name": "Podium",
    "avatar": None,
    "bot": True,
}


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    json: Any
    at: float

    @property
    def route(self) -> str:
        return f"{self.method} {self.path}"


@dataclass
class FakeDiscord:
    """Records what the bot sent; holds the messages it posted by id."""

    requests: list[Request] = field(default_factory=list)
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    # Files members attached, served as Discord's CDN serves them.
    attachments: dict[str, bytes] = field(default_factory=dict)
    port: int = 0
    # Discord's gateway too, for a bot that connects as a real one does (tests/harness/fake_gateway.py).
    gateway: "FakeGateway | None" = None

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._nonces: dict[str, int] = {}  # message nonce -> the message it created
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    # --- life -------------------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._serve, name="fake-discord", daemon=True)
        self._thread.start()
        self._ready.wait(10)

    def stop(self) -> None:
        if self._loop is not None:
            asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    def _serve(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._loop.run_until_complete(self._startup())
        self._ready.set()
        self._loop.run_forever()
        self._loop.close()

    async def _startup(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/v10/{tail:.*}", self._handle)
        app.router.add_get("/attachments/{name}", self._attachment)
        app.router.add_get("/_harness/requests", self._recorded_requests)
        app.router.add_get("/_harness/messages", self._recorded_messages)
        if self.gateway is not None:
            self.gateway.install(app)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        if self.gateway is not None:
            self.gateway.started(self.port)

    async def _shutdown(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def attach(self, filename: str, data: bytes) -> str:
        """Put a file on the fake CDN; returns its URL."""
        self.attachments[filename] = data
        return f"http://127.0.0.1:{self.port}/attachments/{filename}"

    async def _attachment(self, request: web.Request) -> web.Response:
        data = self.attachments.get(request.match_info["name"])
        return web.Response(body=data) if data is not None else web.Response(status=404)

    async def _recorded_requests(self, request: web.Request) -> web.Response:
        since = int(request.query.get("since", 0))
        return _json([vars(r) for r in self.since(since)])

    async def _recorded_messages(self, request: web.Request) -> web.Response:
        with self._lock:
            return _json(self.messages)

    # --- what tests read ------------------------------------------------------------------

    def since(self, mark: int) -> list[Request]:
        with self._lock:
            return self.requests[mark:]

    def mark(self) -> int:
        with self._lock:
            return len(self.requests)

    # --- routes ---------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        body = await _read_body(request)
        path = "/" + request.match_info["tail"]
        with self._lock:
            self.requests.append(
                Request(request.method, path, dict(request.query), body, asyncio.get_running_loop().time())
            )
        parts = path.strip("/").split("/")
        method = request.method
        if path == "/users/@me":
            return _json(BOT_USER)
        if path == "/oauth2/applications/@me":
            return _json(_application())
        if path == "/gateway/bot" and self.gateway is not None:
            return _json(self.gateway.gateway_bot())
        if parts[0] == "interactions" and parts[-1] == "callback":
            return self._interaction_callback(parts[1], body)
        if parts[0] == "webhooks" and method == "POST":
            return _json(self._store_message(None, body, flags=(body or {}).get("flags", 0)))
        if parts[0] == "webhooks" and method == "PATCH":
            return _json(self._store_message(None, body))
        if parts[0] == "channels" and parts[2:3] == ["messages"] and method == "POST":
            return _json(self._post_once(int(parts[1]), body))
        if parts[0] == "channels" and parts[2:3] == ["messages"] and method == "PATCH":
            return _json(self._edit_message(int(parts[1]), int(parts[3]), body))
        if parts[0] == "channels" and "pins" in parts and method == "PUT":
            return web.Response(status=204)
        if parts[0] == "applications" and parts[-1] == "commands" and method == "PUT":
            return _json([{**c, "id": str(snowflake()), "application_id": str(APPLICATION_ID)} for c in body])
        return _json({"message": "404: Not Found", "code": 0}, status=404)

    def _interaction_callback(self, interaction_id: str, body: dict[str, Any]) -> web.Response:
        kind = body["type"]
        data = body.get("data") or {}
        result: dict[str, Any] = {"interaction": {"id": interaction_id, "type": 2}}
        if kind in (4, 5, 7):
            message = self._store_message(None, data, flags=data.get("flags", 0))
            result["interaction"]["response_message_id"] = message["id"]
            result["interaction"]["response_message_loading"] = kind == 5
            result["resource"] = {"type": kind, "message": message}
        return _json(result)

    def _store_message(self, channel_id: int | None, body: dict[str, Any] | None, *, flags: int = 0) -> dict[str, Any]:
        body = body or {}
        message = {
            **_blank_message(channel_id or 0),
            "content": body.get("content") or "",
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "flags": flags,
        }
        with self._lock:
            self.messages[int(message["id"])] = message
        return message

    def _post_once(self, channel_id: int, body: dict[str, Any]) -> dict[str, Any]:
        """Create Message with ``enforce_nonce``: a nonce seen before returns that message (Discord
        checks for a few minutes; the fake, for its whole life)."""
        nonce = body.get("nonce") if body.get("enforce_nonce") else None
        with self._lock:
            earlier = self.messages.get(self._nonces.get(nonce, 0)) if nonce else None
        if earlier is not None:
            return earlier
        message = self._store_message(channel_id, body)
        if nonce:
            with self._lock:
                self._nonces[nonce] = int(message["id"])
        return message

    def _edit_message(self, channel_id: int, message_id: int, body: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            message = self.messages.setdefault(message_id, {**_blank_message(channel_id), "id": str(message_id)})
            message.update({k: v for k, v in body.items() if k in ("content", "embeds", "components")})
            message["edited_timestamp"] = datetime.now(UTC).isoformat()
            return dict(message)


def _blank_message(channel_id: int) -> dict[str, Any]:
    """A message by the bot, as Discord returns it, before its content is filled in."""
    return {
        "id": str(snowflake()),
        "channel_id": str(channel_id),
        "author": BOT_USER,
        "content": "",
        "embeds": [],
        "components": [],
        "timestamp": datetime.now(UTC).isoformat(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "pinned": False,
        "type": 0,
        "flags": 0,
    }


def _json(data: Any, status: int = 200) -> web.Response:
    # Exactly "application/json", as Discord sends it: discord.py compares the header verbatim.
    return web.Response(body=json.dumps(data).encode(), status=status, content_type="application/json")


def _application() -> dict[str, Any]:
    return {
        "id": str(APPLICATION_ID),
        "name": "Podium",
        "description": "Audience Q&A",
        "icon": None,
        "bot_public": True,
        "bot_require_code_grant": False,
        "owner": BOT_USER,
        "verify_key": "0" * 64,
        "flags": 0,
    }


async def _read_body(request: web.Request) -> Any:
    if not request.can_read_body:
        return None
    if request.content_type == "multipart/form-data":
        # A message with files: the JSON part, plus the names of the files sent beside it (under
        # "uploaded", which is the harness's note, not a Discord field).
        payload: dict[str, Any] = {}
        uploaded: list[str] = []
        async for part in await request.multipart():
            if part.name == "payload_json":
                payload = json.loads(await part.text())
            elif part.filename:
                uploaded.append(part.filename)
                await part.read()
        return payload | {"uploaded": uploaded} if uploaded else payload
    text = await request.text()
    return json.loads(text) if text else None


class RemoteFakeDiscord:
    """The same fake Discord in a process of its own, as the real one would be: for benchmarks,
    where serving Discord's side must not take the bot's CPU. Read through its ``/_harness`` routes."""

    def __init__(self) -> None:
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    def start(self) -> None:
        context = multiprocessing.get_context("spawn")
        ports = context.Queue()
        self._process = context.Process(target=_serve_until_killed, args=(ports,), daemon=True)
        self._process.start()
        self.port = ports.get(timeout=30)

    def stop(self) -> None:
        self._process.terminate()
        self._process.join(10)

    def mark(self) -> int:
        return len(self._get("requests"))

    def since(self, mark: int) -> list[Request]:
        return [Request(**r) for r in self._get(f"requests?since={mark}")]

    @property
    def messages(self) -> dict[int, dict[str, Any]]:
        return {int(k): v for k, v in self._get("messages").items()}

    def _get(self, what: str) -> Any:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/_harness/{what}", timeout=60) as response:
            return json.loads(response.read())


def _serve_until_killed(ports: Any) -> None:
    fake = FakeDiscord()
    fake.start()
    ports.put(fake.port)
    threading.Event().wait()
