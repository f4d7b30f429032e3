"""An event's life as the audience sees it: opening posts its board, and every change of state
shows there (asking and voting disabled, with the reason)."""

from datetime import datetime

from bot.domain.actors import Actor
from bot.domain.enums import EventState
from bot.flows.context import Podium
from bot.services.qa import events, venues
from db.models import Event


async def open_event(podium: Podium, event_id: int, actor: Actor) -> Event:
    """Open the event for questions; the first opening (not a resume) posts and pins its board."""
    before = await events.get_event(podium.db, event_id)
    opened = await events.open_event(podium.db, event_id, actor)
    if before.state is not EventState.PAUSED and opened.channel_id is not None:
        await podium.publisher.open_panel(opened.channel_id, opened)
    else:
        podium.publisher.event_changed(event_id)
    return opened


async def pause_event(podium: Podium, event_id: int, actor: Actor) -> Event:
    """Stop taking new questions for a while; the board says so and its Ask button rests."""
    paused = await events.pause_event(podium.db, event_id, actor)
    podium.publisher.event_changed(event_id)
    return paused


async def schedule_event(
    podium: Podium,
    event_id: int,
    actor: Actor,
    *,
    starts_at: datetime,
    ends_at: datetime,
    venue_channel_id: int | None = None,
    on_stage: bool = False,
    location: str | None = None,
) -> tuple[Event, str | None]:
    """Set when the event runs and where the panel speaks, and keep the server's own Events in
    step; the second value says what Discord refused, if it did (the event is scheduled anyway)."""
    await events.schedule_event(podium.db, event_id, actor, starts_at=starts_at, ends_at=ends_at)
    scheduled = await venues.set_venue(
        podium.db, event_id, actor, channel_id=venue_channel_id, stage=on_stage, location=location
    )
    return scheduled, await podium.publisher.schedule_in_discord(scheduled)


async def close_event(podium: Podium, event_id: int, actor: Actor) -> Event:
    """End the Q&A; the event's similar-question index leaves memory with it."""
    closed = await events.close_event(podium.db, event_id, actor)
    podium.similar.forget(event_id)
    podium.publisher.event_changed(event_id)
    return closed


async def archive_event(podium: Podium, event_id: int, actor: Actor) -> Event:
    """Put the event away (or call it off); its similar-question index leaves memory too."""
    before = await events.get_event(podium.db, event_id)
    archived = await events.archive_event(podium.db, event_id, actor)
    podium.similar.forget(event_id)
    podium.publisher.event_changed(event_id)
    await podium.publisher.end_in_discord(archived, before.state)
    return archived
