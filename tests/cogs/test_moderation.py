"""Moderators in Discord: the queue, review, taking questions live, and refusals to others.

Every moderator command, component and form, refused for a member and done for a moderator, is in
tests/security/test_permissions.py."""

import pytest

from bot.domain.enums import LedgerAction, QuestionStatus, ReasonCode
from bot.services.qa.questions import get_question
from bot.services.records.ledger import event_ledger
from tests.cogs.steps import ask, open_event, set_up_server
from tests.harness.driver import callback, custom_ids, is_ephemeral, posted, replies, reply_text, review_requests
from tests.harness.payloads import (
    MODERATOR,
    MODERATORS_CHANNEL_ID,
    QA_CHANNEL_ID,
    audience,
    chat_message,
    click,
    modal_submit,
    slash,
)


@pytest.fixture
async def event_id(discord_bot):
    await set_up_server(discord_bot)
    return await open_event(discord_bot)


def last_reply(sent):
    return replies(sent)[-1]


async def test_the_queue_is_private_and_ranked(discord_bot, event_id):
    quiet = await ask(discord_bot, audience(1), "A quiet question")
    popular = await ask(discord_bot, audience(2), "A popular question", anonymous=True)
    await discord_bot.send(click(audience(3), discord_bot.card(popular), f"podium:vote:{popular}:up"))
    sent = await discord_bot.send(slash(MODERATOR, "mod queue"))
    page = last_reply(sent)
    assert is_ephemeral(page)
    lines = page["embeds"][0]["description"].splitlines()
    assert lines[0].startswith(f"`#{popular}` ▲1")
    assert "anonymous: Member 2" in lines[0]
    assert lines[1].startswith(f"`#{quiet}` ▲0")
    assert custom_ids(page)[0] == f"podium:pick:{event_id}"


async def test_members_cannot_see_the_queue(discord_bot, event_id):
    await ask(discord_bot, audience(1), "Secret?", anonymous=True)
    sent = await discord_bot.send(slash(audience(2), "mod queue"))
    assert reply_text(sent) == "Only this server's Podium moderators can do that."
    assert "Member 1" not in str([r.json for r in sent])


async def test_picking_a_question_shows_what_can_be_done(discord_bot, event_id):
    qid = await ask(discord_bot, audience(1), "Pick me")
    page = last_reply(await discord_bot.send(slash(MODERATOR, "mod queue")))
    message = discord_bot.message(callback_message_id(discord_bot, page))
    sent = await discord_bot.send(click(MODERATOR, message, f"podium:pick:{event_id}", values=[str(qid)]))
    assert custom_ids(last_reply(sent)) == [
        f"podium:mod:live:{qid}",
        f"podium:mod:answer:{qid}",
        f"podium:mod:pin:{qid}",
        f"podium:mod:edit:{qid}",
        *(f"podium:aside:{reason.value}:{qid}" for reason in ReasonCode),
        f"podium:mod:merge:{qid}",
    ]


def callback_message_id(discord_bot, body):
    """The id the fake Discord gave to the message made from ``body``."""
    [message] = [m for m in discord_bot.fake.messages.values() if m["embeds"] == body["embeds"]]
    return message["id"]


async def test_next_takes_the_top_question_live_and_announces_it(discord_bot, event_id):
    qid = await ask(discord_bot, audience(1), "What comes first?")
    sent = await discord_bot.send(slash(MODERATOR, "mod next"))
    assert f"Question #{qid} is being answered now" in reply_text(sent)
    [announcement] = posted(sent, QA_CHANNEL_ID)
    assert announcement["embeds"][0]["title"] == f"🎙️ Now answering #{qid}"
    assert discord_bot.card(qid)["embeds"][0]["footer"]["text"] == "🎙️ Being answered now"
    sent = await discord_bot.send(slash(MODERATOR, "mod answered"))
    assert f"Question #{qid} marked answered" in reply_text(sent)
    assert discord_bot.card(qid)["embeds"][0]["footer"]["text"] == "✅ Answered"
    assert (await get_question(discord_bot.db, qid)).answered_offset_s is not None


async def test_next_with_an_empty_queue_says_so(discord_bot, event_id):
    sent = await discord_bot.send(slash(MODERATOR, "mod next"))
    assert "The queue is empty" in reply_text(sent)


async def test_review_approve_from_the_moderators_channel_publishes_the_card(discord_bot):
    await set_up_server(discord_bot)
    await open_event(discord_bot, premoderation=True)
    sent = await discord_bot.send(slash(audience(1), "ask", text="Please review me"))
    [review] = review_requests(sent, MODERATORS_CHANNEL_ID)
    review_message = discord_bot.message(
        next(m["id"] for m in discord_bot.fake.messages.values() if m["embeds"] == review["embeds"])
    )
    sent = await discord_bot.send(click(MODERATOR, review_message, "podium:mod:approve:1"))
    assert "Question #1 published" in reply_text(sent)
    assert posted(sent, QA_CHANNEL_ID), "approving posts the public card"
    assert (await get_question(discord_bot.db, 1)).status is QuestionStatus.PUBLISHED


async def test_set_aside_is_one_click_with_its_reason_and_restore_undoes_it(discord_bot, event_id):
    qid = await ask(discord_bot, audience(1), "Off topic thing")
    page = last_reply(await discord_bot.send(slash(MODERATOR, "mod queue")))
    queue = discord_bot.message(callback_message_id(discord_bot, page))
    picked = last_reply(await discord_bot.send(click(MODERATOR, queue, f"podium:pick:{event_id}", values=[str(qid)])))
    message = {**chat_message(MODERATOR, ""), "components": picked["components"]}
    # Two interactions from the queue: pick the question, press the reason.
    sent = await discord_bot.send(click(MODERATOR, message, f"podium:aside:off_topic:{qid}"))
    assert f"Question #{qid} set aside" in reply_text(sent)
    question = await get_question(discord_bot.db, qid)
    assert (question.status, question.reason) == (QuestionStatus.DISMISSED, ReasonCode.OFF_TOPIC)
    assert "set aside" in discord_bot.card(qid)["embeds"][0]["description"]
    sent = await discord_bot.send(
        click(MODERATOR, message | {"components": _mod_row(qid)}, f"podium:mod:restore:{qid}")
    )
    assert f"Question #{qid} back in the queue" in reply_text(sent)
    assert (await get_question(discord_bot.db, qid)).status is QuestionStatus.PUBLISHED
    actions = [e.action for e in await event_ledger(discord_bot.db, event_id)]
    assert actions[-2:] == [LedgerAction.DISMISS, LedgerAction.RESTORE]


async def test_a_question_waiting_for_review_is_set_aside_the_same_way_and_restored_to_review(discord_bot):
    await set_up_server(discord_bot)
    event_id = await open_event(discord_bot, premoderation=True)
    sent = await discord_bot.send(slash(audience(1), "ask", text="You are all shills"))
    [review] = review_requests(sent, MODERATORS_CHANNEL_ID)
    assert f"podium:aside:inappropriate:{1}" in custom_ids(review)
    message = {**chat_message(MODERATOR, ""), "components": review["components"]}
    sent = await discord_bot.send(click(MODERATOR, message, "podium:aside:inappropriate:1"))
    assert "Question #1 set aside" in reply_text(sent)
    sent = await discord_bot.send(click(MODERATOR, message | {"components": _mod_row(1)}, "podium:mod:restore:1"))
    assert (await get_question(discord_bot.db, 1)).status is QuestionStatus.PENDING_REVIEW
    actions = [e.action for e in await event_ledger(discord_bot.db, event_id)]
    assert actions[-2:] == [LedgerAction.REJECT, LedgerAction.RESTORE]


async def test_a_button_drawn_before_the_one_verb_still_asks_for_a_reason(discord_bot, event_id):
    qid = await ask(discord_bot, audience(1), "Old button")
    message = {**chat_message(MODERATOR, ""), "components": [_row(f"podium:mod:dismiss:{qid}")]}
    prompt = last_reply(await discord_bot.send(click(MODERATOR, message, f"podium:mod:dismiss:{qid}")))
    assert custom_ids(prompt) == [f"podium:aside:{reason.value}:{qid}" for reason in ReasonCode]


async def test_the_reason_other_opens_a_note_form(discord_bot, event_id):
    qid = await ask(discord_bot, audience(1), "Strange one")
    message = {**chat_message(MODERATOR, ""), "components": [_row(f"podium:aside:other:{qid}")]}
    sent = await discord_bot.send(click(MODERATOR, message, f"podium:aside:other:{qid}"))
    form = callback(sent)["data"]
    sent = await discord_bot.send(modal_submit(MODERATOR, form, {"Reason": "asked in the wrong event"}))
    assert f"Question #{qid} set aside" in reply_text(sent)
    assert (await get_question(discord_bot.db, qid)).reason_note == "asked in the wrong event"


async def test_edit_opens_a_form_with_the_text_and_keeps_the_original(discord_bot, event_id):
    qid = await ask(discord_bot, audience(1), "Waht about teh rent cap?")
    message = {**chat_message(MODERATOR, ""), "components": _mod_row(qid)}
    sent = await discord_bot.send(click(MODERATOR, message, f"podium:mod:edit:{qid}"))
    form = callback(sent)["data"]
    assert form["components"][0]["components"][0]["value"] == "Waht about teh rent cap?"
    sent = await discord_bot.send(modal_submit(MODERATOR, form, {"Question": "What about the rent cap?"}))
    assert f"Question #{qid} edited" in reply_text(sent)
    question = await get_question(discord_bot.db, qid)
    assert (question.text, question.original_text) == ("What about the rent cap?", "Waht about teh rent cap?")
    assert discord_bot.card(qid)["embeds"][0]["description"] == "What about the rent cap?"


async def test_ban_and_unban(discord_bot, event_id):
    sent = await discord_bot.send(slash(MODERATOR, "mod ban", member=audience(9), reason="flooding"))
    assert "can no longer ask" in reply_text(sent)
    sent = await discord_bot.send(slash(audience(9), "ask", text="Let me in"))
    assert "stopped you from asking" in reply_text(sent)
    await discord_bot.send(slash(MODERATOR, "mod unban", member=audience(9)))
    assert await ask(discord_bot, audience(9), "Thank you") == 1
    actions = [e.action for e in await event_ledger(discord_bot.db, event_id)]
    assert actions[-2:] == [LedgerAction.BAN, LedgerAction.UNBAN]


def _mod_row(qid: int) -> list[dict]:
    actions = ["approve", "aside", "live", "answer", "pin"]
    extra = ["unpin", "edit", "restore", "merge"]
    return [
        {"type": 1, "components": [_button(f"podium:mod:{a}:{qid}") for a in actions]},
        {"type": 1, "components": [_button(f"podium:mod:{a}:{qid}") for a in extra]},
    ]


def _button(custom_id: str) -> dict:
    return {"type": 2, "style": 2, "label": "x", "custom_id": custom_id}


def _row(custom_id: str) -> dict:
    return {"type": 1, "components": [_button(custom_id)]}
