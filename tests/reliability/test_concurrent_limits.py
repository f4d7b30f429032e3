"""Limits hold under concurrency: one member's fifty simultaneous asks, on both backends.

The rate limit counts the member's recent questions. Two transactions on PostgreSQL, each counting
before the other commits, would both pass, so fifty at once stored 10-15 with a limit of 5.
The interactions are delivered all at once, as a gateway would, and only then awaited.
"""

from sqlmodel import func, select

from db.models import Question
from tests.cogs.steps import open_event, set_up_server
from tests.harness.driver import reply_text
from tests.harness.payloads import audience, chat_message, message_command, slash

LIMIT = 5
AT_ONCE = 50
MEMBER = audience(60)


async def questions_by(bot, column, user_id) -> int:
    query = select(func.count()).select_from(Question).where(column == user_id)
    return await bot.db.read(lambda s: s.exec(query).one())


async def all_at_once(bot, payloads) -> str:
    mark = bot.fake.mark()
    for payload in payloads:
        bot.deliver(payload)
    await bot.settle()
    return reply_text(bot.fake.since(mark))


async def test_fifty_simultaneous_asks_by_one_member_store_the_limit(discord_bot):
    await open_event(discord_bot, questions_per_window=LIMIT, window_minutes=10)
    texts = [f"Distinct topic q{n}x{n * 7919} y{n * 104_729}?" for n in range(AT_ONCE)]
    answers = await all_at_once(discord_bot, [slash(MEMBER, "ask", text=text) for text in texts])
    assert await questions_by(discord_bot, Question.author_id, MEMBER.user_id) == LIMIT
    assert answers.count("Thanks! Question #") == LIMIT
    assert answers.count("You can ask again in") == AT_ONCE - LIMIT


async def test_fifty_simultaneous_forwards_by_one_member_store_the_limit(discord_bot):
    await set_up_server(discord_bot)
    await open_event(discord_bot, questions_per_window=LIMIT, window_minutes=10)
    messages = [chat_message(audience(200 + n), f"Topic f{n}x{n * 7919} y{n * 104_729}?") for n in range(AT_ONCE)]
    answers = await all_at_once(discord_bot, [message_command(MEMBER, "Ask the panel", m) for m in messages])
    assert await questions_by(discord_bot, Question.forwarded_by, MEMBER.user_id) == LIMIT
    assert answers.count("You can ask again in") == AT_ONCE - LIMIT
