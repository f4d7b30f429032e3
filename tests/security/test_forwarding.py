""" "Ask the panel" on someone else's chat message: the forwarder asks, so every rule that holds for
an ask holds for them (bans, rate limits), and nobody is published as "asked by" someone who never
asked: not the bot, not a moderator, not a banned member, not a message from another channel.
A forwarded message waits for a moderator's review (its author never chose to ask it), unless a
moderator forwarded it; its credited author may withdraw it.
"""

from sqlmodel import func, select

from bot.domain.enums import LedgerAction, QuestionStatus
from bot.services.records.ledger import event_ledger
from db.models import Question
from tests.cogs.steps import open_event, set_up_server
from tests.harness.driver import posted, reply_text
from tests.harness.fake_discord import APPLICATION_ID
from tests.harness.payloads import (
    MODERATOR,
    MODERATORS_CHANNEL_ID,
    QA_CHANNEL_ID,
    audience,
    chat_message,
    message_command,
    slash,
)

FORWARDER = audience(30)
AUTHOR = audience(31)


def forward(person, message):
    return message_command(person, "Ask the panel", message)


async def stored(bot) -> list[Question]:
    return list(await bot.db.read(lambda s: s.exec(select(Question).order_by(Question.id)).all()))


async def test_a_banned_member_cannot_forward_others_messages(discord_bot):
    await set_up_server(discord_bot)
    await open_event(discord_bot)
    await discord_bot.send(slash(MODERATOR, "mod ban", member=FORWARDER, reason="flooding"))
    for n in range(3):
        sent = await discord_bot.send(forward(FORWARDER, chat_message(audience(40 + n), f"Who pays for part {n}?")))
        assert "A moderator has stopped you from asking questions in this event." in reply_text(sent)
    assert await stored(discord_bot) == []


async def test_a_banned_members_message_cannot_be_forwarded_by_someone_else(discord_bot):
    await set_up_server(discord_bot)
    await open_event(discord_bot)
    await discord_bot.send(slash(MODERATOR, "mod ban", member=AUTHOR, reason="flooding"))
    sent = await discord_bot.send(forward(FORWARDER, chat_message(AUTHOR, "Let me in anyway?")))
    assert "stopped the author of that message from asking" in reply_text(sent)
    assert await stored(discord_bot) == []


async def test_forwards_count_towards_the_forwarders_rate_limit_not_the_authors(discord_bot):
    await set_up_server(discord_bot)
    await open_event(discord_bot, questions_per_window=3, window_minutes=10)
    answers = []
    for n in range(30):
        message = chat_message(audience(100 + n), f"Topic q{n}x{n * 7919} y{n * 104_729}?")
        answers.append(reply_text(await discord_bot.send(forward(FORWARDER, message))))
    assert len(await stored(discord_bot)) == 3
    assert all("You can ask again in" in answer for answer in answers[3:])
    # The first author's own asks are theirs to spend: being forwarded cost them nothing.
    sent = await discord_bot.send(slash(audience(100), "ask", text="And my own question, about rents?"))
    assert "Thanks! Question #4" in reply_text(sent)


async def test_the_bots_own_message_and_another_bots_are_refused(discord_bot):
    await set_up_server(discord_bot)
    await open_event(discord_bot)
    for author_id in (APPLICATION_ID, 123_456_789_012_345_678):
        message = chat_message(AUTHOR, "Thanks! Question #1 is in the queue.")
        message["author"] = {**message["author"], "id": str(author_id), "bot": True}
        sent = await discord_bot.send(forward(FORWARDER, message))
        assert "Only members' messages can be sent to the panel" in reply_text(sent)
    assert await stored(discord_bot) == []


async def test_a_moderators_message_is_not_published_as_their_question(discord_bot):
    await set_up_server(discord_bot)
    await open_event(discord_bot)
    message = chat_message(MODERATOR, "Please keep questions short, everyone.")
    message["member"] = {k: v for k, v in MODERATOR.member().items() if k != "user"}
    sent = await discord_bot.send(forward(FORWARDER, message))
    assert "A moderator's message cannot be sent to the panel" in reply_text(sent)
    assert await stored(discord_bot) == []


async def test_a_message_from_another_channel_than_the_events_is_refused(discord_bot):
    await set_up_server(discord_bot)
    await open_event(discord_bot)
    message = chat_message(AUTHOR, "Said among the moderators: is the levy dead?", channel_id=MODERATORS_CHANNEL_ID)
    sent = await discord_bot.send(message_command(FORWARDER, "Ask the panel", message, channel_id=QA_CHANNEL_ID))
    assert "Only messages posted in the channel of" in reply_text(sent)
    assert await stored(discord_bot) == []


async def test_a_members_forward_waits_for_review_and_a_moderators_is_published(discord_bot):
    await set_up_server(discord_bot)
    event_id = await open_event(discord_bot)
    sent = await discord_bot.send(forward(FORWARDER, chat_message(AUTHOR, "What about students renting rooms?")))
    assert "waiting for a moderator's review" in reply_text(sent)
    assert posted(sent, QA_CHANNEL_ID) == [], "no public card before review"
    sent = await discord_bot.send(forward(MODERATOR, chat_message(audience(32), "Will rents be capped in 2027?")))
    assert "is in the queue" in reply_text(sent)
    first, second = await stored(discord_bot)
    assert (first.status, first.author_id, first.forwarded_by) == (
        QuestionStatus.PENDING_REVIEW,
        AUTHOR.user_id,
        FORWARDER.user_id,
    )
    assert (second.status, second.forwarded_by) == (QuestionStatus.PUBLISHED, MODERATOR.user_id)
    forwards = [e for e in await event_ledger(discord_bot.db, event_id) if e.action is LedgerAction.FORWARD]
    assert [(e.actor_id, e.subject_user_id) for e in forwards] == [
        (FORWARDER.user_id, AUTHOR.user_id),
        (MODERATOR.user_id, audience(32).user_id),
    ]


async def test_the_credited_author_can_withdraw_a_forwarded_question_and_the_forwarder_cannot(discord_bot):
    await set_up_server(discord_bot)
    await open_event(discord_bot)
    await discord_bot.send(forward(FORWARDER, chat_message(AUTHOR, "What about students renting rooms?")))
    sent = await discord_bot.send(slash(FORWARDER, "withdraw", question=1))
    assert "You can only withdraw your own questions." in reply_text(sent)
    sent = await discord_bot.send(slash(AUTHOR, "withdraw", question=1))
    assert "Question #1 is withdrawn." in reply_text(sent)
    [question] = await stored(discord_bot)
    assert question.status is QuestionStatus.WITHDRAWN


async def test_forwarding_your_own_message_is_an_ask_like_any_other(discord_bot):
    await set_up_server(discord_bot)
    await open_event(discord_bot)
    sent = await discord_bot.send(forward(AUTHOR, chat_message(AUTHOR, "Is the levy phased in?")))
    assert "is in the queue" in reply_text(sent)
    count = await discord_bot.db.read(
        lambda s: s.exec(select(func.count()).select_from(Question).where(Question.forwarded_by.is_(None))).one()
    )
    assert count == 1
