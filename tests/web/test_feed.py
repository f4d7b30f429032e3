"""How changes reach a followed screen: pushed when this process writes, polled when another does."""

import asyncio

from bot.services.qa import moderation
from bot.services.qa.questions import submit_question
from bot.web.feed import ScreenFeed
from db.engine import Database
from tests.factories import host, member

WAIT_S = 5
AN_HOUR = 3600.0


def live_part(update):
    return update.fragment.split('class="live"', 1)[1].split("</section>", 1)[0]


async def test_a_change_made_through_this_process_wakes_the_screen_without_waiting_for_a_poll(db, event, token):
    question = await submit_question(db, event.id, member(1), "How will the rent cap be funded?")
    # Polling once an hour: only the push can bring the change within the wait.
    feed = ScreenFeed(db, interval_s=AN_HOUR)
    screens = feed.follow(token)
    try:
        first = await asyncio.wait_for(anext(screens), WAIT_S)
        assert "The panel will take the next question shortly" in first.fragment
        await moderation.mark_live(db, question.id, host())
        update = await asyncio.wait_for(anext(screens), WAIT_S)
        assert "How will the rent cap be funded?" in live_part(update)
    finally:
        await screens.aclose()
        await feed.close()


async def test_a_change_made_by_another_process_still_arrives_by_the_poll(db, event, token):
    question = await submit_question(db, event.id, member(1), "How will the rent cap be funded?")
    feed = ScreenFeed(db, interval_s=0.1)
    screens = feed.follow(token)
    # Another process on the same database (the CLI, another shard) writes without this one knowing.
    other = Database(db.url.render_as_string(hide_password=False))
    try:
        await asyncio.wait_for(anext(screens), WAIT_S)
        await moderation.mark_live(other, question.id, host())
        update = await asyncio.wait_for(anext(screens), WAIT_S)
        assert "How will the rent cap be funded?" in live_part(update)
    finally:
        await screens.aclose()
        await feed.close()
        await other.dispose()
