"""A local stand-in for Discord's REST API, on 127.0.0.1, in a thread of its own.

It answers the routes Podium uses with payloads shaped as in Discord's API documentation, keeps
the messages it was sent (so a test can click a button on a card the bot posted), and records
every request with the status it was answered with.

Rate limits (``FakeDiscord(rate_limits=RateLimits())``; off unless asked for, so ordinary tests
see no headers and no waits) follow Discord's "Rate Limits" page:

- **Per-route buckets**, keyed as Discord keys them: the method and the route's template, per
  top-level resource (``channel_id``, ``guild_id``, ``webhook_id`` + ``webhook_token``; an
  interaction's callback is keyed by its id and token, which is also how discord.py keys it).
  Every response on such a route carries ``X-RateLimit-Limit``, ``-Remaining``, ``-Reset``,
  ``-Reset-After`` and ``-Bucket``; a request beyond its bucket gets a 429 with ``-Scope: user``,
  ``Retry-After`` and the body ``{"message", "retry_after", "global": false}``.
- **Numbers**: 5 requests per 1 s window for every bucket, the values of the documentation's own
  header example (``X-RateLimit-Limit: 5``, ``X-RateLimit-Reset-After: 1``). Discord does not
  publish per-route figures and asks bots to read the headers instead, so the fake uses the one
  example it gives, on the routes that matter here: the channel's messages (card posts and card
  edits, each its own bucket: Discord gives POST and PATCH separate limits), and, never reached
  by one interaction's two or three requests, callbacks and follow-ups. A bucket's window starts
  at its first request and lasts 1 s; the headers say when it ends.
- **The global limit**: 50 requests per second per bot, answered with ``X-RateLimit-Global``
  and ``-Scope: global`` when passed. Interaction callbacks and interaction webhooks (follow-ups
  and edits under the application's id and an interaction token) are exempt, as documented.

The fake counts what arrived beyond a limit (``Request.status == 429``); the target is none,
because discord.py reads the headers and waits before a bucket runs out. Every response has
``Via``, as Discord's do: discord.py takes a 429 without it for a Cloudflare ban.
"""

import asyncio
import gc
import hashlib
import itertools
import json
import math
import multiprocessing
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tests.harness.commands import command_errors, refusal
from tests.harness.limits import IS_COMPONENTS_V2, layout_problems, numbered

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
    status: int = 200

    @property
    def route(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class RateLimits:
    """Discord's limits as the fake enforces them (see the module's docstring for the numbers)."""

    bucket_limit: int = 5
    bucket_window_s: float = 1.0
    global_per_s: int = 50


@dataclass
class _Window:
    """One bucket's current window: how many requests it took, and when it ends (monotonic)."""

    limit: int
    length_s: float
    ends_at: float = 0.0
    used: int = 0

    def take(self, now: float) -> bool:
        if now >= self.ends_at:
            self.ends_at, self.used = now + self.length_s, 0
        if self.used >= self.limit:
            return False
        self.used += 1
        return True

    def headers(self, now: float, bucket: str) -> dict[str, str]:
        # Rounded up to the millisecond, so a client that waits exactly this long is never early.
        after = math.ceil(max(0.0, self.ends_at - now) * 1000) / 1000
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.limit - self.used),
            "X-RateLimit-Reset": f"{time.time() + after:.3f}",
            "X-RateLimit-Reset-After": f"{after:.3f}",
            "X-RateLimit-Bucket": bucket,
        }


class _Limiter:
    """Per-route buckets and the global limit, decided for each request as Discord would."""

    def __init__(self, limits: RateLimits) -> None:
        self.limits = limits
        self._buckets: dict[tuple[str, str], _Window] = {}
        self._global = _Window(limits.global_per_s, 1.0)

    def check(self, method: str, parts: list[str]) -> tuple[int, dict[str, str], dict[str, Any] | None]:
        """The status (200 to go ahead, or 429), the headers to send, and a 429's body."""
        now = time.monotonic()
        template, resource = _route_template(parts)
        if not _exempt_from_global(parts) and not self._global.take(now):
            retry = max(0.001, self._global.ends_at - now)
            headers = {
                "Retry-After": str(math.ceil(retry)),
                "X-RateLimit-Global": "true",
                "X-RateLimit-Scope": "global",
            }
            return 429, headers, {"message": "You are being rate limited.", "retry_after": retry, "global": True}
        bucket = hashlib.sha1(f"{method} {template}".encode()).hexdigest()[:16]
        window = self._buckets.setdefault(
            (bucket, resource), _Window(self.limits.bucket_limit, self.limits.bucket_window_s)
        )
        if window.take(now):
            return 200, window.headers(now, bucket), None
        headers = window.headers(now, bucket)
        retry = float(headers["X-RateLimit-Reset-After"])
        headers |= {"Retry-After": str(math.ceil(retry)), "X-RateLimit-Scope": "user"}
        return 429, headers, {"message": "You are being rate limited.", "retry_after": retry, "global": False}


def _route_template(parts: list[str]) -> tuple[str, str]:
    """The route as Discord's documentation writes it, and the top-level resource it acts on."""
    top = {"channels": "{channel_id}", "guilds": "{guild_id}"}
    if parts[0] in top and len(parts) > 1:
        template, resource = [parts[0], top[parts[0]]], parts[1]
        rest = parts[2:]
    elif parts[0] in ("webhooks", "interactions") and len(parts) > 2:
        template, resource = [parts[0], "{webhook_id}", "{webhook_token}"], f"{parts[1]}/{parts[2]}"
        rest = parts[3:]
    else:
        template, resource, rest = [], "", parts
    template += ["{id}" if p.isdigit() or p == "@original" else p for p in rest]
    return "/" + "/".join(template), resource


def _exempt_from_global(parts: list[str]) -> bool:
    """Interaction endpoints: callbacks, and webhooks under the application's id (follow-ups)."""
    return parts[0] == "interactions" or (parts[0] == "webhooks" and parts[1:2] == [str(APPLICATION_ID)])


@dataclass
class FakeDiscord:
    """Records what the bot sent; holds the messages it posted by id."""

    requests: list[Request] = field(default_factory=list)
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    # Files members attached, served as Discord's CDN serves them.
    attachments: dict[str, bytes] = field(default_factory=dict)
    # The server's members as GET /guilds/{guild}/members/{user} answers (user id -> member object).
    members: dict[int, dict[str, Any]] = field(default_factory=dict)
    port: int = 0
    # Discord's gateway too, for a bot that connects as a real one does (tests/harness/fake_gateway.py).
    gateway: "FakeGateway | None" = None
    rate_limits: RateLimits | None = None
    # Channels where the bot may post only so many more messages before Discord answers 403
    # Missing Permissions (a role changed, a channel locked): ``forbid(channel_id, after=n)``.
    posts_allowed: dict[int, int] = field(default_factory=dict)

    # Interactions (by token) whose follow-ups are never answered, nor recorded: a bot is then
    # certainly in the middle of answering them (``holding``, once one has arrived).
    held: set[str] = field(default_factory=set)
    holding: set[str] = field(default_factory=set)

    def forbid(self, channel_id: int, *, after: int = 0) -> None:
        """From the ``after``-th next post on, refuse the bot's posts in the channel (403)."""
        self.posts_allowed[channel_id] = after

    def allow(self, channel_id: int) -> None:
        self.posts_allowed.pop(channel_id, None)

    # Members who do not accept direct messages from the bot: Discord answers 50007.
    closed_dms: set[int] = field(default_factory=set)
    # The server's Events (Guild Scheduled Events) the bot made, and whether it lacks the
    # permission to make them (Discord answers 50013).
    scheduled_events: dict[int, dict[str, Any]] = field(default_factory=dict)
    events_forbidden: bool = False
    # Live Stages (Stage Instances) by channel id, the Stage channels the server has, and
    # whether the bot lacks the Stage moderator's permissions (Discord answers 50013).
    stages: dict[int, dict[str, Any]] = field(default_factory=dict)
    stage_channels: set[int] = field(default_factory=lambda: _payloads().stage_channels())
    stages_forbidden: bool = False

    def __post_init__(self) -> None:
        self._limiter = _Limiter(self.rate_limits) if self.rate_limits else None
        self._lock = threading.Lock()
        self._nonces: dict[str, int] = {}  # message nonce -> the message it created
        # Interactions (by token) already answered, and the message their response is (for a
        # click answered with UPDATE_MESSAGE or DEFERRED_UPDATE_MESSAGE, the message clicked).
        self._answered: set[str] = set()
        self._originals: dict[str, int] = {}
        self._awaited: dict[str, threading.Event] = {}  # what ``answered`` hands out
        self._dm_recipients: dict[int, int] = {}  # DM channel -> the member it reaches
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self.longest_stall_s = 0.0  # the fake's own event loop, kept by ``_tick``

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
        self._stopping = asyncio.Event()
        app = web.Application()
        app.router.add_route("*", "/api/v10/{tail:.*}", self._handle)
        app.router.add_get("/attachments/{name}", self._attachment)
        app.router.add_get("/_harness/requests", self._recorded_requests)
        app.router.add_get("/_harness/mark", self._mark)
        app.router.add_get("/_harness/messages", self._recorded_messages)
        app.router.add_get("/_harness/stall", self._longest_stall)
        self._ticker = asyncio.create_task(self._tick())
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
        self._stopping.set()
        await self._ticker
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
        bodies = request.query.get("bodies", "1") == "1"
        return _json([vars(r) if bodies else _light(r) for r in self.since(since)])

    async def _tick(self) -> None:
        """Keep the fake's own longest stall (a 10 ms ticker's worst lateness): a request stamped
        late because the fake was busy is the fake's delay, not the bot's."""
        while not self._stopping.is_set():
            started = time.monotonic()
            await asyncio.sleep(0.01)
            self.longest_stall_s = max(self.longest_stall_s, time.monotonic() - started - 0.01)

    async def _longest_stall(self, request: web.Request) -> web.Response:
        stall_ms = round(self.longest_stall_s * 1000, 1)
        if request.query.get("reset") == "1":
            self.longest_stall_s = 0.0
        return _json({"longest_stall_ms": stall_ms})

    async def _mark(self, request: web.Request) -> web.Response:
        return _json({"mark": self.mark()})

    async def _recorded_messages(self, request: web.Request) -> web.Response:
        channel = request.query.get("channel")
        with self._lock:
            return _json({k: m for k, m in self.messages.items() if channel is None or m["channel_id"] == channel})

    # --- what tests read ------------------------------------------------------------------

    def answered(self, token: str) -> threading.Event:
        """Set once the interaction with this token has its response (its callback was taken)."""
        with self._lock:
            event = self._awaited.setdefault(token, threading.Event())
            if token in self._answered:
                event.set()
            return event

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
        token = path.strip("/").split("/")[2:3]
        if path.startswith("/webhooks/") and token and token[0] in self.held:
            self.holding.add(token[0])
            await self._stopping.wait()  # never answered while the fake runs
            return web.Response(status=503)
        recorded = Request(request.method, path, dict(request.query), body, asyncio.get_running_loop().time())
        with self._lock:
            self.requests.append(recorded)
        parts = path.strip("/").split("/")
        headers: dict[str, str] = {"Via": "1.1 google"}
        if self._limiter is not None:
            status, limit_headers, refusal = self._limiter.check(request.method, parts)
            headers |= limit_headers
            if refusal is not None:
                recorded.status = status
                return _json(refusal, status=status, headers=headers)
        response = self._answer(request.method, path, parts, body)
        if response.status == 200 and parts[0] == "interactions" and "with_response" not in request.query:
            # Discord sends the response's message back only when asked (``?with_response=true``).
            response = web.Response(status=204)
        recorded.status = response.status
        response.headers.update(headers)
        return response

    def _answer(self, method: str, path: str, parts: list[str], body: Any) -> web.Response:
        if path == "/users/@me":
            return _json(BOT_USER)
        if path == "/oauth2/applications/@me":
            return _json(_application())
        if path == "/gateway/bot" and self.gateway is not None:
            return _json(self.gateway.gateway_bot())
        if parts[0] == "guilds" and parts[2:3] == ["scheduled-events"] and method in ("POST", "PATCH"):
            return self._scheduled_event(int(parts[1]), int(parts[3]) if len(parts) > 3 else None, body)
        if parts[0] == "stage-instances" and method in ("POST", "PATCH"):
            return self._stage_instance(int(parts[1]) if len(parts) > 1 else None, body or {})
        if path == "/users/@me/channels" and method == "POST":
            return _json(self._dm_channel(int(body["recipient_id"])))
        if parts[0] == "channels" and method == "POST" and self._dm_recipients.get(int(parts[1])) in self.closed_dms:
            return _json({"message": "Cannot send messages to this user", "code": 50007}, status=403)
        if parts[0] == "interactions" and parts[-1] == "callback":
            return self._interaction_callback(parts[1], parts[2], body)
        if parts[0] == "webhooks" and parts[3:4] == ["messages"] and method == "PATCH":
            return self._edit_webhook_message(parts[2], parts[4], body or {})
        carries_message = method in ("POST", "PATCH") and (
            parts[0] == "webhooks" or (parts[0] == "channels" and parts[2:3] == ["messages"])
        )
        refused = self._refuse_layout(method == "POST", parts, body) if carries_message else None
        if refused is not None:
            return refused
        if parts[0] == "webhooks" and method == "POST":
            return _json(self._store_message(None, body, flags=(body or {}).get("flags", 0)))
        if parts[0] == "channels" and parts[2:3] == ["messages"] and method == "POST":
            channel_id = int(parts[1])
            if self.posts_allowed.get(channel_id, 1) <= 0:
                return _json({"message": "Missing Permissions", "code": 50013}, status=403)
            if channel_id in self.posts_allowed:
                self.posts_allowed[channel_id] -= 1
            return _json(self._post_once(channel_id, body))
        if parts[0] == "channels" and parts[2:3] == ["messages"] and method == "PATCH":
            return _json(self._edit_message(int(parts[1]), int(parts[3]), body))
        if parts[0] == "channels" and "pins" in parts and method == "PUT":
            return web.Response(status=204)
        if parts[0] == "guilds" and parts[2:3] == ["members"] and len(parts) == 4 and method == "GET":
            member = self.members.get(int(parts[3]))
            if member is None:
                return _json({"message": "Unknown Member", "code": 10007}, status=404)
            return _json(member)
        if parts[0] == "applications" and parts[-1] == "commands" and method == "PUT":
            if errors := command_errors(body):
                return _json(refusal(errors), status=400)
            # Discord answers with each command whole, its defaults filled in.
            stored = [{"description": "", **c, "id": str(snowflake()), "version": str(snowflake())} for c in body]
            return _json([{**c, "application_id": str(APPLICATION_ID)} for c in stored])
        return _json({"message": "404: Not Found", "code": 0}, status=404)

    def _refuse_layout(self, creates: bool, parts: list[str], body: Any) -> web.Response | None:
        """Discord's 400 for a message it would not take with (or without) layout components."""
        if not isinstance(body, dict):
            return None
        edits = None if creates or not parts[-1].isdigit() else int(parts[-1])
        return self._refuse_layout_of(body, edits)

    def _refuse_layout_of(self, body: dict[str, Any], edits: int | None) -> web.Response | None:
        """The same for a body that creates a message (``edits`` None) or edits this one."""
        with self._lock:
            flags = self.messages.get(edits, {}).get("flags", 0) if edits is not None else 0
        problems = layout_problems(body, creates=edits is None, was_layout=bool(flags & IS_COMPONENTS_V2))
        if not problems:
            return None
        return _json({"message": "Invalid Form Body", "code": 50035, "errors": problems}, status=400)

    def _edit_webhook_message(self, token: str, which: str, body: dict[str, Any]) -> web.Response:
        """Edit Original Interaction Response (``@original``), or Edit Followup Message. The
        original response is the message the interaction's response made, or, for a click answered
        with UPDATE_MESSAGE or DEFERRED_UPDATE_MESSAGE, the message clicked; before any response
        there is none, and Discord answers 404 Unknown Message."""
        with self._lock:
            message_id = self._originals.get(token) if which == "@original" else int(which)
        if message_id is None:
            return _json({"message": "Unknown Message", "code": 10008}, status=404)
        refused = self._refuse_layout_of(body, message_id)
        return refused or _json(self._edit_message(0, message_id, body))

    def _interaction_callback(self, interaction_id: str, token: str, body: dict[str, Any]) -> web.Response:
        kind = body["type"]
        data = body.get("data") or {}
        with self._lock:
            if token in self._answered:
                return _json({"message": "Interaction has already been acknowledged.", "code": 40060}, status=400)
        on_message = message_of(token)
        if kind in (4, 7):
            refused = self._refuse_layout_of(data, on_message if kind == 7 else None)
            if refused is not None:
                return refused
        result: dict[str, Any] = {"interaction": {"id": interaction_id, "type": 2}}
        original = None
        if kind in (6, 7) and on_message is not None:
            # UPDATE_MESSAGE (or, later, an edit of the original after DEFERRED_UPDATE_MESSAGE):
            # the message the clicked component sits on becomes the response.
            original = on_message
            if kind == 7:
                message = self._edit_message(0, on_message, data)
                result["interaction"]["response_message_id"] = message["id"]
                result["resource"] = {"type": kind, "message": message}
        elif kind in (4, 5, 7):
            message = self._store_message(None, data, flags=data.get("flags", 0))
            original = int(message["id"])
            result["interaction"]["response_message_id"] = message["id"]
            result["interaction"]["response_message_loading"] = kind == 5
            result["resource"] = {"type": kind, "message": message}
        with self._lock:
            self._answered.add(token)
            if original is not None:
                self._originals[token] = original
            if token in self._awaited:
                self._awaited[token].set()
        return _json(result)

    def _store_message(self, channel_id: int | None, body: dict[str, Any] | None, *, flags: int = 0) -> dict[str, Any]:
        body = body or {}
        flags |= body.get("flags") or 0
        message = {
            **blank_message(channel_id or 0),
            "content": body.get("content") or "",
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "flags": flags,
        }
        if flags & IS_COMPONENTS_V2:
            message["components"] = numbered(message["components"])
        with self._lock:
            self.messages[int(message["id"])] = message
        return message

    def _scheduled_event(self, guild_id: int, event_id: int | None, body: dict[str, Any]) -> web.Response:
        """Create or Modify Guild Scheduled Event, with the field rules of Discord's documentation."""
        if self.events_forbidden:
            return _json({"message": "Missing Permissions", "code": 50013}, status=403)
        with self._lock:
            earlier = self.scheduled_events.get(event_id) if event_id is not None else None
        if event_id is not None and earlier is None:
            return _json({"message": "Unknown Guild Scheduled Event", "code": 10070}, status=404)
        event = {**(earlier or {}), **body}
        problems = scheduled_event_problems(event, earlier)
        if problems:
            return _json({"message": "Invalid Form Body", "code": 50035, "errors": problems}, status=400)
        event.setdefault("id", str(snowflake()))
        event.setdefault("status", 1)
        event["guild_id"] = str(guild_id)
        with self._lock:
            self.scheduled_events[int(event["id"])] = event
        return _json(event)

    def _stage_instance(self, channel_id: int | None, body: dict[str, Any]) -> web.Response:
        """Create (POST) or Modify (PATCH) a Stage Instance, refused as Discord refuses them."""
        if self.stages_forbidden:
            return _json({"message": "Missing Permissions", "code": 50013}, status=403)
        creates = channel_id is None
        problems = stage_instance_problems(body, creates=creates)
        if creates and not problems:
            channel_id = int(body["channel_id"])
            if channel_id not in self.stage_channels:
                problems.append("channel_id: not a Stage channel")
            event_id = body.get("guild_scheduled_event_id")
            if event_id is not None:
                with self._lock:
                    event = self.scheduled_events.get(int(event_id))
                if event is None or (event.get("entity_type"), event.get("channel_id")) != (_STAGE, str(channel_id)):
                    problems.append("guild_scheduled_event_id: not this Stage's scheduled event")
        if problems:
            return _json({"message": "Invalid Form Body", "code": 50035, "errors": problems}, status=400)
        assert channel_id is not None
        with self._lock:
            earlier = self.stages.get(channel_id)
            if creates and earlier is not None:
                return _json({"message": "The Stage is already open", "code": 150006}, status=400)
            if not creates and earlier is None:
                return _json({"message": "Unknown Stage Instance", "code": 10067}, status=404)
            stage = earlier or {
                "id": str(snowflake()),
                "guild_id": str(_payloads().GUILD_ID),
                "channel_id": str(channel_id),
                "privacy_level": 2,
                "discoverable_disabled": False,
                "guild_scheduled_event_id": body.get("guild_scheduled_event_id"),
            }
            stage |= {k: body[k] for k in ("topic", "privacy_level") if k in body}
            self.stages[channel_id] = stage
        return _json(stage)

    def _dm_channel(self, recipient_id: int) -> dict[str, Any]:
        """Create DM: the bot's DM channel with a member (type 1), the same one every time."""
        with self._lock:
            found = next((c for c, r in self._dm_recipients.items() if r == recipient_id), None)
            channel_id = found or snowflake()
            self._dm_recipients[channel_id] = recipient_id
        recipient = {"id": str(recipient_id), "username": "member", "discriminator": "0", "avatar": None}
        return {"id": str(channel_id), "type": 1, "last_message_id": None, "recipients": [recipient]}

    def dms_to(self, user_id: int) -> list[dict[str, Any]]:
        """The direct messages the bot sent a member."""
        with self._lock:
            channels = {str(c) for c, r in self._dm_recipients.items() if r == user_id}
            return [m for m in self.messages.values() if m["channel_id"] in channels]

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
            message = self.messages.setdefault(message_id, {**blank_message(channel_id), "id": str(message_id)})
            message.update({k: v for k, v in body.items() if k in ("content", "embeds", "components")})
            # Discord keeps a message's IS_COMPONENTS_V2 once it has it.
            message["flags"] = message.get("flags", 0) | ((body.get("flags") or 0) & IS_COMPONENTS_V2)
            if message["flags"] & IS_COMPONENTS_V2:
                message["components"] = numbered(message["components"])
            message["edited_timestamp"] = datetime.now(UTC).isoformat()
            return dict(message)


# Guild Scheduled Event: entity types, and the status changes Discord allows.
_STAGE, _VOICE, _EXTERNAL = 1, 2, 3
_MOVES = {(1, 2), (2, 3), (1, 4)}


def scheduled_event_problems(event: dict[str, Any], earlier: dict[str, Any] | None) -> list[str]:
    """What Discord would refuse in a scheduled event as it would stand after this request."""
    problems = []
    if not 0 < len(event.get("name") or "") <= 100:
        problems.append("name: 1 to 100 characters")
    if event.get("privacy_level") != 2:
        problems.append("privacy_level must be GUILD_ONLY (2)")
    if not event.get("scheduled_start_time"):
        problems.append("scheduled_start_time is required")
    kind = event.get("entity_type")
    if kind == _EXTERNAL:
        location = (event.get("entity_metadata") or {}).get("location") or ""
        if event.get("channel_id") is not None:
            problems.append("channel_id must be null for EXTERNAL")
        if not 0 < len(location) <= 100:
            problems.append("entity_metadata.location: 1 to 100 characters for EXTERNAL")
        if not event.get("scheduled_end_time"):
            problems.append("scheduled_end_time is required for EXTERNAL")
    elif kind in (_STAGE, _VOICE):
        if event.get("channel_id") is None:
            problems.append("channel_id is required for STAGE_INSTANCE and VOICE")
    else:
        problems.append(f"entity_type {kind!r}")
    moved = earlier is not None and (earlier.get("status", 1), event.get("status")) not in _MOVES
    if moved and event.get("status") != earlier.get("status", 1):
        problems.append(f"status cannot go from {earlier.get('status')} to {event.get('status')}")
    return problems


def _payloads() -> Any:
    # The test server's channels are described there, which imports this module.
    from tests.harness import payloads

    return payloads


_STAGE_FIELDS = {
    True: {"channel_id", "topic", "privacy_level", "send_start_notification", "guild_scheduled_event_id"},
    False: {"topic", "privacy_level"},
}


def stage_instance_problems(body: dict[str, Any], *, creates: bool) -> list[str]:
    """What Discord would refuse in a Create (or Modify) Stage Instance body (discord-api-spec)."""
    problems = [f"{name}: not a field of this request" for name in sorted(set(body) - _STAGE_FIELDS[creates])]
    if creates and not body.get("channel_id"):
        problems.append("channel_id is required")
    if (creates or "topic" in body) and not 0 < len(body.get("topic") or "") <= 120:
        problems.append("topic: 1 to 120 characters")
    if body.get("privacy_level") not in (None, 2):
        problems.append("privacy_level: GUILD_ONLY (2); PUBLIC is deprecated")
    return problems


def blank_message(channel_id: int) -> dict[str, Any]:
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


def _light(request: Request) -> dict[str, Any]:
    """A recorded request without its body, but for a callback's type (what the member got: a
    message, a redraw, an acknowledgement)."""
    kept = {"type": request.json.get("type")} if request.path.endswith("/callback") and request.json else None
    return {**vars(request), "json": kept}


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # Exactly "application/json", as Discord sends it: discord.py compares the header verbatim.
    return web.Response(body=json.dumps(data).encode(), status=status, content_type="application/json", headers=headers)


def interaction_token(serial: int, message_id: int | str | None = None) -> str:
    """An interaction's token. Discord issues it and knows which message a click came from; the
    fake, which did not create the interaction, reads that from the token it is given back."""
    return f"interaction-token-{serial}" + (f"-on-{message_id}" if message_id is not None else "")


def message_of(token: str) -> int | None:
    """The message whose component made the interaction with this token, if it was a click."""
    _, found, message_id = token.partition("-on-")
    return int(message_id) if found else None


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

    def __init__(self, rate_limits: RateLimits | None = None) -> None:
        self.port = 0
        self.rate_limits = rate_limits

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    def start(self) -> None:
        context = multiprocessing.get_context("spawn")
        ports = context.Queue()
        self._process = context.Process(target=_serve_until_killed, args=(ports, self.rate_limits), daemon=True)
        self._process.start()
        self.port = ports.get(timeout=30)

    def stop(self) -> None:
        self._process.terminate()
        self._process.join(10)

    def mark(self) -> int:
        return self._get("mark")["mark"]

    def longest_stall_ms(self, *, reset: bool = False) -> float:
        """The fake's own longest event-loop stall since it started or was last reset."""
        return self._get(f"stall?reset={int(reset)}")["longest_stall_ms"]

    def since(self, mark: int, *, bodies: bool = True) -> list[Request]:
        """The requests from ``mark`` on; without their bodies, a long log comes back light."""
        return [Request(**r) for r in self._get(f"requests?since={mark}&bodies={int(bodies)}")]

    @property
    def messages(self) -> dict[int, dict[str, Any]]:
        return {int(k): v for k, v in self._get("messages").items()}

    def messages_in(self, channel_id: int) -> dict[int, dict[str, Any]]:
        """The messages of one channel, as they are now."""
        return {int(k): v for k, v in self._get(f"messages?channel={channel_id}").items()}

    def _get(self, what: str) -> Any:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/_harness/{what}", timeout=60) as response:
            return json.loads(response.read())


def _serve_until_killed(ports: Any, rate_limits: RateLimits | None) -> None:
    # The fake keeps every request it serves: a full collection over tens of thousands of them
    # stalled it for hundreds of milliseconds (its ``_tick``), stamping the bot's requests late.
    # A benchmark's fake lives for minutes and makes little cyclic garbage.
    gc.disable()
    fake = FakeDiscord(rate_limits=rate_limits)
    fake.start()
    ports.put(fake.port)
    threading.Event().wait()
