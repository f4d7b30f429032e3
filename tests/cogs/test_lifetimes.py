"""What the bot keeps in memory for an event lives as long as the event runs; what it loads at its
start, as long as the bot, out of the garbage collector's way."""

import gc
import weakref

from tests.cogs.steps import ask, open_event, set_up_server
from tests.harness.driver import DiscordHarness
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


class _Cycle:
    """Garbage only the cyclic collector frees: it refers to itself."""

    def __init__(self) -> None:
        self.me = self


async def test_a_started_bot_has_frozen_what_it_loaded_and_freed_its_garbage_first(db):
    # What the bot loads at its start lives as long as it does; frozen, the collector's full
    # collections in a burst walk only what came after (bot/app.py, setup_hook). Automatic
    # collections are off here, so only the start's own can free the garbage left before it.
    was_enabled = gc.isenabled()
    gc.disable()
    gc.unfreeze()
    leftover = _Cycle()
    gone = weakref.ref(leftover)
    del leftover
    try:
        assert gc.get_freeze_count() == 0
        async with DiscordHarness(db):
            assert gc.get_freeze_count() > 0, "the start froze the collector's survivors"
            assert gone() is None, "the start collected its garbage before freezing, not kept it for good"
    finally:
        gc.unfreeze()
        if was_enabled:
            gc.enable()
