"""The presenter screen's web app: two read-only routes per event token, nothing else.

- ``GET /present/{token}``: the page (``?overlay=1`` for a transparent background in OBS).
- ``GET /present/{token}/stream``: server-sent events, the rendered screen each time it changes.

An unknown, rotated or malformed token gets the same 404 as any other address, so the server
says nothing about which tokens exist. Every response forbids caching (the token is in the URL
and the screen changes) and sends no referrer, so the token never leaves in a Referer header.
"""

import secrets
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.domain.errors import NotFound
from bot.services.surfaces.presenter import presented_event, presenter_screen
from bot.web.console import Console, console_routes
from bot.web.feed import KEEPALIVE_S, ScreenFeed, TooManyFollowers, Update
from bot.web.pages import render_page, render_screen

# Every response: nothing to run, embed or frame unless a page says otherwise.
STRICT_POLICY = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
SECURITY_HEADERS = {
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "x-robots-tag": "noindex, nofollow",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
}
# The browser waits this long before reconnecting a dropped stream (a restart of the bot, say).
RECONNECT_MS = 2_000


def page_policy(nonce: str) -> str:
    """The page's CSP: its own inline style and script (by nonce) and a stream from the same origin."""
    return (
        f"default-src 'none'; style-src 'nonce-{nonce}'; script-src 'nonce-{nonce}'; connect-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


def create_app(feed: ScreenFeed, console: Console | None = None) -> ASGIApp:
    """The presenter app over ``feed``'s database, with security headers on every response; with
    ``console``, the moderators' web console beside it (``bot.web.console``)."""
    db = feed.db

    async def page(request: Request) -> Response:
        screen = await presenter_screen(db, request.path_params["token"])
        nonce = secrets.token_urlsafe(16)
        overlay = request.query_params.get("overlay") == "1"
        html = render_page(screen, render_screen(screen), overlay=overlay, nonce=nonce)
        return HTMLResponse(html, headers={"content-security-policy": page_policy(nonce)})

    async def stream(request: Request) -> Response:
        token = request.path_params["token"]
        await presented_event(db, token)
        updates = feed.follow(token, keepalive_s=KEEPALIVE_S)
        try:
            # The first step counts this page among the link's followers (or refuses it) at once,
            # so pages arriving together cannot all pass the count before any is counted.
            first = await anext(updates)
        except TooManyFollowers:
            return PlainTextResponse(
                "Too many screens follow this link", status_code=429, headers={"retry-after": "30"}
            )
        except StopAsyncIteration:  # the server is stopping; the page comes back after it
            return PlainTextResponse("The presenter screen is restarting", status_code=503)
        return StreamingResponse(
            _event_stream(_starting_with(first, updates)),
            media_type="text/event-stream",
            # Proxies such as nginx would otherwise hold the events back in their buffers.
            headers={"x-accel-buffering": "no"},
        )

    app = Starlette(
        routes=[
            Route("/present/{token}", page, methods=["GET"]),
            Route("/present/{token}/stream", stream, methods=["GET"]),
            *(console_routes(console, page_policy=page_policy) if console is not None else []),
        ],
        exception_handlers={NotFound: _not_found, 404: _not_found},
    )
    return _SecurityHeaders(app)


async def _starting_with(first: Update | None, rest: AsyncIterator[Update | None]) -> AsyncIterator[Update | None]:
    yield first
    async for update in rest:
        yield update


async def _event_stream(updates: AsyncIterator[Update | None]) -> AsyncIterator[str]:
    yield f"retry: {RECONNECT_MS}\n\n"
    async for update in updates:
        if update is None:
            yield ": still here\n\n"
        elif update.gone:
            yield "event: gone\ndata: \n\n"
        else:
            data = "".join(f"data: {line}\n" for line in update.fragment.splitlines())
            yield f"event: screen\nid: {update.version}\n{data}\n"


# A wrong token and a wrong address get the very same answer.
async def _not_found(_request: Request, _error: Exception) -> Response:
    return PlainTextResponse("Not found", status_code=404)


class _SecurityHeaders:
    """Adds ``SECURITY_HEADERS`` (and the strict CSP, where a page set none) to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message["headers"] if k.decode().lower() not in SECURITY_HEADERS]
                headers += [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                if not any(k.decode().lower() == "content-security-policy" for k, _ in headers):
                    headers.append((b"content-security-policy", STRICT_POLICY.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
