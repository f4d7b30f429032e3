"""The asker is told, by DM, when their question moves on; unless they said no, or Discord refuses."""

import pytest

from tests.cogs.steps import ask, open_event, set_up_server
from tests.harness.driver import reply_text
from tests.harness.payloads import MODERATOR, audience, slash


@pytest.fixture
async def event_id(board_bot):
    await set_up_server(board_bot)
    return await open_event(board_bot)


def dm_texts(bot, member) -> list[str]:
    return [m["content"] for m in bot.fake.dms_to(member.user_id)]


def dm_attempts(bot) -> int:
    return sum(1 for r in bot.fake.requests if r.route == "POST /users/@me/channels")


async def test_the_asker_is_told_when_their_question_goes_live_and_is_answered(board_bot, event_id):
    qid = await ask(board_bot, audience(1), "What comes first?")
    await board_bot.send(slash(MODERATOR, "mod next"))
    await board_bot.send(slash(MODERATOR, "mod answered"))
    texts = dm_texts(board_bot, audience(1))
    assert texts[0].startswith(f"Your question #{qid} in “Launch of the Housing Report” is being answered now.")
    assert texts[1].startswith(f"Your question #{qid} in “Launch of the Housing Report” has been answered.")
    assert "/notify off" in texts[0]


async def test_a_member_who_turned_notices_off_gets_none(board_bot, event_id):
    sent = await board_bot.send(slash(audience(1), "notify", on=False))
    assert "No more direct messages" in reply_text(sent)
    await ask(board_bot, audience(1), "What comes first?")
    await board_bot.send(slash(MODERATOR, "mod next"))
    assert dm_texts(board_bot, audience(1)) == []
    assert dm_attempts(board_bot) == 0


async def test_a_refused_dm_is_recorded_and_not_tried_again(board_bot, event_id):
    board_bot.fake.closed_dms.add(audience(1).user_id)
    await ask(board_bot, audience(1), "What comes first?")
    await board_bot.send(slash(MODERATOR, "mod next"))
    refused = [r for r in board_bot.fake.requests if r.status == 403]
    assert len(refused) == 1, "Discord said 50007 once"
    await board_bot.send(slash(MODERATOR, "mod answered"))
    assert dm_attempts(board_bot) == 1, "not tried again"
    # Turning notices on again is the member saying they opened their DMs.
    board_bot.fake.closed_dms.clear()
    await board_bot.send(slash(audience(1), "notify", on=True))
    await ask(board_bot, audience(1), "And what comes next?")
    await board_bot.send(slash(MODERATOR, "mod next"))
    assert len(dm_texts(board_bot, audience(1))) == 1
