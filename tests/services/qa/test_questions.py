"""Asking: what is accepted, what is refused and why, and the asker's own view."""

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.enums import LedgerAction, ProfanityPolicy, QuestionStatus
from bot.domain.errors import InvalidInput, InvalidTransition, NotAllowed, RateLimited
from bot.services.qa.events import close_event, create_event, pause_event, update_event
from bot.services.qa.moderation import ban_asker, mark_live
from bot.services.qa.questions import (
    Forwarded,
    get_question,
    my_questions,
    set_card_message,
    submit_question,
    withdraw_question,
)
from bot.services.records.ledger import event_ledger
from tests.factories import GUILD_ID, make_event, member

T0 = datetime(2026, 5, 1, 18, 0, tzinfo=UTC)


async def test_a_question_is_published_with_its_asker(db, event, asker):
    question = await submit_question(db, event.id, asker, "How will the report's rent cap be funded?")
    stored = await get_question(db, question.id)
    assert stored.status is QuestionStatus.PUBLISHED
    assert (stored.author_id, stored.author_name, stored.anonymous) == (asker.user_id, "Member 1", False)
    assert (stored.votes_up, stored.score, stored.pinned) == (0, 0, False)


async def test_with_premoderation_questions_wait_for_review(db, moderator, asker):
    event = await make_event(db, moderator, premoderation=True)
    question = await submit_question(db, event.id, asker, "What about rural housing?")
    assert question.status is QuestionStatus.PENDING_REVIEW


async def test_text_is_stored_normalised(db, event, asker):
    question = await submit_question(db, event.id, asker, "  What\u200b about\n\n  **rural**\ttowns?\x07 ")
    assert (await get_question(db, question.id)).text == "What about **rural** towns?"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Your question is empty"),
        (" \u200b\n\t ", "Your question is empty"),
        ("@everyone <@123456789012345678> https://example.org", "only mentions or links"),
        ("<@&987654321098765432> <#123> www.example.org", "only mentions or links"),
        ("x" * 501, "at most 500 characters; yours has 501"),
    ],
)
async def test_unacceptable_text_is_refused_with_the_reason(db, event, asker, text, message):
    with pytest.raises(InvalidInput, match=message):
        await submit_question(db, event.id, asker, text)
    assert await my_questions(db, event.id, asker) == []


async def test_the_length_limit_is_the_events_own(db, moderator, asker):
    event = await make_event(db, moderator, max_question_length=40)
    with pytest.raises(InvalidInput, match="at most 40 characters; yours has 41"):
        await submit_question(db, event.id, asker, "y" * 41)
    assert (await submit_question(db, event.id, asker, "y" * 40)).text == "y" * 40


async def test_anonymous_questions_only_where_the_event_allows(db, moderator, asker):
    allowed = await make_event(db, moderator)
    assert (await submit_question(db, allowed.id, asker, "Who wrote chapter 3?", anonymous=True)).anonymous
    refused = await make_event(db, moderator, allow_anonymous=False)
    with pytest.raises(InvalidInput, match="does not take anonymous questions"):
        await submit_question(db, refused.id, asker, "Who wrote chapter 3?", anonymous=True)


async def test_questions_are_refused_unless_the_event_is_open(db, moderator, asker):
    draft = await create_event(db, GUILD_ID, moderator, title="Later")
    with pytest.raises(InvalidTransition, match="not open yet"):
        await submit_question(db, draft.id, asker, "Is this on?")
    event = await make_event(db, moderator)
    await pause_event(db, event.id, moderator)
    with pytest.raises(InvalidTransition, match="paused"):
        await submit_question(db, event.id, asker, "Is this on?")
    await close_event(db, event.id, moderator)
    with pytest.raises(InvalidTransition, match="closed"):
        await submit_question(db, event.id, asker, "Is this on?")


async def test_the_rate_limit_says_when_to_ask_again(db, event, asker):
    for minute in range(3):
        await submit_question(db, event.id, asker, f"Question number {minute}", now=T0 + timedelta(minutes=minute))
    with pytest.raises(RateLimited, match=r"3 questions every 5 minutes\. You can ask again in 2 minutes") as refused:
        await submit_question(db, event.id, asker, "One more", now=T0 + timedelta(minutes=3))
    assert refused.value.retry_at == T0 + timedelta(minutes=5)
    # Someone else is not held back, and the asker may go on once the window has moved.
    await submit_question(db, event.id, member(2), "Another person", now=T0 + timedelta(minutes=3))
    await submit_question(db, event.id, asker, "One more", now=T0 + timedelta(minutes=5, seconds=1))


async def test_a_banned_member_cannot_ask(db, event, moderator, asker):
    await ban_asker(db, event.id, asker.user_id, moderator, reason="spam")
    with pytest.raises(NotAllowed, match="stopped you from asking"):
        await submit_question(db, event.id, asker, "Let me in")


@pytest.mark.parametrize(
    ("policy", "expected"),
    [(ProfanityPolicy.REVIEW, QuestionStatus.PENDING_REVIEW), (ProfanityPolicy.OFF, QuestionStatus.PUBLISHED)],
)
async def test_the_profanity_filter_flags_for_review_or_not_at_all(db, moderator, asker, policy, expected):
    # The word list alone: the offensive-language classifier, which has its own threshold, is off.
    event = await make_event(db, moderator, profanity=policy, abuse_threshold=1.0)
    question = await submit_question(db, event.id, asker, "Why is this report such shit?")
    assert question.status is expected
    assert question.flagged is (policy is ProfanityPolicy.REVIEW)


async def test_the_profanity_filter_can_refuse(db, moderator, asker):
    event = await make_event(db, moderator)
    await update_event(db, event.id, moderator, profanity=ProfanityPolicy.REFUSE)
    with pytest.raises(InvalidInput, match="Please rephrase it"):
        await submit_question(db, event.id, asker, "Why is this report such shit?")


async def test_a_forwarded_message_is_credited_to_its_author_and_the_forwarder_is_recorded(db, event):
    author, forwarder = member(2), member(3)
    question = await submit_question(
        db, event.id, author, "From the chat: what about students?", forwarded=Forwarded(forwarder, channel_id=None)
    )
    assert question.author_id == author.user_id
    entry = (await event_ledger(db, event.id))[-1]
    assert (entry.action, entry.actor_id, entry.subject_user_id, entry.question_id) == (
        LedgerAction.FORWARD,
        forwarder.user_id,
        author.user_id,
        question.id,
    )


async def test_askers_withdraw_their_own_questions_only(db, event, asker):
    question = await submit_question(db, event.id, asker, "Never mind this one")
    with pytest.raises(NotAllowed, match="your own questions"):
        await withdraw_question(db, question.id, member(2))
    assert (await withdraw_question(db, question.id, asker)).status is QuestionStatus.WITHDRAWN


async def test_a_question_being_answered_cannot_be_withdrawn(db, event, moderator, asker):
    question = await submit_question(db, event.id, asker, "Too late to take back")
    await mark_live(db, question.id, moderator)
    with pytest.raises(InvalidTransition, match="being answered now; it can no longer be withdrawn"):
        await withdraw_question(db, question.id, asker)


async def test_my_questions_lists_mine_with_their_status(db, event, asker):
    first = await submit_question(db, event.id, asker, "First", now=T0)
    second = await submit_question(db, event.id, asker, "Second", now=T0 + timedelta(seconds=1))
    await submit_question(db, event.id, member(2), "Not mine")
    await withdraw_question(db, first.id, asker)
    mine = await my_questions(db, event.id, asker)
    assert [(q.id, q.status) for q in mine] == [
        (first.id, QuestionStatus.WITHDRAWN),
        (second.id, QuestionStatus.PUBLISHED),
    ]


async def test_the_card_message_is_remembered(db, event, asker):
    question = await submit_question(db, event.id, asker, "Where is my card?")
    await set_card_message(db, question.id, 2**62)
    assert (await get_question(db, question.id)).card_message_id == 2**62
