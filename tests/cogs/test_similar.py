"""Repeated questions in Discord: offered before sending, merged by moderators with every asker credited."""

from bot.domain.enums import QuestionStatus
from bot.services.qa.questions import get_question
from tests.cogs.steps import ask, open_event, set_up_server
from tests.harness.driver import callback, custom_ids, replies, reply_text
from tests.harness.payloads import MODERATOR, audience, chat_message, click, slash

RENT = "How will the rent cap be funded by the government?"


def ephemeral_message(discord_bot, body):
    """The message the fake Discord made from an ephemeral reply, with its buttons."""
    return next(m for m in discord_bot.fake.messages.values() if m["embeds"] == body["embeds"] and m["components"])


async def test_a_repeated_question_is_offered_the_existing_one_first(discord_bot):
    await open_event(discord_bot)
    first = await ask(discord_bot, audience(1), RENT)
    sent = await discord_bot.send(slash(audience(2), "ask", text="How will the rent cap be funded?"))
    offer = replies(sent)[0]
    assert offer["embeds"][0]["title"] == "Has this been asked already?"
    assert f"#{first}" in offer["embeds"][0]["fields"][0]["name"]
    assert await _questions(discord_bot) == 1, "nothing is sent before the member decides"
    message = ephemeral_message(discord_bot, offer)
    assert custom_ids(message)[0] == f"podium:vote:{first}:up"
    sent = await discord_bot.send(click(audience(2), message, f"podium:vote:{first}:up"))
    assert "counts" in reply_text(sent)
    assert (await get_question(discord_bot.db, first)).votes_up == 1


async def test_the_member_can_still_send_theirs_and_moderators_see_the_link(discord_bot):
    await open_event(discord_bot)
    first = await ask(discord_bot, audience(1), RENT)
    sent = await discord_bot.send(slash(audience(2), "ask", text="How will the rent cap be funded?"))
    message = ephemeral_message(discord_bot, replies(sent)[0])
    anyway = next(c for c in custom_ids(message) if not c.startswith("podium:"))
    sent = await discord_bot.send(click(audience(2), message, anyway))
    assert "Question #2" in reply_text(sent)
    assert (await get_question(discord_bot.db, 2)).similar_to == first


async def test_merge_credits_every_asker_and_unmerge_restores(discord_bot):
    await set_up_server(discord_bot)
    await open_event(discord_bot)
    first = await ask(discord_bot, audience(1), RENT)
    second = await ask(discord_bot, audience(2), "Where does the money for housing come from?")
    await discord_bot.send(click(audience(3), discord_bot.card(second), f"podium:vote:{second}:up"))
    button = {
        **chat_message(MODERATOR, ""),
        "components": [
            {
                "type": 1,
                "components": [{"type": 2, "style": 2, "label": "x", "custom_id": f"podium:mod:merge:{second}"}],
            }
        ],
    }
    sent = await discord_bot.send(click(MODERATOR, button, f"podium:mod:merge:{second}"))
    [prompt] = replies(sent)
    options = [o["value"] for o in prompt["components"][0]["components"][0]["options"]]
    assert str(first) in options
    picker = {**chat_message(MODERATOR, ""), "components": prompt["components"]}
    sent = await discord_bot.send(click(MODERATOR, picker, f"podium:merge:{second}", values=[str(first)]))
    assert f"Question #{second} merged" in reply_text(sent)
    assert discord_bot.card(second)["embeds"][0]["description"] == f"*This question is merged into #{first}.*"
    assert discord_bot.card(first)["embeds"][0]["author"]["name"] == "Asked by 2 people"
    assert (await get_question(discord_bot.db, first)).votes_up == 1

    undo = {
        **chat_message(MODERATOR, ""),
        "components": [
            {
                "type": 1,
                "components": [{"type": 2, "style": 2, "label": "x", "custom_id": f"podium:mod:unmerge:{second}"}],
            }
        ],
    }
    sent = await discord_bot.send(click(MODERATOR, undo, f"podium:mod:unmerge:{second}"))
    assert "unmerged" in reply_text(sent)
    assert (await get_question(discord_bot.db, second)).status is QuestionStatus.PUBLISHED
    assert (await get_question(discord_bot.db, first)).votes_up == 0
    assert discord_bot.card(first)["embeds"][0]["author"]["name"] == "Asked by Member 1"


async def test_the_queue_sorts_by_theme(discord_bot):
    await set_up_server(discord_bot)
    await open_event(discord_bot)
    # Enough questions for themes (``FEWEST_QUESTIONS``): two subjects, and one question on neither.
    places = ["in big cities", "for students", "in Leeds", "in Bristol", "in Wales", "for pensioners", "in Hull"]
    places += ["for renters", "in London", "in Glasgow"]
    asked = [f"Rent caps {place}?" for place in places] + [f"Flood defences {place}?" for place in places]
    asked.append("When does the bus to the venue leave?")
    for n, text in enumerate(asked):
        await ask(
            discord_bot,
            audience(n),
            text,
        )
    sent = await discord_bot.send(slash(MODERATOR, "mod queue", sort="theme"))
    assert callback(sent)["type"] == 5, "clustering may take a moment: the queue is deferred first"
    tags = _tags(sent)
    # Ten to a page: the next two pages, from the page's own buttons.
    for page in (1, 2):
        message = ephemeral_message(discord_bot, replies(sent)[-1])
        sent = await discord_bot.send(click(MODERATOR, message, f"podium:queue:1:theme:{page}"))
        tags += _tags(sent)
    assert sorted(tags[:20]) == ["Flood defences"] * 10 + ["Rent caps"] * 10
    assert tags[:10] == [tags[0]] * 10, "a theme's questions together"
    assert tags[20:] == [None], "the question in no theme last, with no tag: 'other' is no theme"


def _tags(sent) -> list[str | None]:
    """The theme tag of each question on a queue page ("[Rent caps] ..."), None for none."""
    lines = reply_text(sent).splitlines()[2:]
    return [line.split("] ")[0].split("[")[1] if "[" in line else None for line in lines]


async def _questions(discord_bot) -> int:
    from bot.services.qa.ranking import count_questions

    return await count_questions(discord_bot.db, 1, statuses=set(QuestionStatus))
