"""Running events from Discord: /event, and the server's /podium-setup."""

from bot.domain.enums import EventState
from bot.services.qa.events import get_event
from bot.services.qa.guilds import guild_settings
from tests.cogs.steps import open_event, set_up_server
from tests.harness.driver import callback, custom_ids, posted, reply_text, texts
from tests.harness.payloads import (
    GUILD_ID,
    HOST,
    MODERATOR,
    MODERATOR_ROLE_ID,
    QA_CHANNEL_ID,
    audience,
    autocomplete,
    slash,
)


async def test_the_life_of_an_event(discord_bot):
    sent = await discord_bot.send(slash(HOST, "event create", title="Town hall", description="Budget questions"))
    assert "Created #1 **Town hall** (draft)" in reply_text(sent)
    sent = await discord_bot.send(slash(HOST, "event open", event=1))
    [board] = posted(sent, QA_CHANNEL_ID)
    assert texts(board).startswith("## Town hall\n🟢 Taking questions")
    assert custom_ids(board) == ["podium:ask:1", "podium:browse:1", "podium:mine:1"]
    assert any("pins" in r.path for r in sent)
    for command, state in (
        ("pause", EventState.PAUSED),
        ("open", EventState.OPEN),
        ("close", EventState.CLOSED),
        ("archive", EventState.ARCHIVED),
    ):
        await discord_bot.send(slash(HOST, f"event {command}", event=1))
        assert (await get_event(discord_bot.db, 1)).state is state
    sent = await discord_bot.send(slash(HOST, "event list"))
    assert "#1 **Town hall** (archived)" in reply_text(sent)


async def test_resuming_a_paused_event_posts_no_second_panel(discord_bot):
    await open_event(discord_bot)
    await discord_bot.send(slash(HOST, "event pause", event=1))
    sent = await discord_bot.send(slash(HOST, "event open", event=1))
    assert posted(sent, QA_CHANNEL_ID) == []


async def test_illegal_moves_are_explained(discord_bot):
    await discord_bot.send(slash(HOST, "event create", title="Town hall"))
    sent = await discord_bot.send(slash(HOST, "event close", event=1))
    assert reply_text(sent) == "Event #1 is a draft, so it cannot be closed."


async def test_members_cannot_run_events(discord_bot):
    sent = await discord_bot.send(slash(audience(1), "event create", title="My own show"))
    assert reply_text(sent) == "Only this server's Podium moderators can do that."


async def test_schedule_reads_times_in_the_servers_time_zone(discord_bot):
    await discord_bot.send(slash(HOST, "podium-setup", timezone="Europe/Paris"))
    await discord_bot.send(slash(HOST, "event create", title="Town hall"))
    sent = await discord_bot.send(
        slash(HOST, "event schedule", event=1, start="2030-06-01 18:30", end="2030-06-01 20:00")
    )
    assert "Scheduled #1" in reply_text(sent)
    event = await get_event(discord_bot.db, 1)
    assert event.starts_at.isoformat() == "2030-06-01T16:30:00+00:00"
    sent = await discord_bot.send(slash(HOST, "event schedule", event=1, start="tomorrow", end="later"))
    assert "Write it like 2026-12-01 18:30 (Europe/Paris)" in reply_text(sent)


async def test_settings_change_the_rules_and_show_them(discord_bot):
    await discord_bot.send(slash(HOST, "event create", title="Town hall"))
    sent = await discord_bot.send(slash(HOST, "event settings", event=1, premoderation=True, max_length=280))
    text = reply_text(sent)
    assert "Pre-moderation: on" in text
    assert "Longest question: 280 characters" in text


async def test_event_autocomplete_offers_the_servers_events(discord_bot):
    await discord_bot.send(slash(HOST, "event create", title="Housing report"))
    await discord_bot.send(slash(HOST, "event create", title="Climate town hall"))
    sent = await discord_bot.send(autocomplete(HOST, "event open", "event", "clim"))
    choices = callback(sent)["data"]["choices"]
    assert choices == [{"name": "#2 Climate town hall (draft)", "value": 2}]


async def test_setup_names_moderator_roles_and_channels(discord_bot):
    await set_up_server(discord_bot)
    settings = await guild_settings(discord_bot.db, GUILD_ID)
    assert settings.moderator_role_ids == [MODERATOR_ROLE_ID]
    sent = await discord_bot.send(slash(MODERATOR, "event create", title="Run by a role"))
    assert "Created #1" in reply_text(sent)
    sent = await discord_bot.send(slash(MODERATOR, "podium-setup", timezone="UTC"))
    assert "Manage Server" in reply_text(sent)
