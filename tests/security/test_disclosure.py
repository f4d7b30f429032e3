"""What the public must not learn from a moderator's housekeeping.

- A merge never collapses an anonymous contribution into a named one: a member who asked #1
  anonymously and #2 under their name, merged either way, is "asked by 2 people", not by name
  beside "#1 merged into #2".
- Nothing derived from a set-aside question is published: theme labels stored while dismissed
  questions were in the queue are computed again, from the shown questions' words, for the recap.
"""

import re

from sqlmodel import select

from db.models import Draft
from tests.cogs.steps import ask, open_event, set_up_server
from tests.harness.driver import posted, replies, reply_text
from tests.harness.payloads import (
    HOST,
    MODERATOR,
    MODERATORS_CHANNEL_ID,
    QA_CHANNEL_ID,
    Person,
    audience,
    chat_message,
    click,
    slash,
)

ASKER = Person(834_567_890_123_456_790, "Zephyrine Quillfeather")


def choose(custom_id: str, value: str) -> dict:
    """A moderator picks ``value`` in the select ``custom_id`` of a message in their channel."""
    select_menu = {"type": 3, "custom_id": custom_id, "options": [{"label": value, "value": value}]}
    message = chat_message(MODERATOR, "", channel_id=MODERATORS_CHANNEL_ID)
    message["components"] = [{"type": 1, "components": [select_menu]}]
    return click(MODERATOR, message, custom_id, values=[value])


async def merge(bot, question: int, into: int) -> None:
    sent = await bot.send(choose(f"podium:merge:{question}", str(into)))
    assert f"Question #{question} merged" in reply_text(sent), reply_text(sent)


async def test_an_anonymous_question_merged_into_the_same_askers_named_one_keeps_them_anonymous(discord_bot):
    await set_up_server(discord_bot)
    await open_event(discord_bot)
    anonymous = await ask(discord_bot, ASKER, "Who audits the land value levy?", anonymous=True)
    named = await ask(discord_bot, ASKER, "When will the first council homes open?")
    await merge(discord_bot, anonymous, named)
    assert discord_bot.card(anonymous)["embeds"][0]["description"] == f"*This question is merged into #{named}.*"
    assert discord_bot.card(named)["embeds"][0]["author"]["name"] == "Asked by 2 people"


async def test_a_named_question_merged_into_the_same_askers_anonymous_one_keeps_them_anonymous(discord_bot):
    await set_up_server(discord_bot)
    await open_event(discord_bot)
    anonymous = await ask(discord_bot, ASKER, "Who audits the land value levy?", anonymous=True)
    named = await ask(discord_bot, ASKER, "When will the first council homes open?")
    await merge(discord_bot, named, anonymous)
    assert discord_bot.card(anonymous)["embeds"][0]["author"]["name"] == "Asked by 2 people"


async def test_a_recap_never_names_a_theme_after_words_of_dismissed_questions(discord_bot):
    await set_up_server(discord_bot)
    event_id = await open_event(discord_bot)
    kept = [
        await ask(discord_bot, audience(1), "How is the land levy funded?"),
        await ask(discord_bot, audience(2), "Who pays the land levy each year?"),
    ]
    dismissed = [
        await ask(discord_bot, audience(3), "Is the land levy just zorblax grift?"),
        await ask(discord_bot, audience(4), "Would zorblax grift councils spend the land levy?"),
    ]
    await discord_bot.send(slash(MODERATOR, "mod queue", sort="theme"))
    for question in dismissed:
        button = f"podium:aside:off_topic:{question}"  # the queue's one-click "Off-topic"
        row = {"type": 1, "components": [{"type": 2, "style": 4, "label": "Off-topic", "custom_id": button}]}
        sent = await discord_bot.send(click(MODERATOR, {**chat_message(MODERATOR, ""), "components": [row]}, button))
        assert "set aside" in reply_text(sent), reply_text(sent)
    for n, question in enumerate(kept):
        await discord_bot.send(click(audience(10 + n), discord_bot.card(question), f"podium:vote:{question}:up"))
    await discord_bot.send(slash(HOST, "event close", event=event_id))
    [preview] = replies(await discord_bot.send(slash(MODERATOR, "recap")))
    draft_id = int(re.search(r"Recap #(\d+)", preview["embeds"][0]["title"]).group(1))
    buttons = {**chat_message(MODERATOR, ""), "components": preview["components"]}
    approved = await discord_bot.send(click(MODERATOR, buttons, f"podium:recap:approve:{draft_id}"))
    recap = "\n".join(body["content"] for body in posted(approved, QA_CHANNEL_ID))
    assert "land levy" in recap, recap
    assert "zorblax" not in recap.lower()
    assert "grift" not in recap.lower()
    [draft] = await discord_bot.db.read(lambda s: s.exec(select(Draft).where(Draft.id == draft_id)).all())
    assert "zorblax" not in str(draft.inputs).lower(), "the facts the recap was written from"
