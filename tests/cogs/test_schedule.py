"""The event's clock from Discord: /event schedule plans it, /event status shows it, the reminder
posts the panel."""

import asyncio
from datetime import UTC, datetime, timedelta

from bot.domain.clock import utcnow
from bot.services.qa.events import get_event, schedule_event
from tests.cogs.steps import set_up_server
from tests.factories import host
from tests.harness.driver import DiscordHarness, custom_ids, reply_text
from tests.harness.payloads import HOST, MODERATOR, MODERATORS_CHANNEL_ID, QA_CHANNEL_ID, audience, click, slash

STARTS = int(datetime(2030, 6, 1, 18, 30, tzinfo=UTC).timestamp())


async def _schedule(discord_bot: DiscordHarness) -> str:
    await discord_bot.send(slash(HOST, "event create", title="Town hall"))
    sent = await discord_bot.send(
        slash(HOST, "event schedule", event=1, start="2030-06-01 18:30", end="2030-06-01 20:00")
    )
    return reply_text(sent)


async def test_scheduling_plans_the_event_and_says_what_will_happen(discord_bot):
    text = await _schedule(discord_bot)
    assert "Scheduled #1" in text
    assert f"Reminder with the panel in the event's channel: <t:{STARTS - 15 * 60}:f>" in text
    assert f"Questions open: <t:{STARTS}:f>" in text
    assert f"Digest to the moderators: every 15 min, next <t:{STARTS + 15 * 60}:f>" in text
    assert f"Questions close: <t:{STARTS + 90 * 60}:f>" in text
    assert f"Recap draft to the moderators: <t:{STARTS + 100 * 60}:f>" in text
    assert "Recap posted" not in text  # automatic posting is off by default


async def test_status_shows_the_jobs_pauses_digests_and_forgets_an_archived_event(discord_bot):
    await _schedule(discord_bot)
    text = reply_text(await discord_bot.send(slash(HOST, "event status", event=1)))
    assert text.startswith("#1 **Town hall** (scheduled)")
    assert text.index("Reminder") < text.index("Questions open") < text.index("Digest") < text.index("Recap")

    text = reply_text(await discord_bot.send(slash(HOST, "event status", event=1, digests="pause")))
    assert "Digest to the moderators: paused" in text
    text = reply_text(await discord_bot.send(slash(HOST, "event status", event=1, digests="resume")))
    assert f"every 15 min, next <t:{STARTS + 15 * 60}:f>" in text

    await discord_bot.send(slash(HOST, "event archive", event=1))
    text = reply_text(await discord_bot.send(slash(HOST, "event status", event=1)))
    assert "Nothing is planned" in text


async def test_members_cannot_read_the_clock(discord_bot):
    await _schedule(discord_bot)
    sent = await discord_bot.send(slash(audience(1), "event status", event=1))
    assert reply_text(sent) == "Only this server's Podium moderators can do that."


async def test_the_reminder_posts_the_event_panel_with_its_ask_button(db):
    harness = DiscordHarness(db)
    harness.settings = harness.settings.model_copy(update={"reminder_minutes": 0.005})  # 0.3 s
    async with harness as discord_bot:
        await discord_bot.send(slash(HOST, "event create", title="Town hall"))
        starts = utcnow() + timedelta(seconds=0.5)
        event = await schedule_event(db, 1, host(), starts_at=starts, ends_at=starts + timedelta(hours=1))
        mark = discord_bot.fake.mark()
        await discord_bot.bot.clock.follow(event)
        for _ in range(200):
            panels = [m for m in discord_bot.fake.messages.values() if custom_ids(m) == ["podium:ask:1"]]
            if panels and (await get_event(db, 1)).state.value == "open":
                break
            await asyncio.sleep(0.05)
        [panel] = panels
        assert int(panel["channel_id"]) == QA_CHANNEL_ID
        assert panel["embeds"][0]["title"] == "Ask the panel: Town hall"
        assert panel["content"].startswith("Questions open <t:")
        assert any(r.path.startswith(f"/channels/{QA_CHANNEL_ID}/messages/pins/") for r in discord_bot.fake.since(mark))


async def test_the_clock_delivers_the_recap_for_approval_and_a_moderator_posts_it(db):
    harness = DiscordHarness(db)
    harness.settings = harness.settings.model_copy(
        update={"reminder_minutes": 0, "recap_delay_minutes": 0.005, "digest_interval_minutes": 0}
    )
    async with harness as discord_bot:
        await set_up_server(discord_bot)
        await discord_bot.send(slash(HOST, "event create", title="Town hall"))
        starts = utcnow() + timedelta(seconds=0.3)
        event = await schedule_event(db, 1, host(), starts_at=starts, ends_at=starts + timedelta(seconds=0.6))
        await discord_bot.bot.clock.follow(event)
        delivered = []
        for _ in range(200):
            delivered = [
                m
                for m in discord_bot.fake.messages.values()
                if int(m["channel_id"]) == MODERATORS_CHANNEL_ID and m["components"]
            ]
            if delivered:
                break
            await asyncio.sleep(0.05)
        [recap] = delivered
        assert recap["content"].startswith("**Recap** of event #1")
        approve = next(c for c in custom_ids(recap) if c.startswith("podium:recap:approve:"))
        sent = await discord_bot.send(click(MODERATOR, recap, approve))
        assert "approved and posted" in reply_text(sent)
        assert [r for r in sent if r.method == "POST" and r.path == f"/channels/{QA_CHANNEL_ID}/messages"]
