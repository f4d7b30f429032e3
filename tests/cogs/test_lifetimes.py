"""What the bot keeps in memory for an event lives as long as the event runs."""

from tests.cogs.steps import ask, open_event, set_up_server
from tests.harness.payloads import HOST, audience, slash


async def test_fifty_events_opened_and_closed_leave_no_similarity_index_behind(discord_bot):
    await set_up_server(discord_bot)
    index = discord_bot.bot.podium.similar
    for n in range(50):
        event_id = await open_event(discord_bot)
        # Asking looks for similar questions, which loads the event's index.
        await ask(discord_bot, audience(n), f"How will district {n} pay for {n * 7919} new homes?")
        assert event_id in index._events
        await discord_bot.send(slash(HOST, "event close", event=event_id))
        assert event_id not in index._events, f"event #{event_id} is closed but its index is still in memory"
    assert index._events == {}
