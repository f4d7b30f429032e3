"""The server's own Events: a Guild Scheduled Event created, moved and ended with the event; and on a
Stage, its topic naming the question being answered."""

from tests.cogs.steps import ask
from tests.harness.driver import DiscordHarness, reply_text
from tests.harness.fake_discord import stage_instance_problems
from tests.harness.payloads import HOST, STAGE_CHANNEL_ID, audience, click, slash


async def schedule(bot: DiscordHarness, start: str, end: str, **options) -> str:
    payload = slash(HOST, "event schedule", event=1, start=start, end=end, **options)
    if "venue" in options:
        channel = {"id": str(STAGE_CHANNEL_ID), "type": 13, "name": "stage", "permissions": "0"}
        payload["data"]["options"][0]["options"][-1] = {"name": "venue", "type": 7, "value": str(STAGE_CHANNEL_ID)}
        payload["data"]["resolved"] = {"channels": {str(STAGE_CHANNEL_ID): channel}}
    return reply_text(await bot.send(payload))


async def test_scheduling_creates_moves_and_cancels_the_servers_event(board_bot):
    await board_bot.send(slash(HOST, "event create", title="Town hall", description="Budget questions"))
    text = await schedule(board_bot, "2030-06-01 18:30", "2030-06-01 20:00", location="The Guildhall, York")
    assert "in the server's Events too" in text
    [made] = board_bot.fake.scheduled_events.values()
    assert made["name"] == "Town hall"
    assert made["description"] == "Budget questions"
    assert (made["entity_type"], made["channel_id"]) == (3, None)
    assert made["entity_metadata"] == {"location": "The Guildhall, York"}
    assert made["scheduled_start_time"] == "2030-06-01T18:30:00+00:00"
    await schedule(board_bot, "2030-06-02 18:30", "2030-06-02 20:00")
    [moved] = board_bot.fake.scheduled_events.values()
    assert moved["id"] == made["id"], "the same event, moved"
    assert moved["scheduled_start_time"] == "2030-06-02T18:30:00+00:00"
    await board_bot.send(slash(HOST, "event archive", event=1))
    [cancelled] = board_bot.fake.scheduled_events.values()
    assert cancelled["status"] == 4


async def test_a_stage_event_names_the_stage(board_bot):
    await board_bot.send(slash(HOST, "event create", title="Town hall"))
    await schedule(board_bot, "2030-06-01 18:30", "2030-06-01 20:00", venue="stage")
    [made] = board_bot.fake.scheduled_events.values()
    assert (made["entity_type"], made["channel_id"]) == (1, str(STAGE_CHANNEL_ID))


async def test_without_the_permission_podium_says_which_to_grant_and_goes_on(board_bot):
    board_bot.fake.events_forbidden = True
    await board_bot.send(slash(HOST, "event create", title="Town hall"))
    text = await schedule(board_bot, "2030-06-01 18:30", "2030-06-01 20:00", venue="stage")
    assert "Scheduled #1" in text
    assert "grant it Create Events, and on the Stage Manage Channels, Mute Members and Move Members" in text
    text = await schedule(board_bot, "2030-06-02 18:30", "2030-06-02 20:00")
    assert "grant it Create Events, then schedule it again" in text


async def open_on_stage(bot: DiscordHarness) -> str:
    """The host schedules the event on the Stage, then opens it; returns Discord's Event id."""
    await bot.send(slash(HOST, "event create", title="Town hall"))
    await schedule(bot, "2030-06-01 18:30", "2030-06-01 20:00", venue="stage")
    await bot.send(slash(HOST, "event open", event=1))
    [made] = bot.fake.scheduled_events.values()
    return made["id"]


async def test_on_a_stage_the_topic_names_the_question_being_answered(board_bot):
    discord_event_id = await open_on_stage(board_bot)
    long = "How soon would tenants in the cities see lower rents than they pay today, if the councils fund the cap?"
    second = await ask(board_bot, audience(2), "Who builds the homes?")
    first = await ask(board_bot, audience(1), long)
    await board_bot.send(click(audience(3), board_bot.board(1), f"podium:board:1:up:{first}"))  # the top one
    text = reply_text(await board_bot.send(slash(HOST, "mod next")))
    assert f"Question #{first} is being answered now" in text
    stage = board_bot.fake.stages[STAGE_CHANNEL_ID]
    assert stage["topic"].startswith(f"Now answering #{first}: How soon would tenants in the cities")
    assert stage["topic"].endswith("…"), "clipped to Discord's 120 characters"
    assert len(stage["topic"]) <= 120
    assert stage["guild_scheduled_event_id"] == discord_event_id, "the Stage is the server's Event, started"
    await board_bot.send(slash(HOST, "mod next"))
    stage = board_bot.fake.stages[STAGE_CHANNEL_ID]
    assert stage["topic"] == f"Now answering #{second}: Who builds the homes?"
    stage_requests = [r.route for r in board_bot.fake.requests if "stage-instances" in r.path]
    assert stage_requests == [
        "PATCH /stage-instances/" + str(STAGE_CHANNEL_ID),  # not live yet: 10067
        "POST /stage-instances",
        "PATCH /stage-instances/" + str(STAGE_CHANNEL_ID),
    ]
    assert [r.status for r in board_bot.fake.requests if "stage-instances" in r.path] == [404, 200, 200]


async def test_without_the_stage_permissions_the_moderator_is_told_which_to_grant(board_bot):
    await open_on_stage(board_bot)
    board_bot.fake.stages_forbidden = True
    qid = await ask(board_bot, audience(1), "Who builds the homes?")
    text = reply_text(await board_bot.send(slash(HOST, "mod next")))
    assert f"Question #{qid} is being answered now" in text, "the question is live all the same"
    assert "grant Podium Manage Channels, Mute Members and Move Members on the Stage" in text
    assert board_bot.fake.stages == {}


async def test_off_a_stage_the_topic_is_left_alone(board_bot):
    await board_bot.send(slash(HOST, "event create", title="Town hall"))
    await board_bot.send(slash(HOST, "event open", event=1))
    await ask(board_bot, audience(1), "Who builds the homes?")
    await board_bot.send(slash(HOST, "mod next"))
    assert not [r for r in board_bot.fake.requests if "stage-instances" in r.path]


def test_the_fake_refuses_what_discord_refuses_in_a_stage_instance():
    assert stage_instance_problems({"channel_id": "1", "topic": "x" * 121}, creates=True) == [
        "topic: 1 to 120 characters"
    ]
    assert stage_instance_problems({"topic": "Now"}, creates=True) == ["channel_id is required"]
    assert stage_instance_problems({"channel_id": "1", "topic": "Now", "privacy_level": 1}, creates=True) == [
        "privacy_level: GUILD_ONLY (2); PUBLIC is deprecated"
    ]
    assert stage_instance_problems({"topic": "Now", "channel_id": "1"}, creates=False) == [
        "channel_id: not a field of this request"
    ]
    assert stage_instance_problems({"topic": ""}, creates=False) == ["topic: 1 to 120 characters"]
