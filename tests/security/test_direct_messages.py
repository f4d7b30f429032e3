"""Interactions from outside a server: a button, form or command forged in a direct message.

Discord sends such an interaction with a ``user`` and no ``guild_id`` or ``member``. Podium's rules
are a server's rules, so a stranger acting from a DM must act in none: no vote counts, no question
is stored or posted, no event's settings are shown; each gets one polite line.
"""

from typing import Any

from sqlmodel import func, select

from db.models import Question, Vote
from tests.cogs.steps import ask, open_event, set_up_server
from tests.harness.driver import custom_ids, posted, reply_text
from tests.harness.payloads import QA_CHANNEL_ID, audience, click, slash

STRANGER = audience(77)
DM_CHANNEL_ID = 444_444_444_444_444_444
OUTSIDE = "Podium works inside a server, not in direct messages."


def in_a_dm(payload: dict[str, Any]) -> dict[str, Any]:
    """The same interaction as Discord sends it from a direct message with the bot."""
    dm = {key: value for key, value in payload.items() if key not in ("guild_id", "member", "guild_locale")}
    dm["user"] = payload["member"]["user"]
    dm["channel_id"] = str(DM_CHANNEL_ID)
    dm["channel"] = {"id": str(DM_CHANNEL_ID), "type": 1, "recipients": [dm["user"]]}
    dm["context"] = 1
    dm["authorizing_integration_owners"] = {"1": dm["user"]["id"]}
    return dm


async def count(bot, table) -> int:
    return await bot.db.read(lambda s: s.exec(select(func.count()).select_from(table)).one())


async def test_a_vote_forged_in_a_dm_does_not_count(discord_bot):
    event_id = await open_event(discord_bot)
    qid = await ask(discord_bot, audience(1), "Will the levy be phased in?")
    sent = await discord_bot.send(in_a_dm(click(STRANGER, discord_bot.card(qid), f"podium:vote:{qid}:up")))
    assert OUTSIDE in reply_text(sent)
    # The board's and Browse's votes are answered from the payload (``bot.discord.clicks``).
    board = discord_bot.board(event_id)
    for custom_id in (f"podium:board:{event_id}:up:{qid}", f"podium:br:{event_id}:p:0:vote{qid}"):
        sent = await discord_bot.send(in_a_dm(click(STRANGER, board, custom_id)))
        assert OUTSIDE in reply_text(sent)
    assert await count(discord_bot, Vote) == 0


async def test_a_question_asked_from_a_dm_is_neither_stored_nor_posted(discord_bot):
    event_id = await open_event(discord_bot)
    for payload in (
        slash(STRANGER, "ask", text="Who pays for the rail line?", event=event_id),
        slash(STRANGER, "ask", text="Who pays for the rail line?"),
    ):
        sent = await discord_bot.send(in_a_dm(payload))
        assert OUTSIDE in reply_text(sent)
        assert posted(sent, QA_CHANNEL_ID) == []
    assert await count(discord_bot, Question) == 0


async def test_the_ask_form_submitted_from_a_dm_is_refused(discord_bot):
    event_id = await open_event(discord_bot)
    [panel] = [m for m in discord_bot.fake.messages.values() if f"podium:ask:{event_id}" in custom_ids(m)]
    sent = await discord_bot.send(in_a_dm(click(STRANGER, panel, f"podium:ask:{event_id}")))
    assert OUTSIDE in reply_text(sent)
    assert await count(discord_bot, Question) == 0


async def test_an_events_settings_are_not_shown_in_a_dm(discord_bot):
    await set_up_server(discord_bot)
    event_id = await open_event(discord_bot, questions_per_window=3)
    sent = await discord_bot.send(in_a_dm(slash(STRANGER, "event settings", event=event_id)))
    assert "Rate limit" not in reply_text(sent)
    assert OUTSIDE in reply_text(sent)


async def test_an_events_settings_are_for_its_moderators_only(discord_bot):
    await set_up_server(discord_bot)
    event_id = await open_event(discord_bot, questions_per_window=3)
    sent = await discord_bot.send(slash(audience(5), "event settings", event=event_id))
    assert reply_text(sent) == "Only this server's Podium moderators can do that."
