"""Command options shared by several cogs: choosing an event, with autocomplete."""

from typing import TYPE_CHECKING, cast

import discord
from discord import app_commands

from bot.discord.render import SELECT_LABEL_MAX, clip
from bot.domain.enums import EventState
from bot.domain.errors import InvalidInput
from bot.services.qa.events import RUNNING, find_event, list_events
from db.models import Event

if TYPE_CHECKING:
    from bot.app import PodiumBot

AUTOCOMPLETE_MAX = 25


async def event_autocomplete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[int]]:
    """The server's events matching what was typed, running ones first."""
    bot = cast("PodiumBot", interaction.client)
    if interaction.guild_id is None:
        return []
    events = await list_events(bot.db, interaction.guild_id, states=set(EventState) - {EventState.ARCHIVED})
    ranked = sorted(events, key=lambda e: (e.state not in RUNNING, -(e.id or 0)))
    typed = current.casefold()
    return [
        app_commands.Choice(name=clip(f"#{e.id} {e.title} ({e.state.value})", SELECT_LABEL_MAX), value=e.id or 0)
        for e in ranked
        if typed in e.title.casefold() or typed in str(e.id)
    ][:AUTOCOMPLETE_MAX]


async def chosen_event(
    interaction: discord.Interaction, event_id: int | None, *, states: frozenset[EventState] = RUNNING
) -> Event:
    """The event the member chose, or the one they must mean (see ``find_event``)."""
    bot = cast("PodiumBot", interaction.client)
    if interaction.guild_id is None:
        raise InvalidInput("Podium works inside a server, not in direct messages.")
    return await find_event(
        bot.db, interaction.guild_id, event_id=event_id, channel_id=interaction.channel_id, states=states
    )
