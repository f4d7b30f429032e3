"""Discord's own Events: the Guild Scheduled Event kept in step with a Podium event.

What it says is decided by ``services.qa.venues``; this module sends it and turns Discord's
refusal for a missing permission into a sentence saying which one to grant (the event runs
without Discord's Event meanwhile).
"""

import logging

import discord

from bot.domain.enums import EventState
from bot.services.qa.venues import discord_event, ending, set_discord_event
from db.engine import Database
from db.models import Event

log = logging.getLogger(__name__)

MISSING_ACCESS, MISSING_PERMISSIONS, UNKNOWN_SCHEDULED_EVENT = 50001, 50013, 10070


def missing_permission(on_stage: bool) -> str:
    """What to grant Podium, in Discord's own names for the permissions."""
    needed = "Create Events, and on the Stage Manage Channels, Mute Members and Move Members" if on_stage else None
    return (
        "Podium could not add this event to the server's Events: grant it "
        f"{needed or 'Create Events'}, then schedule it again. The Q&A runs without it meanwhile."
    )


class GuildEvents:
    """Creates, moves and ends the Guild Scheduled Event of each scheduled Podium event."""

    def __init__(self, client: discord.Client, db: Database) -> None:
        self.client, self.db = client, db

    async def keep_in_step(self, event: Event) -> str | None:
        """Create Discord's event, or move it to the event's times; a sentence if Discord refused."""
        wanted = discord_event(event)
        http = self.client.http
        try:
            if event.discord_event_id is not None:
                try:
                    await http.edit_scheduled_event(event.guild_id, event.discord_event_id, **wanted.payload)
                    return None
                except discord.NotFound:
                    pass  # someone deleted it in Discord: make it again
            made = await http.create_guild_scheduled_event(event.guild_id, **wanted.payload)
        except discord.HTTPException as error:
            if error.code in (MISSING_ACCESS, MISSING_PERMISSIONS) or isinstance(error, discord.Forbidden):
                log.info("No permission to keep event %s in Discord's Events (%s)", event.id, error.code)
                return missing_permission(wanted.on_stage)
            log.warning("Discord's event for event %s failed: HTTP %s, code %s", event.id, error.status, error.code)
            return "Discord did not take this event into the server's Events just now; schedule it again later."
        await set_discord_event(self.db, event.id or 0, int(made["id"]))
        return None

    async def end(self, event: Event, before: EventState) -> None:
        """Cancel Discord's event (or mark it completed, if it ran) when the Podium event is put away."""
        if event.discord_event_id is None:
            return
        try:
            await self.client.http.edit_scheduled_event(event.guild_id, event.discord_event_id, status=ending(before))
        except discord.HTTPException as error:
            # Discord ends a Stage or voice event by itself once the room empties: nothing to do then.
            log.info("Discord's event for event %s was not ended: HTTP %s, code %s", event.id, error.status, error.code)
