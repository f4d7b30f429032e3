"""Events: who may run them, and the only ways their state may move."""

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.actors import Actor
from bot.domain.enums import EventState, LedgerAction
from bot.domain.errors import InvalidInput, InvalidTransition, NotAllowed, NotFound
from bot.domain.transitions import EVENT_TRANSITIONS
from bot.services.qa import events
from bot.services.qa.guilds import update_guild_settings
from bot.services.records.ledger import event_ledger
from tests.factories import GUILD_ID, MODERATOR_ROLE_ID, member

LATER = datetime.now(UTC) + timedelta(days=1)

# Every state an event can be in, and the only actions that may move it from there.
LEGAL = {
    EventState.DRAFT: {"schedule", "open", "archive"},
    EventState.SCHEDULED: {"schedule", "open", "archive"},
    EventState.OPEN: {"pause", "close"},
    EventState.PAUSED: {"open", "close"},
    EventState.CLOSED: {"archive"},
    EventState.ARCHIVED: set(),
}
# A way to reach each state from a fresh draft.
PATH = {
    EventState.DRAFT: [],
    EventState.SCHEDULED: ["schedule"],
    EventState.OPEN: ["open"],
    EventState.PAUSED: ["open", "pause"],
    EventState.CLOSED: ["open", "close"],
    EventState.ARCHIVED: ["open", "close", "archive"],
}


async def act(db, event_id, actor, action):
    if action == "schedule":
        return await events.schedule_event(db, event_id, actor, starts_at=LATER, ends_at=LATER + timedelta(hours=1))
    return await getattr(events, f"{action}_event")(db, event_id, actor)


async def event_in(db, moderator, state):
    event = await events.create_event(db, GUILD_ID, moderator, title="Town hall")
    for action in PATH[state]:
        event = await act(db, event.id, moderator, action)
    assert event.state is state
    return event


async def test_a_new_event_is_a_draft_with_the_servers_defaults(db, moderator):
    await update_guild_settings(db, GUILD_ID, moderator, qa_channel_id=123, event_defaults={"premoderation": True})
    event = await events.create_event(db, GUILD_ID, moderator, title="  Budget   AMA ")
    assert event.state is EventState.DRAFT
    assert event.title == "Budget AMA"
    assert event.premoderation is True
    assert event.channel_id == 123
    assert [e.action for e in await event_ledger(db, event.id)] == [LedgerAction.EVENT_CREATE]


async def test_changing_one_default_keeps_the_others(db, moderator):
    await update_guild_settings(db, GUILD_ID, moderator, event_defaults={"premoderation": True})
    settings = await update_guild_settings(db, GUILD_ID, moderator, event_defaults={"question_cards": True})
    assert settings.event_defaults["premoderation"] is True
    assert settings.event_defaults["question_cards"] is True


async def test_an_impossible_default_is_refused_and_changes_nothing(db, moderator):
    await update_guild_settings(db, GUILD_ID, moderator, event_defaults={"max_question_length": 300})
    with pytest.raises(InvalidInput, match="Not a valid default for new events: max_question_length"):
        await update_guild_settings(db, GUILD_ID, moderator, event_defaults={"max_question_length": 5})
    event = await events.create_event(db, GUILD_ID, moderator, title="Town hall")
    assert event.max_question_length == 300


async def test_members_with_a_moderator_role_may_create_events(db, moderator):
    await update_guild_settings(db, GUILD_ID, moderator, moderator_role_ids=[MODERATOR_ROLE_ID])
    event = await events.create_event(db, GUILD_ID, member(2, roles=frozenset({MODERATOR_ROLE_ID})), title="Town hall")
    assert event.id is not None


async def test_other_members_may_not_create_events(db):
    with pytest.raises(NotAllowed, match="Only this server's Podium moderators"):
        await events.create_event(db, GUILD_ID, member(2), title="Town hall")


async def test_only_manage_server_changes_the_servers_settings(db):
    with pytest.raises(NotAllowed, match="Manage Server"):
        await update_guild_settings(db, GUILD_ID, member(2, roles=frozenset({MODERATOR_ROLE_ID})), timezone="UTC")


async def test_an_unknown_timezone_is_refused(db, moderator):
    with pytest.raises(InvalidInput, match="not a time zone"):
        await update_guild_settings(db, GUILD_ID, moderator, timezone="Mars/Olympus")


@pytest.mark.parametrize(
    ("state", "action"),
    [(state, action) for state in EventState for action in EVENT_TRANSITIONS if action in LEGAL[state]],
)
async def test_legal_transitions_move_the_event_and_are_recorded(db, moderator, state, action):
    event = await event_in(db, moderator, state)
    moved = await act(db, event.id, moderator, action)
    assert moved.state is EVENT_TRANSITIONS[action][1]
    assert (await event_ledger(db, event.id))[-1].action is EVENT_TRANSITIONS[action][2]


@pytest.mark.parametrize(
    ("state", "action"),
    [(state, action) for state in EventState for action in EVENT_TRANSITIONS if action not in LEGAL[state]],
)
async def test_every_illegal_transition_is_refused_and_changes_nothing(db, moderator, state, action):
    event = await event_in(db, moderator, state)
    with pytest.raises(InvalidTransition, match=f"is {events._STATE_WORDS[state]}, so it cannot be {action}"):
        await act(db, event.id, moderator, action)
    assert (await events.get_event(db, event.id)).state is state


async def test_opening_an_unscheduled_event_starts_its_clock(db, moderator):
    event = await events.create_event(db, GUILD_ID, moderator, title="Town hall")
    at = datetime(2026, 5, 1, 18, 0, tzinfo=UTC)
    opened = await events.open_event(db, event.id, moderator, now=at)
    assert opened.starts_at == at


async def test_schedule_needs_an_end_after_a_future_start(db, moderator):
    event = await events.create_event(db, GUILD_ID, moderator, title="Town hall")
    with pytest.raises(InvalidInput, match="end after it starts"):
        await events.schedule_event(db, event.id, moderator, starts_at=LATER, ends_at=LATER)
    past = datetime.now(UTC) - timedelta(hours=1)
    with pytest.raises(InvalidInput, match="already passed"):
        await events.schedule_event(db, event.id, moderator, starts_at=past, ends_at=LATER)


async def test_times_come_back_timezone_aware_utc(db, moderator):
    event = await events.create_event(db, GUILD_ID, moderator, title="Town hall")
    paris = LATER.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Paris"))
    await events.schedule_event(db, event.id, moderator, starts_at=paris, ends_at=paris + timedelta(hours=2))
    stored = await events.get_event(db, event.id)
    assert stored.starts_at == LATER
    assert stored.starts_at.tzinfo is not None
    assert stored.starts_at.utcoffset() == timedelta(0)


async def test_non_moderators_cannot_move_an_event(db, moderator):
    event = await events.create_event(db, GUILD_ID, moderator, title="Town hall")
    with pytest.raises(NotAllowed):
        await events.open_event(db, event.id, member(2))
    assert (await events.get_event(db, event.id)).state is EventState.DRAFT


async def test_settings_change_within_their_limits(db, moderator):
    event = await events.create_event(db, GUILD_ID, moderator, title="Town hall")
    changed = await events.update_event(db, event.id, moderator, max_question_length=280, allow_downvotes=True)
    assert (changed.max_question_length, changed.allow_downvotes) == (280, True)
    with pytest.raises(InvalidInput, match="max_question_length"):
        await events.update_event(db, event.id, moderator, max_question_length=5)
    with pytest.raises(InvalidInput, match="Unknown event setting: colour"):
        await events.update_event(db, event.id, moderator, colour="red")
    assert (await events.get_event(db, event.id)).max_question_length == 280


async def test_an_archived_event_cannot_change(db, moderator):
    event = await event_in(db, moderator, EventState.ARCHIVED)
    with pytest.raises(InvalidTransition, match="archived"):
        await events.update_event(db, event.id, moderator, title="New title")


async def test_titles_are_required_and_bounded(db, moderator):
    with pytest.raises(InvalidInput, match="needs a title"):
        await events.create_event(db, GUILD_ID, moderator, title="   ")
    with pytest.raises(InvalidInput, match="at most 100 characters"):
        await events.create_event(db, GUILD_ID, moderator, title="x" * 101)


async def test_events_of_another_server_are_not_found(db, moderator):
    event = await events.create_event(db, GUILD_ID, moderator, title="Town hall")
    with pytest.raises(NotFound):
        await events.get_event(db, event.id, guild_id=GUILD_ID + 1)
    assert [e.id for e in await events.list_events(db, GUILD_ID)] == [event.id]
    assert await events.list_events(db, GUILD_ID, states={EventState.OPEN}) == []


async def test_find_event_picks_the_named_then_the_channels_then_the_only_running_event(db, moderator):
    with pytest.raises(NotFound, match="No event is taking questions"):
        await events.find_event(db, GUILD_ID)
    first = await events.create_event(db, GUILD_ID, moderator, title="Main stage", channel_id=10)
    await events.open_event(db, first.id, moderator)
    assert (await events.find_event(db, GUILD_ID)).id == first.id
    second = await events.create_event(db, GUILD_ID, moderator, title="Side room", channel_id=20)
    await events.open_event(db, second.id, moderator)
    with pytest.raises(InvalidInput, match="choose one with the `event` option"):
        await events.find_event(db, GUILD_ID)
    assert (await events.find_event(db, GUILD_ID, channel_id=20)).id == second.id
    assert (await events.find_event(db, GUILD_ID, event_id=first.id, channel_id=20)).id == first.id


async def test_manage_server_elsewhere_gives_no_rights_here(db, moderator):
    event = await events.create_event(db, GUILD_ID, moderator, title="Town hall")
    owner_of_another_server = Actor(user_id=5, display_name="Other owner", manages_guild=True, guild_id=GUILD_ID + 1)
    with pytest.raises(NotAllowed):
        await events.open_event(db, event.id, owner_of_another_server)


async def test_find_event_can_look_at_closed_events_for_work_after_the_qa(db, moderator):
    event = await events.create_event(db, GUILD_ID, moderator, title="Main stage")
    await events.open_event(db, event.id, moderator)
    await events.close_event(db, event.id, moderator)
    with pytest.raises(NotFound, match="No event is taking questions"):
        await events.find_event(db, GUILD_ID)
    assert (await events.find_event(db, GUILD_ID, states=events.WORKING)).id == event.id
