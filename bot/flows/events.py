"""An event's life as the audience sees it: opening posts its board, and every change of state
shows there (asking and voting disabled, with the reason)."""

from bot.domain.actors import Actor
from bot.domain.enums import EventState
from bot.flows.context import Podium
from bot.services.qa import events
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


async def close_event(podium: Podium, event_id: int, actor: Actor) -> Event:
    """End the Q&A; the event's similar-question index leaves memory with it."""
    closed = await events.close_event(podium.db, event_id, actor)
    podium.similar.forget(event_id)
    podium.publisher.event_changed(event_id)
    return closed


async def archive_event(podium: Podium, event_id: int, actor: Actor) -> Event:
    """Put the event away (or call it off); its similar-question index leaves memory too."""
    archived = await events.archive_event(podium.db, event_id, actor)
    podium.similar.forget(event_id)
    podium.publisher.event_changed(event_id)
    return archived
