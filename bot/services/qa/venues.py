"""Where an event's panel speaks, for Discord's own Events: a Stage, a voice channel, or a place.

Podium keeps a Guild Scheduled Event in step with each scheduled event (created on
``/event schedule``, moved when it is rescheduled, cancelled when the event is archived), so
members get Discord's "Interested" and its reminder when it starts. What Discord is told is
decided here; the Discord side only sends it.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.domain.actors import Actor
from bot.domain.enums import EventState
from bot.domain.errors import InvalidInput
from bot.services.qa.events import load_event
from bot.services.qa.guilds import require_moderator
from db.engine import Database
from db.models import Event

# Discord's entity types and statuses (Guild Scheduled Event, discord-api-docs).
STAGE_INSTANCE, VOICE, EXTERNAL = 1, 2, 3
SCHEDULED, COMPLETED, CANCELED = 1, 3, 4
GUILD_ONLY = 2
LOCATION_MAX = 100
DEFAULT_LOCATION = "Q&A on Discord"


@dataclass(frozen=True, slots=True)
class DiscordEvent:
    """The Guild Scheduled Event an event should have: its payload for Discord's API, and, for
    a Stage, that the bot needs the stage permissions too."""

    payload: dict[str, object]
    on_stage: bool


def discord_event(event: Event) -> DiscordEvent:
    """What Discord's event should say: the name, times, and where (a Stage, a voice channel, or a place)."""
    payload: dict[str, object] = {
        "name": event.title[:100],
        "privacy_level": GUILD_ONLY,
        "scheduled_start_time": _iso(event.starts_at),
        "scheduled_end_time": _iso(event.ends_at),
    }
    if event.description:
        payload["description"] = event.description[:1000]
    if event.venue_channel_id is not None:
        payload |= {"entity_type": STAGE_INSTANCE if event.venue_is_stage else VOICE}
        payload |= {"channel_id": str(event.venue_channel_id), "entity_metadata": None}
    else:
        payload |= {"entity_type": EXTERNAL, "channel_id": None}
        payload["entity_metadata"] = {"location": (event.location or DEFAULT_LOCATION)[:LOCATION_MAX]}
    return DiscordEvent(payload, on_stage=event.venue_channel_id is not None and event.venue_is_stage)


def ending(before: EventState) -> int:
    """The status that ends Discord's event: cancelled if it never ran, completed if it did (a
    cancelled status is only valid from scheduled)."""
    return CANCELED if before in (EventState.DRAFT, EventState.SCHEDULED) else COMPLETED


async def set_venue(
    db: Database, event_id: int, actor: Actor, *, channel_id: int | None, stage: bool, location: str | None
) -> Event:
    """Say where the panel speaks: a Stage or voice channel, or a place (moderators only)."""
    if location is not None and not 0 < len(location.strip()) <= LOCATION_MAX:
        raise InvalidInput(f"A location is 1 to {LOCATION_MAX} characters.")

    def change(session: Session) -> Event:
        event = load_event(session, event_id, for_update=True)
        require_moderator(session, event.guild_id, actor)
        event.venue_channel_id, event.venue_is_stage = channel_id, stage and channel_id is not None
        event.location = location.strip() if location else None
        session.add(event)
        return event

    return await db.write(change)


async def set_discord_event(db: Database, event_id: int, discord_event_id: int | None) -> None:
    """Remember the Guild Scheduled Event that stands for this event."""

    def remember(session: Session) -> None:
        event = load_event(session, event_id, for_update=True)
        event.discord_event_id = discord_event_id
        session.add(event)

    await db.write(remember)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
