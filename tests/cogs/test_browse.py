"""Browse all: a member's own page of every open question, their votes marked, voting in place."""

import copy

import pytest

from bot.domain.actors import Actor
from bot.domain.enums import ReasonCode
from bot.services.qa.moderation import set_aside_question
from bot.services.surfaces.board import browse_page
from db.engine import Database
from db.models import Question
from tests.cogs.steps import ask, click_while_writes_wait, open_event
from tests.harness.driver import (
    DiscordHarness,
    button,
    callback,
    components,
    custom_ids,
    is_ephemeral,
    replies,
    texts,
)
from tests.harness.limits import IS_COMPONENTS_V2
from tests.harness.payloads import GUILD_ID, HOST, audience, click, modal_submit

SUCCESS, SECONDARY = 3, 2  # button styles
HOST_ACTOR = Actor(user_id=HOST.user_id, display_name=HOST.name, guild_id=GUILD_ID, manages_guild=True)


def count_page_reads(db: Database):
    """How many Browse pages ``db`` reads from now on (a function to ask)."""
    calls = []
    read = db.read

    async def counted(work, *args, **kwargs):
        if work.__qualname__.startswith(f"{browse_page.__name__}."):
            calls.append(work)
        return await read(work, *args, **kwargs)

    db.read = counted
    return lambda: len(calls)


async def browse(bot: DiscordHarness, member, event_id: int) -> dict:
    sent = await bot.send(click(member, bot.board(event_id), f"podium:browse:{event_id}"))
    [page] = replies(sent)
    assert is_ephemeral(page)
    assert page["flags"] & IS_COMPONENTS_V2
    return bot.fake.messages[max(bot.fake.messages)]


async def test_browse_marks_the_members_own_votes_and_votes_in_place(board_bot):
    event_id = await open_event(board_bot)
    first = await ask(board_bot, audience(1), "Will the report be costed?")
    second = await ask(board_bot, audience(2), "Who builds the homes?")
    await board_bot.send(click(audience(3), board_bot.board(event_id), f"podium:board:{event_id}:up:{first}"))
    page = await browse(board_bot, audience(3), event_id)
    voted, not_yet = f"podium:br:{event_id}:p:0:vote{first}", f"podium:br:{event_id}:p:0:vote{second}"
    assert (button(page, voted)["label"], button(page, voted)["style"]) == ("✅ ▲ 1", SUCCESS)
    assert (button(page, not_yet)["label"], button(page, not_yet)["style"]) == ("▲ 0", SECONDARY)
    sent = await board_bot.send(click(audience(3), page, not_yet))
    response = callback(sent)
    assert response["type"] == 7, "the page is redrawn in place"
    assert (button(response["data"], not_yet)["label"], button(response["data"], not_yet)["style"]) == (
        "✅ ▲ 1",
        SUCCESS,
    )
    # Someone else's page shows the counts, not this member's marks.
    other = await browse(board_bot, audience(4), event_id)
    assert [button(other, voted)["label"], button(other, not_yet)["label"]] == ["▲ 1", "▲ 1"]
    assert "✅" not in str(components(other))


async def test_a_vote_in_browse_redraws_the_page_the_member_sees_without_reading_it_again(board_bot):
    event_id = await open_event(board_bot)
    question_id = await ask(board_bot, audience(1), "Will the report be costed?")
    vote = f"podium:br:{event_id}:p:0:vote{question_id}"
    await board_bot.send(click(audience(2), board_bot.board(event_id), f"podium:board:{event_id}:up:{question_id}"))
    page = copy.deepcopy(await browse(board_bot, audience(3), event_id))  # as the member sees it now
    reads = count_page_reads(board_bot.db)
    redrawn = callback(await board_bot.send(click(audience(3), page, vote)))["data"]
    assert reads() == 0
    assert (button(redrawn, vote)["label"], button(redrawn, vote)["style"]) == ("✅ ▲ 2", SUCCESS)
    # Everything else on the page is what the member saw, Discord's component ids included.
    assert {**button(redrawn, vote), "label": "▲ 1", "style": SECONDARY} == button(page, vote)
    assert texts(redrawn) == texts(page)
    # A click whose message does not show the button (a page Discord sent without it) reads the page.
    bare = {**page, "components": []}
    redrawn = callback(await board_bot.send(click(audience(4), bare, vote)))["data"]
    assert reads() == 1
    assert button(redrawn, vote)["label"] == "✅ ▲ 3"


async def test_pages_and_boards_sent_are_not_kept_in_the_bots_memory(board_bot):
    # Their controls are answered by their custom_id templates, so discord.py need not keep each
    # message's view: kept, every Browse page a member ever opened stayed in memory for good.
    event_id = await open_event(board_bot)
    question_id = await ask(board_bot, audience(1), "Will the report be costed?")
    vote = f"podium:br:{event_id}:p:0:vote{question_id}"
    for member in range(2, 12):
        page = await browse(board_bot, audience(member), event_id)
        await board_bot.send(click(audience(member), page, f"podium:br:{event_id}:p:0:go"))
        voted = callback(await board_bot.send(click(audience(member), page, vote)))["data"]
    store = board_bot.bot._connection._view_store
    assert (store._views, store._synced_message_views) == ({}, {})
    assert button(voted, vote)["label"] == "✅ ▲ 10", "and every control still answered"


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
async def test_a_late_vote_in_browse_is_acknowledged_at_once_then_marked_on_the_page(board_bot, late_clicks):
    event_id = await open_event(board_bot)
    question_id = await ask(board_bot, audience(1), "Will the report be costed?")
    page = await browse(board_bot, audience(3), event_id)
    sent = await click_while_writes_wait(
        board_bot, click(audience(3), page, f"podium:br:{event_id}:p:0:vote{question_id}")
    )
    assert callback(sent) == {"type": 6}, "acknowledged before the vote was written"
    [redrawn] = replies(sent)
    assert button(redrawn, f"podium:br:{event_id}:p:0:vote{question_id}")["label"] == "✅ ▲ 1"
    # The page the member clicked is the one redrawn, in place.
    shown = board_bot.message(page["id"])
    assert button(shown, f"podium:br:{event_id}:p:0:vote{question_id}")["style"] == SUCCESS


async def test_browse_sorts_searches_and_turns_pages(board_bot):
    event_id = await open_event(board_bot)
    topics = ["rents", "students", "builders", "councils", "tenants", "land", "loans", "cities", "transport", "energy"]
    for n, topic in enumerate(topics):
        await ask(board_bot, audience(n), f"What does the report say about {topic}?")
    page = await browse(board_bot, audience(20), event_id)
    assert "page 1 of 2" in texts(page)
    sent = await board_bot.send(click(audience(20), page, f"podium:br:{event_id}:p:1:go"))
    assert "page 2 of 2" in texts(callback(sent)["data"])
    sent = await board_bot.send(click(audience(20), page, f"podium:br:{event_id}:p:0:sort", values=["r"]))
    recent = callback(sent)["data"]
    assert texts(recent).index("#10**") < texts(recent).index("#9**"), "Recent: the newest first"
    # The page is the message as it is now (sorted by Recent), as in the member's app.
    sent = await board_bot.send(click(audience(20), page, f"podium:br:{event_id}:r:0:find"))
    form = callback(sent)["data"]
    sent = await board_bot.send(modal_submit(audience(20), form, {"Words in the question": "CITIES"}))
    found = replies(sent)[0]
    assert [c for c in custom_ids(found) if ":vote" in c] == [f"podium:br:{event_id}:r:0:vote8:q=CITIES"]


async def test_browse_offers_the_open_questions_themes_and_pages_through_one(board_bot):
    event_id = await open_event(board_bot)
    asked = [await ask(board_bot, audience(n), f"What does the report say about rents in town {n}?") for n in range(12)]
    set_aside = await ask(board_bot, audience(12), "What about the football?")
    themes = {**dict.fromkeys(asked[:9], "Rents"), **dict.fromkeys(asked[9:11], "Transport"), set_aside: "Football"}

    def theme(session) -> None:
        for question_id, label in themes.items():
            session.get(Question, question_id).theme = label

    await board_bot.db.write(theme)
    await set_aside_question(board_bot.db, set_aside, HOST_ACTOR, ReasonCode.OFF_TOPIC)
    page = await browse(board_bot, audience(20), event_id)
    assert "page 1 of 2" in texts(page), "12 open questions, 8 a page"
    menu = next(c for c in components(page) if c.get("custom_id") == f"podium:br:{event_id}:p:0:theme")
    # Only themes that still have an open question are offered.
    assert [option["label"] for option in menu["options"]] == ["All themes", "Rents", "Transport"]
    sent = await board_bot.send(click(audience(20), page, f"podium:br:{event_id}:p:0:theme", values=["Transport"]))
    narrowed = callback(sent)["data"]
    assert "theme “Transport…” · page 1 of 1" in texts(narrowed)
    assert [c for c in custom_ids(narrowed) if ":vote" in c] == [
        f"podium:br:{event_id}:p:0:vote{question_id}:t=Transport" for question_id in asked[9:11]
    ]


async def test_a_browse_page_opened_before_a_restart_still_votes(db):
    url = db.url.render_as_string(hide_password=False)
    async with DiscordHarness(Database(url)) as before:
        event_id = await open_event(before)
        qid = await ask(before, audience(1), "Will the report be costed?")
        page = await browse(before, audience(2), event_id)
    async with DiscordHarness(Database(url)) as after:
        sent = await after.send(click(audience(2), page, f"podium:br:{event_id}:p:0:vote{qid}"))
        assert button(callback(sent)["data"], f"podium:br:{event_id}:p:0:vote{qid}")["label"] == "✅ ▲ 1"
