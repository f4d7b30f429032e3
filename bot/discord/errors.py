"""How Podium answers when something goes wrong, whatever the entry point.

A ``PodiumError`` is a refusal the services explained: its message is shown to the member,
ephemerally. Anything else is a bug: it is logged with a short id, and the member gets an apology
quoting that id so a moderator can find the log line. Commands (through ``PodiumTree``), views,
modals and dynamic items (through ``guarded``) all end here, and all refuse an interaction from
outside a server (a direct message) before anything else.

The same entry points tell the database when the member must be answered (``answer_in_time``),
so that a database in trouble gives up while "nothing was saved" can still reach them.
"""

import functools
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any, TypeVar

import discord
from discord import app_commands

from bot.discord import safe
from bot.discord.actors import check_in_server
from bot.domain.errors import NotAllowed, PodiumError, RateLimited
from db.engine import answer_due

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Awaitable[Any]])

# Discord tells the member "the application did not respond" unless an interaction is answered or
# deferred within 3 s of arriving; a deferred one may follow up for 15 minutes.
RESPONSE_WINDOW_S = 3.0
FOLLOW_UP_WINDOW_S = 15 * 60.0
# Kept back from either window for sending the answer itself.
ANSWER_MARGIN_S = 0.5

# When the interaction this task handles arrived (monotonic), as ``answer_in_time`` saw it.
_received_at: ContextVar[float | None] = ContextVar("received_at", default=None)


def answer_in_time(interaction: discord.Interaction) -> None:
    """From here on in this interaction's task, database work gives up in time to answer: within
    Discord's 3 s until the interaction is deferred or answered, within its 15 minutes after."""
    received = time.monotonic()
    _received_at.set(received)

    def seconds_left() -> float:
        window = FOLLOW_UP_WINDOW_S if interaction.response.is_done() else RESPONSE_WINDOW_S
        return received + window - ANSWER_MARGIN_S - time.monotonic()

    answer_due.set(seconds_left)


def since_received() -> float:
    """Seconds since the interaction this task handles arrived (0 outside an entry point)."""
    received = _received_at.get()
    return 0.0 if received is None else time.monotonic() - received


async def report_error(interaction: discord.Interaction, error: BaseException) -> None:
    """Tell the member what went wrong, in a message only they see."""
    original = getattr(error, "original", None) or error
    if isinstance(original, RateLimited):
        # A Discord timestamp: each member's app shows the time in their own time zone.
        at = int(original.retry_at.timestamp())
        await safe.reply(interaction, f"{original.message.rstrip('.')}, at <t:{at}:T>.")
        return
    if isinstance(original, PodiumError):
        await safe.reply(interaction, original.message)
        return
    if isinstance(original, app_commands.CheckFailure):
        await safe.reply(interaction, str(original) or "You cannot use this command here.")
        return
    error_id = secrets.token_hex(4)
    log.error("Unexpected error %s handling interaction %s", error_id, interaction.id, exc_info=original)
    await safe.reply(
        interaction,
        f"Sorry, something went wrong on Podium's side (error {error_id}). Nothing you had already sent was "
        "lost; please try again, and mention this id to a moderator if it keeps happening.",
    )


def guarded(callback: F) -> F:
    """Route a component or modal callback's errors to ``report_error``."""

    @functools.wraps(callback)
    async def wrapper(self: Any, interaction: discord.Interaction, *args: Any) -> Any:
        answer_in_time(interaction)
        try:
            check_in_server(interaction)
            return await callback(self, interaction, *args)
        except Exception as error:
            await report_error(interaction, error)
            return None

    return wrapper  # type: ignore[return-value]


class PodiumTree(app_commands.CommandTree):
    """The command tree whose errors become polite, ephemeral replies."""

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        answer_in_time(interaction)
        try:
            check_in_server(interaction)
        except NotAllowed as refusal:
            # The tree reports only its own errors; an autocomplete gets no answer at all.
            if interaction.type is discord.InteractionType.application_command:
                await report_error(interaction, refusal)
            return False
        return True

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        await report_error(interaction, error)


class PodiumModal(discord.ui.Modal):
    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        answer_in_time(interaction)
        check_in_server(interaction)
        return True

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        await report_error(interaction, error)


class PodiumView(discord.ui.View):
    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        answer_in_time(interaction)
        check_in_server(interaction)
        return True

    async def on_error(self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item) -> None:
        await report_error(interaction, error)
