"""How Podium answers when something goes wrong, whatever the entry point.

A ``PodiumError`` is a refusal the services explained: its message is shown to the member,
ephemerally. Anything else is a bug: it is logged with a short id, and the member gets an apology
quoting that id so a moderator can find the log line. Commands (through ``PodiumTree``), views,
modals and dynamic items (through ``guarded``) all end here.
"""

import functools
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import discord
from discord import app_commands

from bot.discord import safe
from bot.services.errors import PodiumError, RateLimited

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Awaitable[Any]])


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
        try:
            return await callback(self, interaction, *args)
        except Exception as error:
            await report_error(interaction, error)
            return None

    return wrapper  # type: ignore[return-value]


class PodiumTree(app_commands.CommandTree):
    """The command tree whose errors become polite, ephemeral replies."""

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        await report_error(interaction, error)


class PodiumModal(discord.ui.Modal):
    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        await report_error(interaction, error)


class PodiumView(discord.ui.View):
    async def on_error(self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item) -> None:
        await report_error(interaction, error)
