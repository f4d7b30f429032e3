"""Buttons keep working after the bot restarts: a new process on the same database handles them."""

from bot.services.qa.questions import get_question
from db.engine import Database
from tests.cogs.steps import ask, open_event
from tests.harness.driver import DiscordHarness, callback, reply_text
from tests.harness.payloads import audience, click


async def test_a_card_posted_before_a_restart_still_takes_votes(db):
    url = db.url.render_as_string(hide_password=False)
    async with DiscordHarness(Database(url), question_cards=True) as before:
        await open_event(before)
        qid = await ask(before, audience(1), "Does this survive a restart?")
        card = before.card(qid)
    # A new process: its own connections, its own discord.py state, the same database.
    async with DiscordHarness(Database(url), question_cards=True) as after:
        sent = await after.send(click(audience(2), card, f"podium:vote:{qid}:up"))
        assert "counts" in reply_text(sent)
        assert callback(sent)["data"]["components"][0]["components"][0]["label"] == "▲ 1"
    assert (await get_question(db, qid)).votes_up == 1
