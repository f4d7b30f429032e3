"""The moderators' desk: one live message in the moderators' channel, a decision in one click
(two when a note is asked for), kept current as questions come and go."""

from bot.domain.enums import LedgerAction, QuestionStatus, ReasonCode
from bot.services.qa.questions import get_question
from bot.services.records.ledger import event_ledger
from tests.cogs.steps import ask, open_event, set_up_server
from tests.harness.driver import callback, custom_ids, replies, reply_text
from tests.harness.payloads import MODERATOR, MODERATORS_CHANNEL_ID, audience, click, modal_submit, slash

INSULT = "You are all CCP shills and this report is propaganda garbage"
RENT = "How will the rent cap be funded by the government?"


def desk(discord_bot) -> dict:
    """The desk message as it is now (there is one per event)."""
    [message] = [
        m
        for m in discord_bot.fake.messages.values()
        if int(m["channel_id"]) == MODERATORS_CHANNEL_ID
        and m["embeds"]
        and m["embeds"][0]["title"].startswith("Moderators' desk")
    ]
    return message


async def premoderated(discord_bot) -> int:
    await set_up_server(discord_bot)
    return await open_event(discord_bot, premoderation=True)


async def test_the_desk_shows_flagged_questions_first_with_why_and_publishes_in_one_click(discord_bot):
    await premoderated(discord_bot)
    plain = await ask(discord_bot, audience(1), "What does the report say about rural rents?")
    flagged = await ask(discord_bot, audience(2), INSULT)
    shown = desk(discord_bot)
    text = shown["embeds"][0]["description"]
    assert text.index(f"`#{flagged}`") < text.index(f"`#{plain}`"), "flagged first"
    assert "flagged: the offensive-language classifier scored it 0." in text
    ids = custom_ids(shown)
    assert ids[:5] == [f"podium:mod:approve:{flagged}", *(f"podium:aside:{r}:{flagged}" for r in DESK_REASONS)]
    assert f"podium:mod:approve:{plain}" in ids
    sent = await discord_bot.send(click(MODERATOR, shown, f"podium:mod:approve:{plain}"))
    assert f"Question #{plain} published" in reply_text(sent)
    assert (await get_question(discord_bot.db, plain)).status is QuestionStatus.PUBLISHED
    assert f"`#{plain}`" not in desk(discord_bot)["embeds"][0]["description"], "the desk was brought up to date"
    assert "Waiting for review: 1" in desk(discord_bot)["embeds"][0]["description"]


DESK_REASONS = ["off_topic", "duplicate", "inappropriate", "other"]


async def test_set_aside_from_the_desk_is_one_click_with_the_reason_and_other_asks_for_a_note(discord_bot):
    event_id = await premoderated(discord_bot)
    flagged = await ask(discord_bot, audience(1), INSULT)
    odd = await ask(discord_bot, audience(2), "Is the panel's train on time?")
    sent = await discord_bot.send(click(MODERATOR, desk(discord_bot), f"podium:aside:inappropriate:{flagged}"))
    assert f"Question #{flagged} set aside" in reply_text(sent)
    sent = await discord_bot.send(click(MODERATOR, desk(discord_bot), f"podium:aside:other:{odd}"))
    sent = await discord_bot.send(modal_submit(MODERATOR, callback(sent)["data"], {"Reason": "not for this panel"}))
    assert f"Question #{odd} set aside" in reply_text(sent)
    assert [(q.status, q.reason) for q in [await get_question(discord_bot.db, i) for i in (flagged, odd)]] == [
        (QuestionStatus.DISMISSED, ReasonCode.INAPPROPRIATE),
        (QuestionStatus.DISMISSED, ReasonCode.OTHER),
    ]
    ledger = [(e.action, e.actor_id) for e in await event_ledger(discord_bot.db, event_id)][-2:]
    assert ledger == [(LedgerAction.REJECT, MODERATOR.user_id)] * 2
    assert "Waiting for review: 0" in desk(discord_bot)["embeds"][0]["description"]


async def test_a_suggested_merge_is_one_click(discord_bot):
    await set_up_server(discord_bot)
    await open_event(discord_bot)
    first = await ask(discord_bot, audience(1), RENT)
    offer = await discord_bot.send(slash(audience(2), "ask", text="How will the rent cap be funded?"))
    message = next(m for m in discord_bot.fake.messages.values() if m["embeds"] == replies(offer)[0]["embeds"])
    anyway = next(c for c in custom_ids(message) if not c.startswith("podium:"))
    await discord_bot.send(click(audience(2), message, anyway))
    shown = desk(discord_bot)
    assert f"#2 looks like #{first}, 0." in shown["embeds"][0]["description"]
    sent = await discord_bot.send(click(MODERATOR, shown, f"podium:mergeinto:2:{first}"))
    assert "Question #2 merged" in reply_text(sent)
    assert (await get_question(discord_bot.db, 2)).merged_into == first
    assert "looks like" not in desk(discord_bot)["embeds"][0]["description"]


async def test_next_and_answered_from_the_desk(discord_bot):
    await set_up_server(discord_bot)
    event_id = await open_event(discord_bot)
    qid = await ask(discord_bot, audience(1), "What comes first?")
    sent = await discord_bot.send(click(MODERATOR, desk(discord_bot), f"podium:next:{event_id}"))
    assert f"Question #{qid} is being answered now" in reply_text(sent)
    shown = desk(discord_bot)
    assert f"**Live now**\n`#{qid}` What comes first?" in shown["embeds"][0]["description"]
    sent = await discord_bot.send(click(MODERATOR, shown, f"podium:mod:answer:{qid}"))
    assert f"Question #{qid} marked answered" in reply_text(sent)
    assert "Nothing is being answered" in desk(discord_bot)["embeds"][0]["description"]


async def test_members_clicking_the_desk_are_refused_and_nothing_changes(discord_bot):
    await premoderated(discord_bot)
    qid = await ask(discord_bot, audience(1), "Please review me")
    for custom_id in (f"podium:mod:approve:{qid}", f"podium:aside:off_topic:{qid}", f"podium:aside:other:{qid}"):
        sent = await discord_bot.send(click(audience(5), desk(discord_bot), custom_id))
        assert reply_text(sent) == "Only this server's Podium moderators can do that."
    assert (await get_question(discord_bot.db, qid)).status is QuestionStatus.PENDING_REVIEW
