"""Abuse by one member: a burst of questions, votes on their own question, a banned member.

Whether a vote is answered by a private message or by the card changing is not what these tests
are about: they check what was stored, and that a refusal was explained.
"""

import re
from datetime import timedelta

from sqlmodel import func, select

from bot.services.qa.questions import get_question
from db.models import Question, Vote
from tests.cogs.steps import ask, open_event, set_up_server
from tests.harness.driver import is_ephemeral, posted, replies, reply_text
from tests.harness.payloads import MODERATOR, QA_CHANNEL_ID, audience, click, slash

LIMIT = 5
BURST = 100
SPAMMER = audience(66)


async def count(db, table, **where) -> int:
    query = select(func.count()).select_from(table).where(*(getattr(table, k) == v for k, v in where.items()))
    return await db.read(lambda session: session.exec(query).one())


def distinct_question(n: int) -> str:
    """Questions that share no word, so none is offered as a repeat of another."""
    return f"Why q{n}x{n * 7919} y{n * 104_729} z{n * 15_485_863}?"


async def test_a_burst_of_questions_stores_the_configured_limit_and_says_when_to_try_again(discord_bot):
    event_id = await open_event(discord_bot, questions_per_window=LIMIT, window_minutes=10)
    answers = []
    for n in range(BURST):
        sent = await discord_bot.send(slash(SPAMMER, "ask", text=distinct_question(n)))
        [answer] = replies(sent)
        assert is_ephemeral(answer)
        answers.append((answer["content"], posted(sent, QA_CHANNEL_ID)))

    assert await count(discord_bot.db, Question, event_id=event_id, author_id=SPAMMER.user_id) == LIMIT
    stored, refused = answers[:LIMIT], answers[LIMIT:]
    assert all(content.startswith("Thanks! Question #") and cards for content, cards in stored)
    first = await get_question(discord_bot.db, 1)
    again_at = int((first.created_at + timedelta(minutes=10)).timestamp())
    for content, cards in refused:
        assert cards == [], "a refused question posts no card"
        assert "You can ask again in" in content, content
        # A Discord timestamp, which each member's app shows in their own time zone.
        [shown] = re.findall(r"<t:(\d+):T>", content)
        assert abs(int(shown) - again_at) <= 1, (content, again_at)


async def test_self_votes_are_refused_and_not_counted(discord_bot):
    await open_event(discord_bot)
    qid = await ask(discord_bot, SPAMMER, "Is my own question the best one?")
    for _ in range(3):
        sent = await discord_bot.send(click(SPAMMER, discord_bot.card(qid), f"podium:vote:{qid}:up"))
        assert "You cannot vote on your own question." in reply_text(sent)
    assert await count(discord_bot.db, Vote, question_id=qid) == 0
    assert (await get_question(discord_bot.db, qid)).votes_up == 0


async def test_a_banned_member_can_neither_ask_nor_vote(discord_bot):
    await set_up_server(discord_bot)
    await open_event(discord_bot)
    qid = await ask(discord_bot, audience(1), "Will the levy be phased in?")
    await discord_bot.send(slash(MODERATOR, "mod ban", member=SPAMMER, reason="flooding"))

    sent = await discord_bot.send(slash(SPAMMER, "ask", text="Let me in anyway"))
    assert "A moderator has stopped you from asking questions in this event." in reply_text(sent)
    assert posted(sent, QA_CHANNEL_ID) == []
    sent = await discord_bot.send(click(SPAMMER, discord_bot.card(qid), f"podium:vote:{qid}:up"))
    assert "A moderator has stopped you from voting in this event." in reply_text(sent)
    assert await count(discord_bot.db, Question, author_id=SPAMMER.user_id) == 0
    assert await count(discord_bot.db, Vote, user_id=SPAMMER.user_id) == 0
    assert (await get_question(discord_bot.db, qid)).votes_up == 0
