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
point is (``bot.discord.errors``). It answers with components it has already drawn
(``update_components``: UPDATE_MESSAGE, without asking for the message back). Every other click
(page turns, menus, forms) goes through discord.py's dispatch as before.
"""

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord.enums import InteractionResponseType
from discord.http import Route
from discord.webhook.async_ import async_context

from bot.discord import safe
from bot.discord.actors import check_in_server
from bot.discord.errors import answer_in_time, report_error
from bot.discord.render import NO_MENTIONS

log = logging.getLogger(__name__)

Handler = Callable[[discord.Interaction, re.Match[str]], Awaitable[None]]
IS_COMPONENTS_V2 = 1 << 15
UPDATE_MESSAGE = 7


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
        if isinstance(message, dict):
            # What a handler reads of the message is its id and flags; its components it drew itself.
            data = {**data, "message": {**message, "components": []}}
        interaction = discord.Interaction(data=data, state=state)
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


async def update_components(interaction: discord.Interaction, components: list[dict[str, Any]]) -> bool:
    """Answer a click (not deferred) by redrawing the layout message it was on with these
    components, drawn already (``LayoutView.to_components``): UPDATE_MESSAGE, and Discord is not
    asked to send the message back, so nothing is parsed on the way back either."""
    data = {"components": components, "flags": IS_COMPONENTS_V2, "allowed_mentions": NO_MENTIONS.to_dict()}
    http = interaction._state.http
    route = Route(
        "POST",
        "/interactions/{webhook_id}/{webhook_token}/callback",
        webhook_id=interaction.id,
        webhook_token=interaction.token,
    )
    try:
        # discord.py's own adapter for interaction requests: its locks and its retries on 429 and 5xx.
        await async_context.get().request(
            route,
            session=interaction._session,
            payload={"type": UPDATE_MESSAGE, "data": data},
            proxy=http.proxy,
            proxy_auth=http.proxy_auth,
        )
    except discord.HTTPException as error:
        return safe.log_failure("update", error)
    # As discord.py marks it, so that an error afterwards follows up rather than responds twice.
    interaction.response._response_type = InteractionResponseType.message_update
    return True
