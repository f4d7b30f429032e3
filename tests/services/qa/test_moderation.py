"""The moderator's queue work, and the ledger that records every decision."""

from datetime import timedelta

import pytest

from bot.domain.enums import LedgerAction, QuestionStatus, ReasonCode
from bot.domain.errors import InvalidInput, InvalidTransition, NotAllowed, NotFound
from bot.services.qa import moderation
from bot.services.qa.events import archive_event, close_event
from bot.services.qa.moderation import AfterLive
from bot.services.qa.questions import get_question, submit_question
from bot.services.qa.votes import cast_vote
from bot.services.records.ledger import event_ledger
from tests.factories import make_event, member


async def ask(db, event, n, text=None, **kwargs):
    return await submit_question(db, event.id, member(n), text or f"Question from member {n}", **kwargs)


@pytest.fixture
async def premoderated(db, moderator):
    return await make_event(db, moderator, premoderation=True)


async def test_approving_publishes_a_question_waiting_for_review(db, premoderated, moderator):
    question = await ask(db, premoderated, 1)
    approved = await moderation.approve_question(db, question.id, moderator)
    assert approved.status is QuestionStatus.PUBLISHED
    entry = (await event_ledger(db, premoderated.id))[-1]
    assert (entry.action, entry.question_id, entry.actor_id, entry.actor_name) == (
        LedgerAction.APPROVE,
        question.id,
        moderator.user_id,
        "Morgan (host)",
    )


async def test_setting_aside_a_question_in_review_is_a_rejection_and_restore_puts_it_back_in_review(
    db, premoderated, moderator
):
    question = await ask(db, premoderated, 1)
    rejected = await moderation.set_aside_question(db, question.id, moderator, ReasonCode.INAPPROPRIATE)
    assert (rejected.status, rejected.reason) == (QuestionStatus.DISMISSED, ReasonCode.INAPPROPRIATE)
    entry = (await event_ledger(db, premoderated.id))[-1]
    assert (entry.action, entry.reason) == (LedgerAction.REJECT, ReasonCode.INAPPROPRIATE)
    restored = await moderation.restore_question(db, question.id, moderator)
    assert restored.status is QuestionStatus.PENDING_REVIEW


async def test_the_reason_other_needs_a_note(db, premoderated, moderator):
    question = await ask(db, premoderated, 1)
    with pytest.raises(InvalidInput, match="add a short note"):
        await moderation.set_aside_question(db, question.id, moderator, ReasonCode.OTHER)
    rejected = await moderation.set_aside_question(db, question.id, moderator, ReasonCode.OTHER, note=" asked twice ")
    assert rejected.reason_note == "asked twice"


async def test_editing_keeps_the_askers_original_words(db, event, moderator):
    question = await ask(db, event, 1, "What about teh rent cap, Jane Doe?")
    await moderation.edit_question(db, question.id, moderator, "What about the rent cap?")
    edited = await moderation.edit_question(db, question.id, moderator, "What about the rent cap in cities?")
    assert edited.text == "What about the rent cap in cities?"
    assert edited.original_text == "What about teh rent cap, Jane Doe?"
    with pytest.raises(InvalidInput, match="empty"):
        await moderation.edit_question(db, question.id, moderator, "   ")
    assert (await get_question(db, question.id)).text == "What about the rent cap in cities?"


async def test_pinning_and_unpinning(db, event, moderator):
    question = await ask(db, event, 1)
    assert (await moderation.pin_question(db, question.id, moderator)).pinned
    assert not (await moderation.pin_question(db, question.id, moderator, pinned=False)).pinned
    actions = [e.action for e in await event_ledger(db, event.id)]
    assert actions[-2:] == [LedgerAction.PIN, LedgerAction.UNPIN]


async def test_one_question_is_live_at_a_time(db, event, moderator):
    first, second, third = [await ask(db, event, n) for n in (1, 2, 3)]
    await moderation.mark_live(db, first.id, moderator)
    change = await moderation.mark_live(db, second.id, moderator, previous=AfterLive.QUEUE)
    assert (change.live.id, change.previous.id, change.previous.status) == (
        second.id,
        first.id,
        QuestionStatus.PUBLISHED,
    )
    change = await moderation.mark_live(db, third.id, moderator, previous=AfterLive.ANSWERED)
    assert change.previous.status is QuestionStatus.ANSWERED
    statuses = {q.id: (await get_question(db, q.id)).status for q in (first, second, third)}
    assert statuses == {
        first.id: QuestionStatus.PUBLISHED,
        second.id: QuestionStatus.ANSWERED,
        third.id: QuestionStatus.LIVE,
    }


async def test_take_next_puts_the_top_question_live(db, event, moderator):
    quiet, popular = await ask(db, event, 1), await ask(db, event, 2)
    await cast_vote(db, popular.id, member(3))
    change = await moderation.take_next(db, event.id, moderator)
    assert change.live.id == popular.id
    assert (await moderation.take_next(db, event.id, moderator)).live.id == quiet.id
    with pytest.raises(NotFound, match="queue is empty"):
        await moderation.take_next(db, event.id, moderator)


async def test_answered_questions_record_when_from_the_events_start(db, event, moderator):
    question = await ask(db, event, 1)
    answered_at = event.starts_at + timedelta(minutes=12, seconds=30)
    answered = await moderation.mark_answered(db, question.id, moderator, now=answered_at)
    assert (answered.status, answered.answered_at, answered.answered_offset_s) == (
        QuestionStatus.ANSWERED,
        answered_at,
        750.0,
    )


async def test_set_aside_a_published_question_and_restore_it(db, event, moderator):
    question = await ask(db, event, 1)
    await moderation.pin_question(db, question.id, moderator)
    dismissed = await moderation.set_aside_question(db, question.id, moderator, ReasonCode.ALREADY_ANSWERED)
    assert (dismissed.status, dismissed.pinned) == (QuestionStatus.DISMISSED, False)
    restored = await moderation.restore_question(db, question.id, moderator)
    assert (restored.status, restored.reason) == (QuestionStatus.PUBLISHED, None)
    actions = [e.action for e in await event_ledger(db, event.id)][-2:]
    assert actions == [LedgerAction.DISMISS, LedgerAction.RESTORE]


async def test_set_aside_works_on_the_question_being_answered(db, event, moderator):
    question = await ask(db, event, 1)
    await moderation.mark_live(db, question.id, moderator)
    await moderation.set_aside_question(db, question.id, moderator, ReasonCode.INAPPROPRIATE)
    assert await moderation.live_question(db, event.id) is None
    assert (await moderation.restore_question(db, question.id, moderator)).status is QuestionStatus.PUBLISHED


async def test_decisions_that_do_not_fit_the_questions_status_are_refused(db, event, moderator):
    question = await ask(db, event, 1)
    with pytest.raises(InvalidTransition, match="is in the queue, so it cannot be approved"):
        await moderation.approve_question(db, question.id, moderator)
    with pytest.raises(InvalidTransition, match="cannot be restored"):
        await moderation.restore_question(db, question.id, moderator)
    await moderation.mark_answered(db, question.id, moderator)
    with pytest.raises(InvalidTransition, match="is answered, so it cannot go live"):
        await moderation.mark_live(db, question.id, moderator)


async def test_ban_and_unban_an_asker(db, event, moderator):
    spammer = member(9)
    await moderation.ban_asker(db, event.id, spammer.user_id, moderator, reason="flooding")
    with pytest.raises(InvalidTransition, match="already banned"):
        await moderation.ban_asker(db, event.id, spammer.user_id, moderator)
    await moderation.unban_asker(db, event.id, spammer.user_id, moderator)
    assert (await ask(db, event, 9)).status is QuestionStatus.PUBLISHED
    bans = [(e.action, e.subject_user_id) for e in await event_ledger(db, event.id)][-2:]
    assert bans == [(LedgerAction.BAN, spammer.user_id), (LedgerAction.UNBAN, spammer.user_id)]


async def test_moderators_can_still_mark_answers_after_close_but_not_after_archive(db, event, moderator):
    question = await ask(db, event, 1)
    await close_event(db, event.id, moderator)
    await moderation.mark_answered(db, question.id, moderator)
    await archive_event(db, event.id, moderator)
    with pytest.raises(InvalidTransition, match="archived"):
        await moderation.restore_question(db, question.id, moderator)


# Every moderator decision, called by someone who is not a moderator.
DECISIONS = {
    "approve": lambda db, q, e, who: moderation.approve_question(db, q, who),
    "set aside": lambda db, q, e, who: moderation.set_aside_question(db, q, who, ReasonCode.OFF_TOPIC),
    "restore": lambda db, q, e, who: moderation.restore_question(db, q, who),
    "edit": lambda db, q, e, who: moderation.edit_question(db, q, who, "Reworded"),
    "pin": lambda db, q, e, who: moderation.pin_question(db, q, who),
    "live": lambda db, q, e, who: moderation.mark_live(db, q, who),
    "next": lambda db, q, e, who: moderation.take_next(db, e, who),
    "answer": lambda db, q, e, who: moderation.mark_answered(db, q, who),
    "ban": lambda db, q, e, who: moderation.ban_asker(db, e, member(9).user_id, who),
    "unban": lambda db, q, e, who: moderation.unban_asker(db, e, member(9).user_id, who),
}


@pytest.mark.parametrize("decision", DECISIONS)
async def test_no_decision_is_open_to_non_moderators(db, event, decision):
    question = await ask(db, event, 1)
    before = len(await event_ledger(db, event.id))
    with pytest.raises(NotAllowed, match="Only this server's Podium moderators"):
        await DECISIONS[decision](db, question.id, event.id, member(2))
    assert (await get_question(db, question.id)).status is QuestionStatus.PUBLISHED
    assert len(await event_ledger(db, event.id)) == before


async def test_answered_closes_the_live_question(db, event, moderator):
    with pytest.raises(NotFound, match="No question is being answered"):
        await moderation.answer_live(db, event.id, moderator)
    question = await ask(db, event, 1)
    await moderation.mark_live(db, question.id, moderator)
    assert (await moderation.live_question(db, event.id)).id == question.id
    assert (await moderation.answer_live(db, event.id, moderator)).status is QuestionStatus.ANSWERED
    assert await moderation.live_question(db, event.id) is None


async def test_check_moderator(db, event, moderator):
    await moderation.check_moderator(db, event.guild_id, moderator)
    with pytest.raises(NotAllowed):
        await moderation.check_moderator(db, event.guild_id, member(2))


async def test_a_question_is_shown_in_full_to_moderators_only(db, event, moderator):
    question = await ask(db, event, 1, "Who asked me?", anonymous=True)
    assert (await moderation.question_for_moderator(db, question.id, moderator)).author_id == member(1).user_id
    with pytest.raises(NotAllowed):
        await moderation.question_for_moderator(db, question.id, member(2))
