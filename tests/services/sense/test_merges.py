"""Merging a repeated question into the original, and undoing it exactly."""

import pytest
from sqlmodel import select

from bot.domain.enums import LedgerAction, QuestionStatus, ReasonCode
from bot.domain.errors import InvalidInput, InvalidTransition, NotAllowed, NotFound
from bot.services.qa import moderation
from bot.services.qa.events import archive_event, close_event
from bot.services.qa.questions import get_question, submit_question, withdraw_question
from bot.services.qa.votes import cast_vote, remove_vote, toggle_vote
from bot.services.records.ledger import event_ledger
from bot.services.sense.merges import askers, merge_questions, unmerge_question
from db.models import Vote
from tests.factories import make_event, member


async def ask(db, event, n, text=None, **kwargs):
    return await submit_question(db, event.id, member(n), text or f"Question from member {n}", **kwargs)


async def upvote(db, question, *voters):
    for n in voters:
        await cast_vote(db, question.id, member(n))


async def ballots(db, question_id):
    """Each voter's vote on the question, as stored."""
    query = select(Vote.user_id, Vote.value, Vote.cast_at).where(Vote.question_id == question_id)
    return sorted(await db.read(lambda session: session.exec(query).all()))


async def counters(db, question_id):
    q = await get_question(db, question_id)
    return q.votes_up, q.votes_down, q.score


async def assert_counters_match_votes(db, question_id):
    values = [value for _, value, _ in await ballots(db, question_id)]
    up, down = values.count(1), values.count(-1)
    assert await counters(db, question_id) == (up, down, up - down)


@pytest.fixture
async def pair(db, event):
    """The original question (A) and a repeat of it (B), each with voters; member 12 voted for both."""
    original = await ask(db, event, 1, "How will the rent cap be funded?")
    repeat = await ask(db, event, 2, "Who pays for the rent cap?")
    await upvote(db, original, 10, 11, 12)
    await upvote(db, repeat, 12, 13, 14)
    return original, repeat


async def test_merging_unites_the_votes_and_a_voter_of_both_counts_once(db, pair, moderator):
    original, repeat = pair
    merge = await merge_questions(db, repeat.id, original.id, moderator)
    assert (merge.question.status, merge.question.merged_into) == (QuestionStatus.MERGED, original.id)
    assert await counters(db, original.id) == (5, 0, 5)
    assert [user for user, _, _ in await ballots(db, original.id)] == [member(n).user_id for n in (10, 11, 12, 13, 14)]
    await assert_counters_match_votes(db, original.id)
    await assert_counters_match_votes(db, repeat.id)


async def test_every_asker_is_credited_on_the_question_kept(db, event, pair, moderator):
    original, repeat = pair
    third = await ask(db, event, 3, "Is the rent cap funded by taxes?", anonymous=True)
    await merge_questions(db, repeat.id, original.id, moderator)
    await merge_questions(db, third.id, original.id, moderator)
    credited = (await askers(db, [original.id]))[original.id]
    assert [(a.user_id, a.question_id) for a in credited] == [
        (member(1).user_id, original.id),
        (member(2).user_id, repeat.id),
        (member(3).user_id, third.id),
    ]
    assert [a.anonymous for a in credited] == [False, False, True]


async def test_someone_who_asked_both_is_credited_once(db, event, moderator):
    original = await ask(db, event, 1, "How will the rent cap be funded?")
    again = await ask(db, event, 1, "How will the rent cap be paid for?")
    await merge_questions(db, again.id, original.id, moderator)
    assert len((await askers(db, [original.id]))[original.id]) == 1


async def test_merges_carry_their_own_merges_along(db, event, pair, moderator):
    original, repeat = pair
    third = await ask(db, event, 3, "Rent cap: who pays?")
    await upvote(db, third, 15)
    await merge_questions(db, third.id, repeat.id, moderator)
    await merge_questions(db, repeat.id, original.id, moderator)
    assert len((await askers(db, [original.id]))[original.id]) == 3
    assert await counters(db, original.id) == (6, 0, 6)


async def test_unmerging_restores_both_questions_exactly(db, pair, moderator):
    original, repeat = pair
    await moderation.pin_question(db, repeat.id, moderator)
    before = {q: ((await get_question(db, q)).model_dump(), await ballots(db, q)) for q in (original.id, repeat.id)}
    await merge_questions(db, repeat.id, original.id, moderator)
    merge = await unmerge_question(db, repeat.id, moderator)
    assert (merge.question.id, merge.into.id) == (repeat.id, original.id)
    for question_id, (question, votes) in before.items():
        assert (await get_question(db, question_id)).model_dump() == question
        assert await ballots(db, question_id) == votes
    assert (await askers(db, [original.id]))[original.id][1:] == []


async def test_votes_cast_on_the_kept_question_after_the_merge_stay_there(db, pair, moderator):
    original, repeat = pair
    await merge_questions(db, repeat.id, original.id, moderator)
    await upvote(db, original, 20)  # a new voter
    await remove_vote(db, original.id, member(13))  # took back the vote that came with the merge
    await toggle_vote(db, original.id, member(14))  # ... and this one re-cast it: it is theirs now
    await toggle_vote(db, original.id, member(14))
    await unmerge_question(db, repeat.id, moderator)
    voters = [user for user, _, _ in await ballots(db, original.id)]
    assert voters == [member(n).user_id for n in (10, 11, 12, 14, 20)]
    assert await counters(db, repeat.id) == (3, 0, 3)
    await assert_counters_match_votes(db, original.id)


async def test_a_merged_question_takes_no_votes(db, pair, moderator):
    original, repeat = pair
    await merge_questions(db, repeat.id, original.id, moderator)
    with pytest.raises(InvalidTransition, match=f"is merged into #{original.id}, so it no longer takes votes"):
        await cast_vote(db, repeat.id, member(30))


async def test_the_kept_questions_asker_gets_no_vote_on_their_own_question(db, event, moderator):
    original = await ask(db, event, 1, "How will the rent cap be funded?")
    repeat = await ask(db, event, 2, "Who pays for the rent cap?")
    await cast_vote(db, repeat.id, member(1))  # the original's asker liked the repeat
    await merge_questions(db, repeat.id, original.id, moderator)
    assert await counters(db, original.id) == (0, 0, 0)


async def test_downvotes_are_united_too(db, moderator):
    event = await make_event(db, moderator, allow_downvotes=True)
    original, repeat = await ask(db, event, 1, "Rent cap?"), await ask(db, event, 2, "The rent cap?")
    await cast_vote(db, original.id, member(10), -1)
    await cast_vote(db, repeat.id, member(10), 1)
    await cast_vote(db, repeat.id, member(11), -1)
    await merge_questions(db, repeat.id, original.id, moderator)
    assert await counters(db, original.id) == (0, 2, -2)
    await unmerge_question(db, repeat.id, moderator)
    assert await counters(db, original.id) == (0, 1, -1)
    assert await counters(db, repeat.id) == (1, 1, 0)


async def test_the_ledger_records_the_merge_and_the_unmerge(db, event, pair, moderator):
    original, repeat = pair
    await merge_questions(db, repeat.id, original.id, moderator)
    await unmerge_question(db, repeat.id, moderator)
    entries = [(e.action, e.question_id, e.actor_id, e.note) for e in await event_ledger(db, event.id)][-2:]
    assert entries == [
        (LedgerAction.MERGE, repeat.id, moderator.user_id, f"merged into #{original.id}"),
        (LedgerAction.UNMERGE, repeat.id, moderator.user_id, f"taken out of #{original.id}"),
    ]


async def test_merging_into_itself_is_refused(db, pair, moderator):
    original, _ = pair
    with pytest.raises(InvalidInput, match="cannot be merged into itself"):
        await merge_questions(db, original.id, original.id, moderator)


async def test_merging_across_events_is_refused(db, pair, moderator):
    original, _ = pair
    elsewhere = await ask(db, await make_event(db, moderator), 5, "How will the rent cap be funded?")
    with pytest.raises(InvalidInput, match="belong to different events"):
        await merge_questions(db, elsewhere.id, original.id, moderator)
    assert (await get_question(db, elsewhere.id)).status is QuestionStatus.PUBLISHED


async def test_merging_into_a_merged_question_names_the_one_to_use(db, event, pair, moderator):
    original, repeat = pair
    third = await ask(db, event, 3, "Rent cap: who pays?")
    await merge_questions(db, repeat.id, original.id, moderator)
    with pytest.raises(InvalidTransition, match=f"is merged into #{original.id}; merge into #{original.id} instead"):
        await merge_questions(db, third.id, repeat.id, moderator)
    with pytest.raises(InvalidTransition, match="already merged"):
        await merge_questions(db, repeat.id, third.id, moderator)


async def test_merging_into_a_withdrawn_or_dismissed_question_is_refused(db, event, pair, moderator):
    original, repeat = pair
    await withdraw_question(db, original.id, member(1))
    with pytest.raises(InvalidTransition, match="is withdrawn, so no question can be merged into it"):
        await merge_questions(db, repeat.id, original.id, moderator)
    await moderation.set_aside_question(db, repeat.id, moderator, ReasonCode.DUPLICATE)
    third = await ask(db, event, 3)
    with pytest.raises(InvalidTransition, match="is set aside by a moderator, so no question can be merged into it"):
        await merge_questions(db, third.id, repeat.id, moderator)


async def test_a_question_being_answered_cannot_be_merged_away(db, pair, moderator):
    original, repeat = pair
    await moderation.mark_live(db, repeat.id, moderator)
    with pytest.raises(InvalidTransition, match="being answered now, so it cannot be merged"):
        await merge_questions(db, repeat.id, original.id, moderator)


async def test_a_repeat_can_be_merged_into_an_answered_question(db, pair, moderator):
    original, repeat = pair
    await moderation.mark_answered(db, original.id, moderator)
    merge = await merge_questions(db, repeat.id, original.id, moderator)
    assert merge.into.status is QuestionStatus.ANSWERED


async def test_unmerging_what_is_not_merged_is_refused(db, pair, moderator):
    _, repeat = pair
    with pytest.raises(InvalidTransition, match="is not merged"):
        await unmerge_question(db, repeat.id, moderator)
    with pytest.raises(NotFound, match="no question #999"):
        await unmerge_question(db, 999, moderator)


async def test_unmerging_waits_for_the_kept_question_to_be_unmerged_first(db, event, pair, moderator):
    original, repeat = pair
    newer = await ask(db, event, 3, "Rent cap: who pays?")
    await merge_questions(db, repeat.id, original.id, moderator)
    await merge_questions(db, original.id, newer.id, moderator)
    with pytest.raises(InvalidTransition, match=f"unmerge #{original.id} first"):
        await unmerge_question(db, repeat.id, moderator)


async def test_only_moderators_merge_and_unmerge(db, event, pair, moderator):
    original, repeat = pair
    with pytest.raises(NotAllowed, match="Only this server's Podium moderators"):
        await merge_questions(db, repeat.id, original.id, member(3))
    await merge_questions(db, repeat.id, original.id, moderator)
    with pytest.raises(NotAllowed, match="Only this server's Podium moderators"):
        await unmerge_question(db, repeat.id, member(3))
    assert [e.action for e in await event_ledger(db, event.id)].count(LedgerAction.MERGE) == 1


async def test_nothing_merges_once_the_event_is_archived(db, event, pair, moderator):
    original, repeat = pair
    await close_event(db, event.id, moderator)
    await archive_event(db, event.id, moderator)
    with pytest.raises(InvalidTransition, match="archived"):
        await merge_questions(db, repeat.id, original.id, moderator)
