"""The event's board in Discord: one message, a vote beside each question, the event's state."""

import re

import pytest

from bot.discord import board as board_module
from bot.discord.board import render_board
from bot.domain.actors import Actor
from bot.domain.clock import utcnow
from bot.domain.enums import QuestionStatus, ReasonCode
from bot.domain.errors import DatabaseUnavailable
from bot.services.qa.events import create_event, update_event
from bot.services.qa.events import open_event as open_event_service
from bot.services.qa.moderation import mark_live, set_aside_question
from bot.services.qa.questions import submit_question
from bot.services.surfaces.board import BOARD_SIZE, read_board
from db.models import Question
from tests.cogs.steps import ask, click_while_writes_wait, open_event
from tests.harness.db_faults import failing_once
from tests.harness.driver import (
    button,
    callback,
    components,
    custom_ids,
    is_ephemeral,
    posted,
    replies,
    reply_text,
    texts,
)
from tests.harness.fake_discord import APPLICATION_ID, Request
from tests.harness.limits import IS_COMPONENTS_V2, assert_within_limits, layout_problems
from tests.harness.payloads import GUILD_ID, HOST, QA_CHANNEL_ID, audience, chat_message, click, slash

HOST_ACTOR = Actor(user_id=HOST.user_id, display_name=HOST.name, guild_id=GUILD_ID, manages_guild=True)


async def test_opening_posts_one_pinned_board_and_asking_posts_nothing_else(board_bot):
    event_id = await open_event(board_bot)
    board = board_bot.board(event_id)
    assert board["flags"] & IS_COMPONENTS_V2
    assert board["content"] == ""
    assert board["embeds"] == []
    assert "Taking questions" in texts(board)
    assert custom_ids(board) == [f"podium:ask:{event_id}", f"podium:browse:{event_id}", f"podium:mine:{event_id}"]
    assert any(r.route.startswith("PUT /channels/") and "pins" in r.path for r in board_bot.fake.requests)
    sent = await board_bot.send(slash(audience(1), "ask", text="How will the rent cap be funded?"))
    assert "Question #1 is in the queue" in reply_text(sent)
    assert posted(sent, QA_CHANNEL_ID) == [], "no public message of its own"
    board = board_bot.board(event_id)
    assert "How will the rent cap be funded?" in texts(board)
    assert button(board, f"podium:board:{event_id}:up:1")["label"] == "▲ 0"


async def test_a_vote_on_the_board_redraws_it_in_the_response_and_nothing_else(board_bot):
    event_id = await open_event(board_bot)
    first = await ask(board_bot, audience(1), "Will the report be costed?")
    second = await ask(board_bot, audience(2), "Who builds the homes?")
    mark = board_bot.fake.mark()
    sent = await board_bot.send(click(audience(3), board_bot.board(event_id), f"podium:board:{event_id}:up:{second}"))
    response = callback(sent)
    assert response["type"] == 7, "the click is answered by redrawing the board it was on"
    [answer] = [r for r in sent if r.path.endswith("/callback")]
    assert "with_response" not in answer.query, "the board is not asked back: the bot drew it"
    assert button(response["data"], f"podium:board:{event_id}:up:{second}")["label"] == "▲ 1"
    assert len(replies(sent)) == 1, "no private 'your vote counts' message besides"
    # Not re-sorted under the pointer: the question voted on stays where it was clicked.
    order = [c for c in custom_ids(response["data"]) if ":up:" in c]
    assert order == [f"podium:board:{event_id}:up:{first}", f"podium:board:{event_id}:up:{second}"]
    # Once the clicking calms down, the board takes the queue's order in one edit.
    edits = [r for r in board_bot.fake.since(mark) if r.method == "PATCH" and r.path.startswith("/channels/")]
    assert len(edits) == 1
    order = [c for c in custom_ids(board_bot.board(event_id)) if ":up:" in c]
    assert order == [f"podium:board:{event_id}:up:{second}", f"podium:board:{event_id}:up:{first}"]


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
async def test_a_late_vote_on_the_board_is_acknowledged_at_once_then_redraws_the_board(board_bot, late_clicks):
    event_id = await open_event(board_bot)
    first = await ask(board_bot, audience(1), "Will the report be costed?")
    second = await ask(board_bot, audience(2), "Who builds the homes?")
    board = board_bot.board(event_id)
    payload = click(audience(3), board, f"podium:board:{event_id}:up:{second}")
    messages = len(board_bot.fake.messages)
    sent = await click_while_writes_wait(board_bot, payload)
    answers = [r for r in sent if r.path.startswith(("/interactions/", "/webhooks/"))]
    assert [r.route for r in answers] == [
        f"POST /interactions/{payload['id']}/{payload['token']}/callback",
        f"PATCH /webhooks/{APPLICATION_ID}/{payload['token']}/messages/@original",
    ], "acknowledged before the vote was written, then the board redrawn: no message of its own"
    assert answers[0].json == {"type": 6}, "DEFERRED_UPDATE_MESSAGE: the board stays as it is meanwhile"
    assert answers[1].status == 200
    redrawn = answers[1].json
    assert redrawn["flags"] & IS_COMPONENTS_V2
    assert button(redrawn, f"podium:board:{event_id}:up:{second}")["label"] == "▲ 1"
    order = [c for c in custom_ids(redrawn) if ":up:" in c]
    assert order == [f"podium:board:{event_id}:up:{first}", f"podium:board:{event_id}:up:{second}"], "not re-sorted"
    assert len(board_bot.fake.messages) == messages, "the edit is the board's, not a new message"
    assert button(board_bot.board(event_id), f"podium:board:{event_id}:up:{second}")["label"] == "▲ 1"


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
async def test_a_late_vote_refused_is_told_privately_and_leaves_the_board_as_it_was(board_bot, late_clicks):
    event_id = await open_event(board_bot)
    question_id = await ask(board_bot, audience(1), "Will the report be costed?")
    board = board_bot.board(event_id)
    own = click(audience(1), board, f"podium:board:{event_id}:up:{question_id}")
    sent = await click_while_writes_wait(board_bot, own)
    assert callback(sent) == {"type": 6}
    [answer] = replies(sent)
    assert is_ephemeral(answer), "a follow-up only the member sees"
    assert answer["content"] == "You cannot vote on your own question."
    assert not [r for r in sent if r.path.endswith("/@original") or r.path.startswith("/channels/")]
    assert board_bot.board(event_id)["components"] == board["components"]


async def test_pausing_and_closing_say_so_and_disable_the_buttons(board_bot):
    event_id = await open_event(board_bot)
    qid = await ask(board_bot, audience(1), "Will the report be costed?")
    await board_bot.send(slash(HOST, "event pause", event=event_id))
    board = board_bot.board(event_id)
    assert "Paused by the moderators" in texts(board)
    assert button(board, f"podium:ask:{event_id}")["disabled"] is True
    assert not button(board, f"podium:board:{event_id}:up:{qid}").get("disabled"), "votes still count while paused"
    await board_bot.send(slash(HOST, "event open", event=event_id))
    assert not button(board_bot.board(event_id), f"podium:ask:{event_id}").get("disabled")
    await board_bot.send(slash(HOST, "event close", event=event_id))
    board = board_bot.board(event_id)
    assert "The Q&A is closed" in texts(board)
    assert button(board, f"podium:ask:{event_id}")["disabled"] is True
    assert button(board, f"podium:board:{event_id}:up:{qid}")["disabled"] is True
    assert not button(board, f"podium:browse:{event_id}").get("disabled"), "the questions can still be read"


async def test_the_approved_recap_is_linked_from_the_board(board_bot):
    event_id = await open_event(board_bot)
    await ask(board_bot, audience(1), "Will the report be costed?")
    await board_bot.send(slash(HOST, "event close", event=event_id))
    [preview] = replies(await board_bot.send(slash(HOST, "recap")))
    draft_id = int(re.search(r"Recap #(\d+)", preview["embeds"][0]["title"]).group(1))
    assert "recap" not in texts(board_bot.board(event_id)), "a draft is not linked"
    approval = {**chat_message(HOST, ""), "components": preview["components"]}
    sent = await board_bot.send(click(HOST, approval, f"podium:recap:approve:{draft_id}"))
    assert posted(sent, QA_CHANNEL_ID), "the recap is posted"
    assert f"📝 The recap is posted in <#{QA_CHANNEL_ID}>." in texts(board_bot.board(event_id))


async def test_my_questions_shows_where_each_stands_and_why_one_was_set_aside(board_bot):
    event_id = await open_event(board_bot)
    kept = await ask(board_bot, audience(1), "Will the report be costed?")
    dismissed = await ask(board_bot, audience(1), "What about the football?")
    await set_aside_question(board_bot.db, dismissed, HOST_ACTOR, ReasonCode.OFF_TOPIC)
    sent = await board_bot.send(click(audience(1), board_bot.board(event_id), f"podium:mine:{event_id}"))
    [answer] = replies(sent)
    assert is_ephemeral(answer)
    text = reply_text(sent)
    assert f"#{kept}: in the queue" in text
    assert f"#{dismissed}: set aside by a moderator (off-topic for this event)" in text


@pytest.mark.parametrize("count", [0, 1, 10, 1000])
async def test_the_board_fits_discords_limits_at_any_size(db, count):
    event = await create_event(db, GUILD_ID, HOST_ACTOR, title="Å" * 100, channel_id=QA_CHANNEL_ID)
    event_id = event.id or 0
    await update_event(db, event_id, HOST_ACTOR, max_question_length=4000)
    await open_event_service(db, event_id, HOST_ACTOR)
    # Text that quoting makes longer still: every character is markup to escape.
    text = ("Why **so** `much` <@&1> #here? " * 200)[:4000]
    await submit_question(db, event_id, Actor(user_id=10_000, display_name="N" * 100, guild_id=GUILD_ID), text)
    await mark_live(db, 1, HOST_ACTOR)
    # The others in one go (asking a thousand through the rules is not what is tested here).
    now = utcnow()
    rows = [
        Question(
            event_id=event_id,
            author_id=10_001 + n,
            author_name="N" * 100,
            text=text,
            created_at=now,
            status=QuestionStatus.PUBLISHED,
            votes_up=n,
            score=n,
        )
        for n in range(count)
    ]
    await db.write(lambda session: session.add_all(rows))
    board = await read_board(db, event_id)
    assert board.live is not None
    assert len(board.questions) == min(count, BOARD_SIZE)
    view = render_board(board)
    body = {"components": view.to_components(), "flags": IS_COMPONENTS_V2, "allowed_mentions": {"parse": []}}
    assert layout_problems(body, creates=True) == []
    assert_within_limits(Request("POST", f"/channels/{QA_CHANNEL_ID}/messages", {}, body, 0.0))
    assert len(components(body)) <= 40
    assert view.content_length() <= 4000


async def test_a_server_can_choose_a_card_per_question_for_its_new_events(board_bot):
    sent = await board_bot.send(slash(HOST, "podium-setup", cards=True))
    assert "A card per question in new events: on" in reply_text(sent)
    await open_event(board_bot)
    sent = await board_bot.send(slash(audience(1), "ask", text="How will the rent cap be funded?"))
    [card] = posted(sent, QA_CHANNEL_ID)
    assert card["embeds"][0]["title"] == "Question #1"


def test_the_fake_refuses_what_discord_refuses_in_a_layout_message():
    text = {"type": 10, "content": "x" * 2001}
    section = {"type": 9, "components": [text], "accessory": {"type": 2, "style": 1, "label": "▲", "custom_id": "a"}}
    assert layout_problems({"components": [text]}, creates=True) == [
        "layout components without the IS_COMPONENTS_V2 flag"
    ]
    flagged = {"flags": IS_COMPONENTS_V2, "content": "hi", "components": [section, section]}
    assert layout_problems(flagged, creates=True) == [
        "content or embeds beside IS_COMPONENTS_V2",
        "4002 characters of text displays, more than 4000",
        "two components with the same custom_id",
    ]
    many = {"flags": IS_COMPONENTS_V2, "components": [{"type": 10, "content": "x"}] * 41}
    assert layout_problems(many, creates=True) == ["41 components, more than 40"]
    assert layout_problems({"flags": 0, "components": []}, creates=False, was_layout=True) == [
        "IS_COMPONENTS_V2 cannot be removed from a message"
    ]
    bare = {"flags": IS_COMPONENTS_V2, "components": [{"type": 9, "components": [{"type": 10, "content": "x"}]}]}
    assert layout_problems(bare, creates=True) == ["a section without its accessory"]


async def test_a_board_the_database_fails_to_read_is_drawn_at_the_next_look(board_bot, monkeypatch, caplog):
    event_id = await open_event(board_bot)
    read_board, failures = failing_once(board_module.read_board, DatabaseUnavailable())
    monkeypatch.setattr(board_module, "read_board", read_board)
    await ask(board_bot, audience(1), "Who pays for the new homes?")
    assert not failures, "a look met the failure"
    assert "not redrawn (DatabaseUnavailable)" in caplog.text
    assert "Who pays for the new homes?" in texts(board_bot.board(event_id))
