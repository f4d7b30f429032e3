"""The moderators' web console, served beside the presenter screen.

- ``GET /console/sign-in/{secret}``: a page with one button; ``POST`` to the same address trades the
  one-use secret for a session cookie (``HttpOnly``, ``SameSite=Strict``, ``Secure`` when the
  console is reached over TLS). A GET never uses the link up, so a link preview cannot either.
- ``GET /console``: the server's events; ``GET /console/events/{id}``: the queue page.
- ``GET /console/events/{id}/questions``: the questions as JSON; ``.../stream``: a server-sent
  ``changed`` event whenever they change anywhere (a vote, Discord, another console).
- ``POST /console/events/{id}/decide``: one decision on one or more questions, with the session's
  CSRF token in ``X-CSRF-Token``; ``POST /console/sign-out`` (CSRF too) ends the session.

Every request reads the session, refuses an event of another server as not found, re-reads the
person from Discord (``flows.members.Members``) and goes through the services' moderator check;
every change goes through the same flows as Discord's buttons, so the ledger records it as theirs.
Refusals are JSON ``{"error": ...}`` (pages: text) with 401 (not signed in), 403 (not allowed)
or 404 (no such event), and change nothing.
"""

import asyncio
import contextlib
import json
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import asdict, dataclass

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from bot.domain.actors import Actor
from bot.domain.enums import ReasonCode
from bot.domain.errors import NotAllowed, NotFound, PodiumError
from bot.domain.transitions import Decision
from bot.flows import moderation as decisions
from bot.flows.context import Podium
from bot.flows.members import Members
from bot.services.qa import moderation
from bot.services.qa.events import WORKING, get_event, list_events
from bot.services.surfaces.console import SIGNED_OUT, console_session, csrf_matches, exchange_link, sign_out
from bot.services.surfaces.desk import console_questions, queue_version
from bot.web.pages import render_console, render_sign_in
from db.models import ConsoleSession

COOKIE = "podium_console"
POLL_INTERVAL_S = 0.25
KEEPALIVE_S = 15.0
# What a decision request may ask for, and the flow decision it is.
ACTIONS = {
    "publish": Decision.APPROVE,
    "aside": Decision.SET_ASIDE,
    "restore": Decision.RESTORE,
    "pin": Decision.PIN,
    "unpin": Decision.UNPIN,
    "answer": Decision.ANSWER,
    "live": Decision.LIVE,
    "merge": Decision.MERGE,
}
BULK_MAX = 200
NO_LONGER_MEMBER = "You are no longer a member of that server, so you cannot moderate it."


@dataclass(frozen=True, slots=True)
class Console:
    """What the console acts with: the flows' context and who members are now."""

    podium: Podium
    members: Members


class _Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def console_routes(console: Console, *, page_policy: Callable[[str], str]) -> list[Route]:
    """The console's routes, for the presenter's app."""
    db = console.podium.db

    async def who(request: Request, event_id: int | None = None) -> tuple[ConsoleSession, Actor]:
        try:
            session = await console_session(db, request.cookies.get(COOKIE))
        except NotAllowed:
            raise _Refused(401, SIGNED_OUT) from None
        if event_id is not None:
            await get_event(db, event_id, guild_id=session.guild_id)
        actor = await console.members.actor(session.guild_id, session.user_id)
        if actor is None:
            raise _Refused(403, NO_LONGER_MEMBER)
        await moderation.check_moderator(db, session.guild_id, actor)
        return session, actor

    async def sign_in_page(request: Request) -> Response:
        nonce = secrets.token_urlsafe(16)
        return HTMLResponse(render_sign_in(nonce=nonce), headers={"content-security-policy": page_policy(nonce)})

    async def sign_in(request: Request) -> Response:
        # A browser already signed in as someone else may not take this link for them.
        held = None
        with contextlib.suppress(NotAllowed):
            held = (await console_session(db, request.cookies.get(COOKIE))).user_id
        started = await exchange_link(db, request.path_params["secret"], signed_in_as=held)
        response = RedirectResponse("/console", status_code=303)
        response.set_cookie(
            COOKIE,
            started.token,
            httponly=True,
            samesite="strict",
            secure=_over_tls(request),
            path="/console",
        )
        return response

    async def events_page(request: Request) -> Response:
        session, _actor = await who(request)
        working = await list_events(db, session.guild_id, states=set(WORKING))
        nonce = secrets.token_urlsafe(16)
        html = render_console(None, working, csrf=session.csrf_token, nonce=nonce)
        return HTMLResponse(html, headers={"content-security-policy": page_policy(nonce)})

    async def event_page(request: Request) -> Response:
        event_id = int(request.path_params["event"])
        session, _actor = await who(request, event_id)
        event = await get_event(db, event_id)
        nonce = secrets.token_urlsafe(16)
        html = render_console(event, [], csrf=session.csrf_token, nonce=nonce)
        return HTMLResponse(html, headers={"content-security-policy": page_policy(nonce)})

    async def questions(request: Request) -> Response:
        event_id = int(request.path_params["event"])
        await who(request, event_id)
        listed = await console_questions(db, event_id)
        return JSONResponse({"questions": [asdict(q) for q in listed], "version": await queue_version(db, event_id)})

    async def stream(request: Request) -> Response:
        event_id = int(request.path_params["event"])
        await who(request, event_id)
        return StreamingResponse(
            _changes(console, event_id, request.is_disconnected),
            media_type="text/event-stream",
            headers={"x-accel-buffering": "no"},
        )

    async def decide(request: Request) -> Response:
        event_id = int(request.path_params["event"])
        session, actor = await who(request, event_id)
        if not csrf_matches(session, request.headers.get("x-csrf-token")):
            raise _Refused(403, "This change did not carry the console's security token; reload the page.")
        body = await _json_body(request)
        action = ACTIONS.get(str(body.get("action")))
        ids = body.get("questions")
        if action is None or not isinstance(ids, list) or not 0 < len(ids) <= BULK_MAX:
            raise _Refused(400, f"Send an action ({', '.join(ACTIONS)}) and 1 to {BULK_MAX} question numbers.")
        done, refused = [], []
        for question_id in ids:
            try:
                await _apply(console.podium, action, int(question_id), actor, body)
                done.append(int(question_id))
            except (PodiumError, ValueError, TypeError) as error:
                refused.append({"question": question_id, "error": str(error)})
        return JSONResponse({"done": done, "refused": refused})

    async def leave(request: Request) -> Response:
        token = request.cookies.get(COOKIE)
        try:
            session = await console_session(db, token)
        except NotAllowed:
            raise _Refused(401, SIGNED_OUT) from None
        if not csrf_matches(session, request.headers.get("x-csrf-token")):
            raise _Refused(403, "Signing out needs the console's security token; reload the page.")
        await sign_out(db, token or "")
        response = HTMLResponse("Signed out of the Podium console.")
        response.delete_cookie(COOKIE, path="/console")
        return response

    return [
        Route("/console/sign-in/{secret}", _guard(sign_in_page), methods=["GET"]),
        Route("/console/sign-in/{secret}", _guard(sign_in), methods=["POST"]),
        Route("/console", _guard(events_page), methods=["GET"]),
        Route("/console/sign-out", _guard(leave), methods=["POST"]),
        Route("/console/events/{event:int}", _guard(event_page), methods=["GET"]),
        Route("/console/events/{event:int}/questions", _guard(questions), methods=["GET"]),
        Route("/console/events/{event:int}/stream", _guard(stream), methods=["GET"]),
        Route("/console/events/{event:int}/decide", _guard(decide), methods=["POST"]),
    ]


async def _apply(podium: Podium, action: Decision, question_id: int, actor: Actor, body: dict) -> None:
    match action:
        case Decision.LIVE:
            await decisions.take_live(podium, question_id, actor)
        case Decision.MERGE:
            await decisions.merge(podium, question_id, int(body["into"]), actor)
        case Decision.SET_ASIDE:
            reason = ReasonCode(body.get("reason"))
            await decisions.decide(podium, action, question_id, actor, reason=reason, note=body.get("note"))
        case _:
            await decisions.decide(podium, action, question_id, actor)


def _guard(handler: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
    """Turn refusals into clear answers: JSON for the API, text for pages."""

    async def guarded(request: Request) -> Response:
        try:
            return await handler(request)
        except _Refused as refused:
            return _refusal(request, refused.status, refused.message)
        except NotFound as error:
            return _refusal(request, 404, str(error))
        except PodiumError as error:
            return _refusal(request, 403, str(error))

    return guarded


def _refusal(request: Request, status: int, message: str) -> Response:
    if request.method == "GET" and not request.url.path.endswith(("/questions", "/stream")):
        return HTMLResponse(f"<!doctype html><title>Podium console</title><p>{_escape(message)}</p>", status)
    return JSONResponse({"error": message}, status_code=status)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _over_tls(request: Request) -> bool:
    # Behind a TLS-terminating proxy the app sees http; the proxy says what the browser used.
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"


async def _json_body(request: Request) -> dict:
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        raise _Refused(400, "The request body is not JSON.") from None
    if not isinstance(body, dict):
        raise _Refused(400, "The request body must be a JSON object.")
    return body


async def _changes(console: Console, event_id: int, gone: Callable[[], Awaitable[bool]]) -> AsyncIterator[str]:
    """``changed`` whenever the event's questions change; a comment now and then to keep the line."""
    yield "retry: 2000\n\n"
    last, quiet = None, 0.0
    while not await gone():
        version = await queue_version(console.podium.db, event_id)
        if version != last:
            if last is not None:
                yield f"event: changed\ndata: {json.dumps(version)}\n\n"
            last, quiet = version, 0.0
        elif quiet >= KEEPALIVE_S:
            yield ": still here\n\n"
            quiet = 0.0
        await asyncio.sleep(POLL_INTERVAL_S)
        quiet += POLL_INTERVAL_S
