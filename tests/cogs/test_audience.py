"""The audience in Discord: asking four ways, the cards, voting, and their own questions."""

import pytest

from bot.discord import cards as cards_module
from bot.domain.enums import LedgerAction, QuestionStatus, ReasonCode
from bot.domain.errors import DatabaseUnavailable
from bot.services.qa.questions import get_question
from bot.services.qa.votes import cast_vote
from bot.services.records.ledger import event_ledger
from tests.cogs.steps import ask, click_while_writes_wait, open_event, set_up_server
from tests.factories import member as actor
from tests.harness.db_faults import failing_once
from tests.harness.driver import callback, custom_ids, is_ephemeral, posted, replies, reply_text, review_requests
from tests.harness.fake_discord import APPLICATION_ID
from tests.harness.limits import IS_COMPONENTS_V2
from tests.harness.payloads import (
    HOST,
    MODERATORS_CHANNEL_ID,
    QA_CHANNEL_ID,
    audience,
    chat_message,
    click,
    message_command,
    modal_submit,
    slash,
)


async def test_ask_in_one_line_confirms_privately_and_posts_a_card(discord_bot):
    await open_event(discord_bot)
    sent = await discord_bot.send(slash(audience(1), "ask", text="How will the rent cap be funded?"))
    [answer] = replies(sent)
    assert is_ephemeral(answer)
    assert "Question #1 is in the queue" in answer["content"]
    [card] = posted(sent, QA_CHANNEL_ID)
    assert card["embeds"][0]["title"] == "Question #1"
    assert card["embeds"][0]["description"] == "How will the rent cap be funded?"
    assert card["embeds"][0]["author"]["name"] == "Asked by Member 1"
    assert custom_ids(card) == ["podium:vote:1:up"]
    assert (await get_question(discord_bot.db, 1)).card_message_id is not None


async def test_ask_without_text_opens_the_form_and_its_answer_becomes_a_question(discord_bot):
    await open_event(discord_bot)
    sent = await discord_bot.send(slash(audience(1), "ask"))
    modal = callback(sent)
    assert modal["type"] == 9
    form = modal["data"]
    assert form["title"] == "Ask: Launch of the Housing Report"
    sent = await discord_bot.send(
        modal_submit(
            audience(1),
            form,
            {"Your question": "Who pays for the new homes?", "Who should the panel see?": ["anonymous"]},
        )
    )
    assert "Question #1" in reply_text(sent)
    question = await get_question(discord_bot.db, 1)
    assert (question.text, question.anonymous) == ("Who pays for the new homes?", True)
    [card] = posted(sent, QA_CHANNEL_ID)
    assert card["embeds"][0]["author"]["name"] == "Asked anonymously"
    assert "Member 1" not in str(card)


async def test_the_panel_button_opens_the_same_form(discord_bot):
    event_id = await open_event(discord_bot)
    [panel] = [m for m in discord_bot.fake.messages.values() if f"podium:ask:{event_id}" in custom_ids(m)]
    sent = await discord_bot.send(click(audience(1), panel, f"podium:ask:{event_id}"))
    assert callback(sent)["type"] == 9
    assert any(r.route.startswith("PUT /channels/") and "pins" in r.path for r in discord_bot.fake.requests)


async def test_ask_the_panel_credits_the_messages_author_and_records_who_forwarded_it(discord_bot):
    event_id = await open_event(discord_bot)
    original = chat_message(audience(2), "What about students renting rooms?")
    sent = await discord_bot.send(message_command(audience(3), "Ask the panel", original))
    assert "credited to Member 2" in reply_text(sent)
    question = await get_question(discord_bot.db, 1)
    assert (question.author_id, question.text) == (audience(2).user_id, "What about students renting rooms?")
    forward = (await event_ledger(discord_bot.db, event_id))[-1]
    assert (forward.action, forward.actor_id) == (LedgerAction.FORWARD, audience(3).user_id)


async def test_a_vote_on_the_card_redraws_the_card_and_confirms_privately(discord_bot):
    await open_event(discord_bot)
    qid = await ask(discord_bot, audience(1), "Will the report be costed?")
    sent = await discord_bot.send(click(audience(2), discord_bot.card(qid), f"podium:vote:{qid}:up"))
    response = callback(sent)
    assert response["type"] == 7, "the click is answered by updating the card it was on"
    assert response["data"]["components"][0]["components"][0]["label"] == "▲ 1"
    [confirmation] = replies(sent)[1:]
    assert is_ephemeral(confirmation)
    assert confirmation["content"] == f"Your upvote on #{qid} counts."
    assert up_label(discord_bot, qid) == "▲ 1"
    assert edits(sent) == [], "the response showed the card; no edit is spent on it"
    sent = await discord_bot.send(click(audience(2), discord_bot.card(qid), f"podium:vote:{qid}:up"))
    assert replies(sent)[1]["content"] == f"Your vote on #{qid} is taken back."
    assert up_label(discord_bot, qid) == "▲ 0"
    assert edits(sent) == []
    # The card's buttons are answered by their template: discord.py keeps no view for it (nor for
    # the panel or the board).
    assert discord_bot.bot._connection._view_store._views == {}


async def test_votes_clicked_at_once_leave_the_card_showing_every_one(discord_bot):
    await open_event(discord_bot)
    qid = await ask(discord_bot, audience(1), "Will the report be costed?")
    card = discord_bot.card(qid)
    for member in range(2, 12):
        discord_bot.deliver(click(audience(member), card, f"podium:vote:{qid}:up"))
    await discord_bot.settle()
    assert (await get_question(discord_bot.db, qid)).votes_up == 10
    assert up_label(discord_bot, qid) == "▲ 10"


async def test_votes_clicked_at_once_are_shown_by_their_answers_without_an_edit(discord_bot):
    # Each click's answer redraws the card in turn, so the board knows what it shows, and its
    # looks wait for the answers to come: no edit (a PATCH, which the channel's limit rations)
    # is spent on a card the votes' own answers keep current.
    await open_event(discord_bot)
    qid = await ask(discord_bot, audience(1), "Will the report be costed?")
    card = discord_bot.card(qid)
    mark = discord_bot.fake.mark()
    for member in range(2, 12):
        discord_bot.deliver(click(audience(member), card, f"podium:vote:{qid}:up"))
    await discord_bot.settle()
    sent = discord_bot.fake.since(mark)
    assert len([r for r in sent if r.path.endswith("/callback")]) == 10
    assert edits(sent) == []
    assert up_label(discord_bot, qid) == "▲ 10"


async def test_a_vote_from_a_suggestion_says_the_count_and_the_card_is_edited(discord_bot):
    await open_event(discord_bot)
    qid = await ask(discord_bot, audience(1), "How will the rent cap be funded by the government?")
    sent = await discord_bot.send(slash(audience(2), "ask", text="How will the rent cap be funded?"))
    offer = replies(sent)[0]
    [suggestion] = [m for m in discord_bot.fake.messages.values() if m["embeds"] == offer["embeds"]]
    sent = await discord_bot.send(click(audience(2), suggestion, f"podium:vote:{qid}:up"))
    assert callback(sent)["type"] == 4, "the suggestion is left as it is"
    [answer] = replies(sent)
    assert is_ephemeral(answer)
    assert answer["content"] == f"Your upvote on #{qid} counts. It now has ▲ 1."
    assert len(edits(sent)) == 1
    assert up_label(discord_bot, qid) == "▲ 1"


async def test_voting_on_your_own_question_is_refused_politely(discord_bot):
    await open_event(discord_bot)
    qid = await ask(discord_bot, audience(1), "Vote for me?")
    sent = await discord_bot.send(click(audience(1), discord_bot.card(qid), f"podium:vote:{qid}:up"))
    [answer] = replies(sent)
    assert is_ephemeral(answer)
    assert answer["content"] == "You cannot vote on your own question."


async def test_refusals_are_explained_privately_and_nothing_is_stored(discord_bot):
    await open_event(discord_bot)
    sent = await discord_bot.send(slash(audience(1), "ask", text="@everyone https://spam.example"))
    [answer] = replies(sent)
    assert is_ephemeral(answer)
    assert "only mentions or links" in answer["content"]
    assert posted(sent, QA_CHANNEL_ID) == []


async def test_the_rate_limit_says_when_to_ask_again(discord_bot):
    await open_event(discord_bot)
    for text in ("Who funds the plan?", "When do the homes get built?", "Which cities come first?"):
        await ask(discord_bot, audience(1), text)
    sent = await discord_bot.send(slash(audience(1), "ask", text="One too many"))
    assert "You can ask again in" in reply_text(sent)


async def test_user_text_cannot_ping_or_break_out_of_its_card(discord_bot):
    await open_event(discord_bot)
    text = "@everyone <@&555555555555555555> **bold** > quote `code` [link](https://evil.example)"
    qid = await ask(discord_bot, audience(1), text)
    description = discord_bot.card(qid)["embeds"][0]["description"]
    assert "@everyone" not in description
    assert "<@&555555555555555555>" not in description
    assert "**bold**" not in description
    assert "[link](https" not in description


async def test_with_premoderation_the_question_goes_to_the_moderators_channel(discord_bot):
    await set_up_server(discord_bot)
    await open_event(discord_bot, premoderation=True)
    sent = await discord_bot.send(slash(audience(1), "ask", text="Is this reviewed?"))
    assert "waiting for a moderator's review" in reply_text(sent)
    assert posted(sent, QA_CHANNEL_ID) == []
    [review] = review_requests(sent, MODERATORS_CHANNEL_ID)
    assert custom_ids(review) == [
        "podium:mod:approve:1",
        *(f"podium:aside:{r.value}:1" for r in ReasonCode),
        "podium:mod:edit:1",
    ]


async def test_my_questions_and_withdraw(discord_bot):
    await open_event(discord_bot)
    qid = await ask(discord_bot, audience(1), "First thought")
    sent = await discord_bot.send(slash(audience(1), "withdraw", question=qid))
    assert f"Question #{qid} is withdrawn" in reply_text(sent)
    assert "withdrawn" in discord_bot.card(qid)["embeds"][0]["description"]
    assert discord_bot.card(qid)["components"][0]["components"][0]["disabled"] is True
    sent = await discord_bot.send(slash(audience(1), "my-questions"))
    assert f"#{qid}: withdrawn" in reply_text(sent)
    sent = await discord_bot.send(slash(audience(2), "withdraw", question=qid))
    assert "only withdraw your own questions" in reply_text(sent)
    assert (await get_question(discord_bot.db, qid)).status is QuestionStatus.WITHDRAWN


def up_label(discord_bot, qid):
    return discord_bot.card(qid)["components"][0]["components"][0]["label"]


def edits(sent):
    """Edits of cards (the board, kept current besides, is a layout message of its own)."""
    return [
        r
        for r in sent
        if r.method == "PATCH" and r.path.startswith("/channels/") and not (r.json.get("flags") or 0) & IS_COMPONENTS_V2
    ]


async def test_asking_when_no_event_runs_says_so(discord_bot):
    sent = await discord_bot.send(slash(HOST, "ask", text="Anyone there?"))
    assert "No event is taking questions" in reply_text(sent)


async def test_a_card_the_database_fails_to_read_is_redrawn_at_the_next_look(discord_bot, monkeypatch, caplog):
    await open_event(discord_bot)
    qid = await ask(discord_bot, audience(1), "How will the rent cap be funded by the government?")
    card_facts, failures = failing_once(cards_module.card_facts, DatabaseUnavailable())
    monkeypatch.setattr(cards_module, "card_facts", card_facts)
    # A vote from the web console, say: the card follows it.
    await cast_vote(discord_bot.db, qid, actor(2))
    discord_bot.bot.podium.publisher.question_changed(qid, votes_only=True)
    await discord_bot.settle()
    assert not failures, "a look met the failure"
    assert "not redrawn (DatabaseUnavailable)" in caplog.text
    assert up_label(discord_bot, qid) == "▲ 1"


async def test_a_card_the_database_fails_to_read_when_published_is_posted_at_the_next_look(
    discord_bot, monkeypatch, caplog
):
    await open_event(discord_bot)
    card_facts, failures = failing_once(cards_module.card_facts, DatabaseUnavailable())
    monkeypatch.setattr(cards_module, "card_facts", card_facts)
    sent = await discord_bot.send(slash(audience(1), "ask", text="How will the rent cap be funded?"))
    assert "Question #1 is in the queue" in reply_text(sent)
    await discord_bot.settle()
    assert not failures, "the post met the failure"
    card = discord_bot.card(1)
    assert card["embeds"][0]["description"] == "How will the rent cap be funded?"
    assert (await get_question(discord_bot.db, 1)).card_message_id == int(card["id"])
    assert "card of question 1: not posted (DatabaseUnavailable)" in caplog.text


async def test_a_card_posted_but_not_remembered_is_remembered_at_the_next_look_not_posted_twice(
    discord_bot, monkeypatch, caplog
):
    await open_event(discord_bot)
    set_card_message, failures = failing_once(cards_module.set_card_message, DatabaseUnavailable())
    monkeypatch.setattr(cards_module, "set_card_message", set_card_message)
    await discord_bot.send(slash(audience(1), "ask", text="How will the rent cap be funded?"))
    await discord_bot.settle()
    assert not failures, "remembering the card met the failure"
    # Posted again with the same nonce, Discord returns the card the first post made.
    assert (await get_question(discord_bot.db, 1)).card_message_id == int(discord_bot.card(1)["id"])
    assert "card of question 1: not posted (DatabaseUnavailable)" in caplog.text


async def test_cards_looked_at_together_read_their_counts_in_one_read(discord_bot, monkeypatch):
    await open_event(discord_bot)
    topics = ("rent caps", "social housing", "planning reform", "land value tax", "first-time buyers")
    qids = [
        await ask(discord_bot, audience(10 + n), f"What does the report say on {topic}?")
        for n, topic in enumerate(topics)
    ]
    reads = []

    async def vote_counts(db, question_ids):
        reads.append(sorted(question_ids))
        return await counts_of(db, question_ids)

    counts_of = cards_module.vote_counts
    monkeypatch.setattr(cards_module, "vote_counts", vote_counts)
    # Votes from the web console, say: every card follows them.
    for qid in qids:
        await cast_vote(discord_bot.db, qid, actor(2))
    for qid in qids:
        discord_bot.bot.podium.publisher.question_changed(qid, votes_only=True)
    await discord_bot.settle()
    assert reads == [sorted(qids)]
    assert [up_label(discord_bot, qid) for qid in qids] == ["▲ 1"] * 5


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)  # the write lock held is SQLite's
async def test_a_late_vote_on_a_card_is_acknowledged_at_once_then_redraws_the_card(discord_bot, late_clicks):
    await open_event(discord_bot)
    qid = await ask(discord_bot, audience(1), "Will the report be costed?")
    payload = click(audience(2), discord_bot.card(qid), f"podium:vote:{qid}:up")
    sent = await click_while_writes_wait(discord_bot, payload)
    answers = [r for r in sent if r.path.startswith(("/interactions/", "/webhooks/"))]
    assert answers[0].route == f"POST /interactions/{payload['id']}/{payload['token']}/callback"
    assert answers[0].json == {"type": 6}, "DEFERRED_UPDATE_MESSAGE: the card stays as it is meanwhile"
    redraw = answers[1]
    assert redraw.route == f"PATCH /webhooks/{APPLICATION_ID}/{payload['token']}/messages/@original"
    assert redraw.json["components"][0]["components"][0]["label"] == "▲ 1"
    [confirmation] = replies(sent)[1:]
    assert is_ephemeral(confirmation)
    assert confirmation["content"] == f"Your upvote on #{qid} counts."
    assert up_label(discord_bot, qid) == "▲ 1"
