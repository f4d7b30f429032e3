"""Votes: one per person and question, toggling, and refused where they make no sense."""

import random
from datetime import timedelta

import pytest

from bot.domain.actors import Actor
from bot.domain.clock import utcnow
from bot.domain.enums import ReasonCode
from bot.domain.errors import InvalidInput, InvalidTransition, NotAllowed, NotFound, PodiumError
from bot.services.qa.events import close_event, pause_event
from bot.services.qa.moderation import ban_asker, set_aside_question
from bot.services.qa.questions import get_question, submit_question
from bot.services.qa.votes import Ballot, cast_ballots, cast_vote, remove_vote, toggle_vote
from tests.factories import make_event, member


@pytest.fixture
async def question(db, event, asker):
    return await submit_question(db, event.id, asker, "When will the new homes be built?")


async def test_votes_from_different_people_add_up(db, question):
    for n in range(2, 5):
        tally = await cast_vote(db, question.id, member(n))
    assert (tally.votes_up, tally.votes_down, tally.score, tally.my_vote) == (3, 0, 3, 1)
    assert (await get_question(db, question.id)).score == 3


async def test_casting_the_same_vote_twice_counts_once(db, question):
    await cast_vote(db, question.id, member(2))
    tally = await cast_vote(db, question.id, member(2))
    assert (tally.votes_up, tally.score) == (1, 1)


async def test_the_vote_button_toggles(db, question):
    voter = member(2)
    assert (await toggle_vote(db, question.id, voter)).score == 1
    tally = await toggle_vote(db, question.id, voter)
    assert (tally.score, tally.my_vote) == (0, 0)
    assert (await toggle_vote(db, question.id, voter)).score == 1


async def test_a_vote_can_be_taken_back(db, question):
    await cast_vote(db, question.id, member(2))
    assert (await remove_vote(db, question.id, member(2))).score == 0
    assert (await remove_vote(db, question.id, member(2))).score == 0


async def test_downvotes_only_where_enabled(db, moderator, asker):
    plain = await make_event(db, moderator)
    q = await submit_question(db, plain.id, asker, "Downvote me?")
    with pytest.raises(NotAllowed, match="does not use downvotes"):
        await cast_vote(db, q.id, member(2), -1)
    event = await make_event(db, moderator, allow_downvotes=True)
    q = await submit_question(db, event.id, asker, "Downvote me!")
    await cast_vote(db, q.id, member(2), 1)
    await cast_vote(db, q.id, member(3), -1)
    tally = await cast_vote(db, q.id, member(2), -1)  # changes their mind
    assert (tally.votes_up, tally.votes_down, tally.score) == (0, 2, -2)


async def test_an_asker_cannot_vote_on_their_own_question(db, question, asker):
    with pytest.raises(NotAllowed, match="your own question"):
        await cast_vote(db, question.id, asker)
    assert (await get_question(db, question.id)).score == 0


async def test_a_member_banned_from_the_event_cannot_vote(db, event, question, moderator):
    await ban_asker(db, event.id, member(5).user_id, moderator)
    with pytest.raises(NotAllowed, match="stopped you from voting"):
        await cast_vote(db, question.id, member(5))
    assert (await get_question(db, question.id)).votes_up == 0
    await cast_vote(db, question.id, member(6))  # a ban is one member's, not everyone's
    assert (await get_question(db, question.id)).votes_up == 1


async def test_self_votes_where_the_event_allows_them(db, moderator, asker):
    event = await make_event(db, moderator, allow_self_votes=True)
    q = await submit_question(db, event.id, asker, "Vote for me")
    assert (await cast_vote(db, q.id, asker)).score == 1


async def test_dismissed_questions_take_no_votes(db, question, moderator):
    await set_aside_question(db, question.id, moderator, ReasonCode.OFF_TOPIC)
    with pytest.raises(InvalidTransition, match="is set aside by a moderator, so it no longer takes votes"):
        await cast_vote(db, question.id, member(2))


async def test_votes_count_while_paused_but_not_once_closed(db, event, question, moderator):
    await pause_event(db, event.id, moderator)
    assert (await cast_vote(db, question.id, member(2))).score == 1
    await close_event(db, event.id, moderator)
    with pytest.raises(InvalidTransition, match="Voting for “Launch of the Housing Report” is closed"):
        await cast_vote(db, question.id, member(3))


async def test_unknown_questions_and_values_are_refused(db, question):
    with pytest.raises(NotFound, match="no question #999"):
        await cast_vote(db, 999, member(2))
    with pytest.raises(InvalidInput, match=r"\+1 \(up\) or -1"):
        await cast_vote(db, question.id, member(2), 2)


async def test_a_member_of_another_server_cannot_vote_or_ask_here(db, event, question):
    stranger = Actor(user_id=7, display_name="Stranger", guild_id=event.guild_id + 1)
    with pytest.raises(NotFound):
        await cast_vote(db, question.id, stranger)
    with pytest.raises(NotFound):
        await submit_question(db, event.id, stranger, "Hello from elsewhere")


async def test_a_run_of_ballots_ends_as_one_call_each_would(db, moderator, asker):
    # Two events alike, the same ballots at the same moments: one vote at a time through
    # cast_vote and remove_vote in one, as one run through cast_ballots in the other. Gaps of up
    # to an hour between ballots pass ten half-lives often, so the run rebases midway too.
    rng = random.Random(1919)
    start = utcnow()
    moments, at = [], start
    for _ in range(80):
        at += timedelta(seconds=rng.choice((1, 30, 600, 3_600)))
        moments.append(at)
    plan = [(rng.randrange(4), rng.randrange(8), rng.choice((1, 1, -1, 0))) for _ in moments]
    outcomes, counts = [], []
    for run in (False, True):
        event = await make_event(db, moderator, allow_downvotes=True, trending_half_life_s=300, rate_limit_count=4)
        questions = [(await submit_question(db, event.id, asker, f"Question {n} on rents?")).id for n in range(4)]
        await ban_asker(db, event.id, member(7).user_id, moderator)
        await set_aside_question(db, questions[3], moderator, ReasonCode.OFF_TOPIC)
        # Voter 0 is the asker: refused on their own questions.
        voters = [asker, *(member(n) for n in range(1, 8))]
        ballots = [Ballot(questions[q], voters[v], value, at) for (q, v, value), at in zip(plan, moments, strict=True)]
        if run:
            got = await cast_ballots(db, ballots)
        else:
            got = []
            for ballot in ballots:
                try:
                    if ballot.value:
                        got.append(await cast_vote(db, ballot.question_id, ballot.voter, ballot.value, now=ballot.now))
                    else:
                        got.append(await remove_vote(db, ballot.question_id, ballot.voter, now=ballot.now))
                except PodiumError as refusal:
                    got.append(refusal)
        outcomes.append(
            [
                type(o).__name__ if isinstance(o, PodiumError) else (o.votes_up, o.votes_down, o.score, o.my_vote)
                for o in got
            ]
        )
        rows = [await get_question(db, q) for q in questions]
        counts.append([(q.votes_up, q.votes_down, q.score, q.trend_key) for q in rows])
    assert outcomes[0] == outcomes[1]
    assert counts[0] == counts[1]
    assert {"NotAllowed", "InvalidTransition"} <= set(outcomes[1])
    assert any(key for *_, key in counts[1])
