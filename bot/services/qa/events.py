"""Events and their life: draft -> scheduled -> open <-> paused -> closed -> archived.

Beyond that line, two shortcuts users expect: a draft can open at once (an impromptu AMA), and
a draft or scheduled event can be archived (called off). Nothing else moves an event.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, col, select

from bot.domain.actors import Actor
from bot.domain.clock import utcnow
from bot.domain.enums import EventState, LedgerAction
from bot.domain.errors import InvalidInput, InvalidTransition, NotFound
from bot.domain.transitions import EVENT_TRANSITIONS
from bot.services.qa.guilds import load_guild_settings, require_moderator
from bot.services.qa.text import normalise, normalise_block
from bot.services.qa.trending import rebase
from bot.services.records.ledger import record
from db.engine import Database
from db.models import Event, EventSettings

State = EventState


# How a refused transition reads: "Event #1 is a draft, so it cannot be closed."
_STATE_WORDS = {
    State.DRAFT: "a draft",
    State.SCHEDULED: "scheduled",
    State.OPEN: "open",
    State.PAUSED: "paused",
    State.CLOSED: "closed",
    State.ARCHIVED: "archived",
}
_VERBS = {
    "schedule": "be scheduled",
    "open": "be opened",
    "pause": "be paused",
    "close": "be closed",
    "archive": "be archived",
}

TITLE_MAX = 100
DESCRIPTION_MAX = 1000


def load_event(session: Session, event_id: int, *, guild_id: int | None = None, for_update: bool = False) -> Event:
    """The event, or ``NotFound``; with ``guild_id``, events of other servers are not found either.

    ``for_update`` locks the event's row until the transaction ends.
    """
    event = session.get(Event, event_id, with_for_update=for_update)
    if event is None or (guild_id is not None and event.guild_id != guild_id):
        raise NotFound(f"There is no event #{event_id} in this server.")
    return event


async def get_event(db: Database, event_id: int, *, guild_id: int | None = None) -> Event:
    """One event by id (``NotFound`` if it is not there)."""
    return await db.read(load_event, event_id, guild_id=guild_id)


async def list_events(db: Database, guild_id: int, *, states: set[EventState] | None = None) -> Sequence[Event]:
    """The server's events, newest first, optionally only those in ``states``."""
    query = select(Event).where(Event.guild_id == guild_id)
    if states:
        query = query.where(col(Event.state).in_(states))
    return await db.read(lambda session: session.exec(query.order_by(col(Event.id).desc())).all())


RUNNING = frozenset({State.OPEN, State.PAUSED})
# Events a moderator may still work on once questions have stopped (answers, drafts, the recap).
WORKING = RUNNING | {State.CLOSED}


async def find_event(
    db: Database,
    guild_id: int,
    *,
    event_id: int | None = None,
    channel_id: int | None = None,
    states: frozenset[EventState] = RUNNING,
) -> Event:
    """The event a member means: the one named, else this channel's event in ``states`` (running,
    by default), else the server's only such event. Refuses politely when there is none, or
    several to choose from."""
    if event_id is not None:
        return await get_event(db, event_id, guild_id=guild_id)

    def candidates(session: Session) -> Sequence[Event]:
        query = select(Event).where(Event.guild_id == guild_id, col(Event.state).in_(states))
        return session.exec(query.order_by(col(Event.id))).all()

    events = await db.read(candidates)
    in_channel = [e for e in events if channel_id is not None and e.channel_id == channel_id]
    if len(in_channel) == 1:
        return in_channel[0]
    if len(events) == 1:
        return events[0]
    if not events:
        if states == RUNNING:
            raise NotFound("No event is taking questions in this server right now.")
        raise NotFound("There is no event here to do that with; name one with the `event` option.")
    raise InvalidInput("Several events are running in this server; choose one with the `event` option.")


async def create_event(
    db: Database,
    guild_id: int,
    actor: Actor,
    *,
    title: str,
    description: str = "",
    channel_id: int | None = None,
    settings: EventSettings | None = None,
    now: datetime | None = None,
) -> Event:
    """Create a draft event with the server's default settings (or ``settings``)."""
    now = now or utcnow()
    title, description = _check_title(title), _check_description(description)

    def create(session: Session) -> Event:
        require_moderator(session, guild_id, actor)
        guild = load_guild_settings(session, guild_id)
        event = Event(
            **(settings or EventSettings.model_validate(guild.event_defaults)).model_dump(),
            guild_id=guild_id,
            title=title,
            description=description,
            channel_id=channel_id or guild.qa_channel_id,
            created_by=actor.user_id,
            created_at=now,
        )
        session.add(event)
        session.flush()
        record(session, guild_id=guild_id, event_id=event.id, actor=actor, action=LedgerAction.EVENT_CREATE, at=now)
        return event

    return await db.write(create)


async def schedule_event(
    db: Database,
    event_id: int,
    actor: Actor,
    *,
    starts_at: datetime,
    ends_at: datetime,
    now: datetime | None = None,
) -> Event:
    """Set (or change) when the event starts and ends; both must be in the future, end after start."""
    now = now or utcnow()
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise InvalidInput("Start and end times need a time zone.")
    if ends_at <= starts_at:
        raise InvalidInput("The event must end after it starts.")
    if starts_at <= now:
        raise InvalidInput("The start time has already passed. Pick a time in the future, or open the event now.")
    return await _transition(db, event_id, actor, "schedule", now=now, starts_at=starts_at, ends_at=ends_at)


async def open_event(db: Database, event_id: int, actor: Actor, *, now: datetime | None = None) -> Event:
    """Open the event for questions (from draft, scheduled, or paused)."""
    return await _transition(db, event_id, actor, "open", now=now)


async def pause_event(db: Database, event_id: int, actor: Actor, *, now: datetime | None = None) -> Event:
    """Stop taking new questions for a while; votes still count."""
    return await _transition(db, event_id, actor, "pause", now=now)


async def close_event(db: Database, event_id: int, actor: Actor, *, now: datetime | None = None) -> Event:
    """End the Q&A: no more questions or votes."""
    return await _transition(db, event_id, actor, "close", now=now)


async def archive_event(db: Database, event_id: int, actor: Actor, *, now: datetime | None = None) -> Event:
    """Put a finished (or called-off) event away for good."""
    return await _transition(db, event_id, actor, "archive", now=now)


async def update_event(
    db: Database,
    event_id: int,
    actor: Actor,
    *,
    now: datetime | None = None,
    **changes: Any,
) -> Event:
    """Change an event's title, description, channel or any of its ``EventSettings``.

    Archived events cannot change; a value out of range is refused with what is allowed. With no
    ``changes`` it reads the event's rules, which only its moderators may see either (the rate
    limit and the profanity policy are what an abuser would tune against).
    """
    now = now or utcnow()
    settings_fields = set(EventSettings.model_fields)
    unknown = set(changes) - settings_fields - {"title", "description", "channel_id"}
    if unknown:
        raise InvalidInput(f"Unknown event setting: {', '.join(sorted(unknown))}.")
    if "title" in changes:
        changes["title"] = _check_title(changes["title"])
    if "description" in changes:
        changes["description"] = _check_description(changes["description"])

    def update(session: Session) -> Event:
        event = load_event(session, event_id, for_update=bool(changes))
        require_moderator(session, event.guild_id, actor)
        if not changes:
            return event
        if event.state is State.ARCHIVED:
            raise InvalidTransition(f"Event #{event.id} is archived; it can no longer change.")
        current = {name: getattr(event, name) for name in settings_fields}
        try:
            validated = EventSettings.model_validate(
                current | {k: v for k, v in changes.items() if k in settings_fields}
            )
        except ValidationError as error:
            raise InvalidInput(_describe_validation_error(error)) from None
        for name, value in changes.items():
            setattr(event, name, getattr(validated, name) if name in settings_fields else value)
        if event.trend_epoch is not None and event.trending_half_life_s != current["trending_half_life_s"]:
            # Every trending key was weighed with the old half-life.
            event.trend_epoch = rebase(session.connection(), event.id, event.trending_half_life_s, event.trend_epoch)
        session.add(event)
        record(
            session,
            guild_id=event.guild_id,
            event_id=event.id,
            actor=actor,
            action=LedgerAction.EVENT_SETTINGS,
            at=now,
            note=", ".join(f"{name}={value}" for name, value in sorted(changes.items())),
        )
        return event

    return await (db.write if changes else db.read)(update)


async def _transition(
    db: Database, event_id: int, actor: Actor, action: str, *, now: datetime | None, **fields: Any
) -> Event:
    now = now or utcnow()
    allowed_from, target, ledger_action = EVENT_TRANSITIONS[action]

    def move(session: Session) -> Event:
        event = load_event(session, event_id, for_update=True)
        require_moderator(session, event.guild_id, actor)
        if event.state not in allowed_from:
            raise InvalidTransition(f"Event #{event.id} is {_STATE_WORDS[event.state]}, so it cannot {_VERBS[action]}.")
        for name, value in fields.items():
            setattr(event, name, value)
        if target is State.OPEN and event.starts_at is None:
            # An impromptu event starts when it opens; answer times are measured from here.
            event.starts_at = now
        event.state = target
        session.add(event)
        record(session, guild_id=event.guild_id, event_id=event.id, actor=actor, action=ledger_action, at=now)
        return event

    return await db.write(move)


def _check_title(title: str) -> str:
    # As a question's text is: a title is shown beside Podium's own words, where a bidirectional
    # override or an invisible character would reorder or disguise them.
    title = normalise(title)
    if not title:
        raise InvalidInput("An event needs a title.")
    if len(title) > TITLE_MAX:
        raise InvalidInput(f"Event titles can be at most {TITLE_MAX} characters; this one has {len(title)}.")
    return title


def _check_description(description: str) -> str:
    description = normalise_block(description)
    if len(description) > DESCRIPTION_MAX:
        raise InvalidInput(
            f"Event descriptions can be at most {DESCRIPTION_MAX} characters; this one has {len(description)}."
        )
    return description


def _describe_validation_error(error: ValidationError) -> str:
    problems = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()]
    return "That setting is not valid (" + "; ".join(problems) + ")."
