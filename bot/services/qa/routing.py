"""Where an event's messages go: decided here once for every caller (cogs, the clock, flows)."""

from dataclasses import dataclass

from sqlmodel import Session

from bot.services.qa.events import load_event
from bot.services.qa.guilds import load_guild_settings
from db.engine import Database


@dataclass(frozen=True, slots=True)
class Channels:
    """An event's channels: ``None`` where the server has not named one."""

    questions: int | None  # the event's own channel: its panel, cards, "now answering"
    moderators: int | None  # review requests, digests, recap drafts
    recap: int | None  # the approved recap: the server's recap channel, else the event's


def load_channels(session: Session, event_id: int) -> Channels:
    """The event's channels, read inside a unit of work."""
    event = load_event(session, event_id)
    guild = load_guild_settings(session, event.guild_id)
    return Channels(
        questions=event.channel_id,
        moderators=guild.moderators_channel_id,
        recap=guild.recap_channel_id or event.channel_id,
    )


async def event_channels(db: Database, event_id: int) -> Channels:
    """The event's channels."""
    return await db.read(load_channels, event_id)
