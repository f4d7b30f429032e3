"""The server's own Events: a Guild Scheduled Event created, moved and ended with the event."""

from tests.harness.driver import DiscordHarness, reply_text
from tests.harness.payloads import HOST, STAGE_CHANNEL_ID, slash


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
