"""What each of an event's jobs does when it fires, through the same services a moderator uses.

Every job first reads the event and checks that its fire is still due and the event is still at
that point (a fire for times since rescheduled, for an event opened or closed by hand, or a
duplicate, does nothing), then claims the fire (``claims.claim``) so that only one process ever
acts on it, then acts. A job killed halfway is not run again: its claim stands.
"""

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from bot.domain.actors import Actor
from bot.domain.clock import utcnow
from bot.domain.enums import DraftKind, DraftStatus, EventState
from bot.domain.errors import InvalidTransition
from bot.flows.port import Publisher
from bot.flows.recaps import approve_and_post
from bot.llm.client import ModelClient
from bot.scheduling.claims import claim
from bot.scheduling.plan import JobKind, Timing, due_at, plan
from bot.services.drafts import drafting
from bot.services.qa import events
from bot.services.qa.routing import Channels, load_channels
from bot.services.sense.themes import refresh_themes
from db.engine import Database
from db.models import Draft, Event

log = logging.getLogger(__name__)

# The ledger names the clock as the actor of what it does; it may do what a moderator may.
SCHEDULER = Actor(user_id=0, display_name="Podium (scheduled)", manages_guild=True, operator=True)


@dataclass(frozen=True, slots=True)
class JobContext:
    """What a job needs from the process running it."""

    db: Database
    timing: Timing
    publisher: Publisher
    model: ModelClient | None = None
    worker: str = "podium"  # who claims the fires this process runs (schedule_run.claimed_by)


@dataclass(frozen=True, slots=True)
class _Fire:
    context: JobContext
    event: Event
    channels: Channels
    now: datetime


_Action = Callable[[_Fire], Awaitable[str]]


async def run_job(context: JobContext, kind: JobKind, event_id: int, *, now: datetime | None = None) -> str:
    """Run one fire of an event's job; returns what happened, in a few words (for the log)."""
    now = now or utcnow()
    event, channels = await context.db.read(_event_and_channels, event_id)
    action, states = _ACTIONS[kind]
    if event is None or channels is None:
        return "skipped: the event no longer exists"
    if event.state not in states:
        return f"skipped: the event is {event.state.value}"
    due = due_at(kind, event, context.timing, now)
    if due is None:
        return "skipped: not due by the event's current times"
    if not await claim(context.db, event_id, kind, due, by=context.worker, now=now):
        return "skipped: already run"
    outcome = await action(_Fire(context, event, channels, now))
    log.info("event %s: %s %s", event_id, kind.value, outcome)
    return outcome


def _event_and_channels(session: Session, event_id: int) -> tuple[Event | None, Channels | None]:
    event = session.get(Event, event_id)
    return event, load_channels(session, event_id) if event else None


async def _remind(fire: _Fire) -> str:
    if fire.event.channel_id is None:
        return "not posted: the event has no channel"
    posted = await fire.context.publisher.remind(fire.event.channel_id, fire.event)
    return "posted" if posted else "not posted: Discord refused it"


async def _open(fire: _Fire) -> str:
    if fire.event.ends_at is not None and fire.event.ends_at <= fire.now:
        return "not opened: its end has passed"
    done = await _transition(events.open_event, fire, "opened")
    if done == "opened" and fire.event.channel_id is not None:
        await fire.context.publisher.open_panel(fire.event.channel_id, fire.event)
    return done


async def _close(fire: _Fire) -> str:
    return await _transition(events.close_event, fire, "closed")


async def _transition(move: Callable[..., Awaitable[Event]], fire: _Fire, done: str) -> str:
    try:
        await move(fire.context.db, fire.event.id, SCHEDULER, now=fire.now)
    except InvalidTransition as error:
        # A moderator moved the event between our read and this write.
        return f"not needed: {error.message}"
    fire.context.publisher.event_changed(fire.event.id or 0)
    return done


async def _digest(fire: _Fire) -> str:
    channel_id = fire.channels.moderators
    if channel_id is None:
        return "not drafted: the server has no moderators' channel"
    context = fire.context
    await refresh_themes(context.db, fire.event.id, model=context.model)
    draft = await drafting.draft_digest(context.db, fire.event.id, SCHEDULER, model=context.model, now=fire.now)
    heading = f"**Digest** of event #{fire.event.id} (draft #{draft.id})"
    sent = await context.publisher.deliver(channel_id, heading, draft)
    return f"drafted #{draft.id}" + ("" if sent else ", not posted")


async def _recap(fire: _Fire) -> str:
    context = fire.context
    draft = await drafting.draft_recap(context.db, fire.event.id, SCHEDULER, model=context.model, now=fire.now)
    channel_id = fire.channels.moderators
    if channel_id is None:
        return f"drafted #{draft.id}, not delivered: the server has no moderators' channel"
    heading = f"**Recap** of event #{fire.event.id} (draft #{draft.id}), for a moderator's approval."
    post = next((job for job in plan(fire.event, context.timing) if job.kind is JobKind.RECAP_POST), None)
    if post is not None:
        posts_at = int(post.at.timestamp())
        heading += f" Unless a moderator edits, rewrites or approves it, it is posted by itself <t:{posts_at}:R>."
    sent = await context.publisher.deliver(channel_id, heading, draft)
    return f"drafted #{draft.id}" + ("" if sent else ", not delivered")


async def _post_recap(fire: _Fire) -> str:
    context = fire.context
    draft = await context.db.read(_latest_recap, fire.event.id)
    if draft is None or draft.created_by != SCHEDULER.user_id:
        return "not posted: no recap drafted by the clock"
    if draft.status is not DraftStatus.DRAFT or draft.edited_by is not None:
        return "not posted: a moderator has acted on the recap"
    if fire.channels.recap is None:
        return "not posted: no recap channel"
    posted = await approve_and_post(context.db, context.publisher, draft.id or 0, SCHEDULER, now=fire.now)
    return f"approved #{draft.id}" + (" and posted" if posted.posted else ", not posted")


def _latest_recap(session: Session, event_id: int) -> Draft | None:
    query = select(Draft).where(Draft.event_id == event_id, Draft.kind == DraftKind.RECAP)
    return session.exec(query.order_by(col(Draft.id).desc()).limit(1)).first()


_RUNNING = frozenset({EventState.OPEN, EventState.PAUSED})
# Each job's action, and the states of the event in which it still makes sense.
_ACTIONS: dict[JobKind, tuple[_Action, frozenset[EventState]]] = {
    JobKind.REMINDER: (_remind, frozenset({EventState.SCHEDULED})),
    JobKind.OPEN: (_open, frozenset({EventState.SCHEDULED})),
    # Digests go out while questions come in; a paused event gets none.
    JobKind.DIGEST: (_digest, frozenset({EventState.OPEN})),
    JobKind.CLOSE: (_close, _RUNNING),
    JobKind.RECAP: (_recap, frozenset({EventState.CLOSED})),
    JobKind.RECAP_POST: (_post_recap, frozenset({EventState.CLOSED})),
}
