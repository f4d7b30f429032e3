"""Clicks answered straight from the gateway's payload: a vote on the board, a vote in Browse.

A click's INTERACTION_CREATE carries the whole message it was clicked on, and for the board
that is a layout of 39 components. Through discord.py's own dispatch, each click then costs
three walks of it: a ``Message`` built from the payload, a view rebuilt from that message (to find
the clicked item and swap in the ``DynamicItem``), and the message Discord sends back with the
response (``with_response``), parsed again. In a burst of votes those walks cost more than the
vote itself, and they queue every other click behind them on the event loop.

So the clicks registered here (``Clicks.add``: a custom_id template and a handler) skip them:
``bot.app`` hands the payload here before discord.py sees it, the ``Interaction`` is built from
it without the message's components (everything else, the member, their permissions, the
token, is as discord.py reads it), and the handler is called at once, guarded as every entry
point is (``bot.discord.errors``). The message's components are left as the payload has them, in
``interaction.extras[DRAWN]``, for a handler that redraws the page from what it shows (Browse).
It answers with components it has already drawn (``update_components``: UPDATE_MESSAGE, without
asking for the message back). Every other click (page turns, menus, forms) goes through
discord.py's dispatch as before.

Defer if late (``answer_click``): a vote waits for its database write, which in a burst on
PostgreSQL can take seconds, and until it is answered the member sees nothing. So a vote not done
within ``DEFER_AFTER_S`` of its click's arrival is acknowledged meanwhile
(DEFERRED_UPDATE_MESSAGE: no loading state, the message stays as it is), and redrawn once the
vote is done by editing the interaction's original response, which for a click is the message it
was on. A quick vote is still answered in one request, the redraw itself.
"""

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import discord
from discord.enums import InteractionResponseType
from discord.http import Route
from discord.webhook.async_ import async_context

from bot.discord import safe
from bot.discord.actors import check_in_server
from bot.discord.errors import answer_in_time, report_error, since_received
from bot.discord.render import NO_MENTIONS

log = logging.getLogger(__name__)

T = TypeVar("T")
Handler = Callable[[discord.Interaction, re.Match[str]], Awaitable[None]]
IS_COMPONENTS_V2 = 1 << 15
DEFERRED_UPDATE_MESSAGE = 6
UPDATE_MESSAGE = 7
# Where a handler finds the clicked message's components, as the payload has them (raw dicts).
DRAWN = "podium_drawn_components"
# A click whose work is not done this long after it arrived is acknowledged first: under the 20 ms
# a first response may take with the loop's own delay besides, and long enough for a vote on a
# database at ease (p99 3 ms on SQLite, 6 ms on PostgreSQL in the burst benchmark).
DEFER_AFTER_S = 0.015


class Clicks:
    """The clicks this bot answers from the payload, by custom_id template."""

    def __init__(self) -> None:
        self._routes: list[tuple[re.Pattern[str], Handler]] = []
        self._running: set[asyncio.Task[None]] = set()

    def add(self, template: str, handler: Handler) -> None:
        """Answer clicks whose custom_id matches ``template`` (whole) with ``handler``."""
        self._routes.append((re.compile(template), handler))

    def take(self, state: Any, data: dict[str, Any]) -> bool:
        """Handle this component interaction if a route wants it (True), else leave it to discord.py.

        ``data`` is the INTERACTION_CREATE payload, its text already checked.
        """
        custom_id = (data.get("data") or {}).get("custom_id")
        if not isinstance(custom_id, str):
            return False
        found = next(((m, h) for p, h in self._routes if (m := p.fullmatch(custom_id)) is not None), None)
        if found is None:
            return False
        match, handler = found
        message = data.get("message")
        drawn: list[dict[str, Any]] = []
        if isinstance(message, dict):
            # discord.py reads the message's id and flags; its components stay as Discord sent them.
            drawn = message.get("components") or []
            data = {**data, "message": {**message, "components": []}}
        interaction = discord.Interaction(data=data, state=state)
        interaction.extras[DRAWN] = drawn
        task = asyncio.create_task(_guarded(handler, interaction, match), name=f"podium-click-{custom_id}")
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        state.dispatch("interaction", interaction)
        return True


async def _guarded(handler: Handler, interaction: discord.Interaction, match: re.Match[str]) -> None:
    answer_in_time(interaction)
    try:
        check_in_server(interaction)
        await handler(interaction, match)
    except Exception as error:
        await report_error(interaction, error)


async def answer_click(
    interaction: discord.Interaction, work: Awaitable[T], answer: Callable[[T], Awaitable[object]]
) -> None:
    """Do a click's ``work``, then ``answer`` with what it gave (a redraw: ``update_components``).

    If the work is not done ``DEFER_AFTER_S`` after the click arrived, the click is acknowledged
    meanwhile (DEFERRED_UPDATE_MESSAGE), so the member's first response never waits for the
    database; the answer then edits the original response, and an error the work raises reaches
    the member as a follow-up (``report_error`` sees the interaction answered)."""
    deferral = _Deferral(interaction)
    timer = asyncio.get_running_loop().call_later(max(0.0, DEFER_AFTER_S - since_received()), deferral.start)
    try:
        done = await work
    finally:
        timer.cancel()
        await deferral.settle()
    await answer(done)


class _Deferral:
    """A click's acknowledgement, started when its work is late."""

    def __init__(self, interaction: discord.Interaction) -> None:
        self.interaction = interaction
        self.work_done = False
        self.task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self._send())

    async def _send(self) -> None:
        # In a busy loop the work may be done before this runs: then the redraw itself answers.
        if not self.work_done:
            await _defer_update(self.interaction)

    async def settle(self) -> None:
        """The work is done: wait for an acknowledgement already on its way (neither the original
        response nor a follow-up exists before it)."""
        self.work_done = True
        if self.task is not None:
            await self.task


async def update_components(interaction: discord.Interaction, components: list[dict[str, Any]]) -> bool:
    """Redraw the layout message a click was on with these components, drawn already
    (``LayoutView.to_components``): in the click's response (UPDATE_MESSAGE, Discord not asked to
    send the message back, so nothing is parsed on the way back either), or, once the click was
    acknowledged (``answer_click``), by editing the original response, which is that message."""
    data = {"components": components, "flags": IS_COMPONENTS_V2, "allowed_mentions": NO_MENTIONS.to_dict()}
    http = interaction._state.http
    try:
        if interaction.response.is_done():
            # discord.py's adapter again; Discord sends the edited message back, read as JSON only.
            await async_context.get().edit_original_interaction_response(
                interaction.application_id,
                interaction.token,
                session=interaction._session,
                proxy=http.proxy,
                proxy_auth=http.proxy_auth,
                payload=data,
            )
        else:
            await _respond(interaction, {"type": UPDATE_MESSAGE, "data": data}, InteractionResponseType.message_update)
    except discord.HTTPException as error:
        return safe.log_failure("update", error)
    return True


async def _defer_update(interaction: discord.Interaction) -> None:
    """Acknowledge a click without changing its message yet (DEFERRED_UPDATE_MESSAGE)."""
    try:
        await _respond(interaction, {"type": DEFERRED_UPDATE_MESSAGE}, InteractionResponseType.deferred_message_update)
    except discord.HTTPException as error:
        safe.log_failure("defer", error)


async def _respond(
    interaction: discord.Interaction, payload: dict[str, Any], response_type: InteractionResponseType
) -> None:
    http = interaction._state.http
    route = Route(
        "POST",
        "/interactions/{webhook_id}/{webhook_token}/callback",
        webhook_id=interaction.id,
        webhook_token=interaction.token,
    )
    # discord.py's own adapter for interaction requests: its locks and its retries on 429 and 5xx.
    await async_context.get().request(
        route,
        session=interaction._session,
        payload=payload,
        proxy=http.proxy,
        proxy_auth=http.proxy_auth,
    )
    # As discord.py marks it, so that an error afterwards follows up rather than responds twice.
    interaction.response._response_type = response_type
