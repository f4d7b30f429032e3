"""Votes on one question arriving together: every one counted exactly, each refusal with its reason.

On PostgreSQL they go through the ballot box (``bot.services.qa.ballot_box``): one statement at a
time per question, carrying every vote that arrived while the one before it ran. SQLite's writer
commits them in groups too. Either way, the outcome is what the votes would have done one by one.
"""

import asyncio

import pytest

from bot.domain.errors import NotAllowed, SaveUncertain
from bot.services.qa.moderation import ban_asker
from bot.services.qa.questions import get_question, submit_question
from bot.services.qa.votes import toggle_vote
from tests.factories import member
from tests.harness.db_faults import failing_once


@pytest.fixture
async def question(db, event, asker):
    question = await submit_question(db, event.id, asker, "When will the new homes be built?")
    await toggle_vote(db, question.id, member(1000))  # the process learns the question's event
    return question


@pytest.fixture
def statements(db):
    """How many votes each one-statement write counted (PostgreSQL; empty on SQLite)."""
    counted: list[int] = []
    if not db.is_sqlite:
        write_statement = db.write_statement

        async def counting(*args, **kwargs):
            rows = await write_statement(*args, **kwargs)
            counted.append(len(rows))
            return rows

        db.write_statement = counting
    return counted


async def test_a_crowd_clicking_one_question_is_counted_exactly_in_few_statements(db, question, statements):
    tallies = await asyncio.gather(*(toggle_vote(db, question.id, member(100 + n)) for n in range(200)))
    assert all(t.my_vote == 1 for t in tallies)
    stored = await get_question(db, question.id)
    assert (stored.votes_up, stored.score) == (201, 201)
    # Each member saw the count once their vote was in it: never more votes than were cast.
    assert sorted(t.votes_up for t in tallies)[-1] == 201
    if not db.is_sqlite:
        assert sum(statements) == 200  # every vote went through the ballot box
        assert len(statements) < 50, statements


async def test_a_crowd_taking_its_votes_back_leaves_only_the_first_vote(db, question, statements):
    await asyncio.gather(*(toggle_vote(db, question.id, member(100 + n)) for n in range(100)))
    tallies = await asyncio.gather(*(toggle_vote(db, question.id, member(100 + n)) for n in range(100)))
    assert all(t.my_vote == 0 for t in tallies)
    stored = await get_question(db, question.id)
    assert (stored.votes_up, stored.score) == (1, 1)
    if not db.is_sqlite:
        assert sum(statements) == 200


async def test_a_double_click_in_a_crowd_takes_the_vote_back(db, question):
    clicks = [toggle_vote(db, question.id, member(100 + n)) for n in range(50)]
    clicks.insert(10, toggle_vote(db, question.id, member(107)))  # one of them clicks twice
    tallies = await asyncio.gather(*clicks)
    assert sorted(t.my_vote for t in tallies) == [0] + [1] * 50
    stored = await get_question(db, question.id)
    assert (stored.votes_up, stored.score) == (50, 50)


async def test_refused_votes_in_a_crowd_get_their_reasons_and_the_rest_count(db, question, asker, moderator):
    banned = member(9)
    await ban_asker(db, question.event_id, banned.user_id, moderator)
    crowd = [toggle_vote(db, question.id, member(100 + n)) for n in range(40)]
    outcomes = await asyncio.gather(
        toggle_vote(db, question.id, asker), toggle_vote(db, question.id, banned), *crowd, return_exceptions=True
    )
    own, refused_ban, *counted = outcomes
    assert isinstance(own, NotAllowed)
    assert "your own question" in own.message
    assert isinstance(refused_ban, NotAllowed)
    assert "stopped you from voting" in refused_ban.message
    assert all(t.my_vote == 1 for t in counted)
    stored = await get_question(db, question.id)
    assert (stored.votes_up, stored.score) == (41, 41)


async def test_a_statement_that_fails_tells_each_of_its_voters_and_the_next_one_goes_on(db, question):
    if db.is_sqlite:
        pytest.skip("the ballot box is PostgreSQL's")
    db.write_statement, _ = failing_once(db.write_statement, SaveUncertain())
    first = await asyncio.gather(
        *(toggle_vote(db, question.id, member(100 + n)) for n in range(10)), return_exceptions=True
    )
    assert all(isinstance(outcome, SaveUncertain) for outcome in first)
    again = await asyncio.gather(*(toggle_vote(db, question.id, member(200 + n)) for n in range(10)))
    assert [t.votes_up for t in again] == [11] * 10


async def test_a_new_question_s_first_votes_go_together_too(db, question, asker, statements):
    # The event has had a vote (``question``), so it has a trending epoch; this question none.
    fresh = await submit_question(db, question.event_id, asker, "Who will build the homes?")
    tallies = await asyncio.gather(*(toggle_vote(db, fresh.id, member(100 + n)) for n in range(30)))
    assert sorted(t.votes_up for t in tallies)[-1] == 30
    if not db.is_sqlite:
        assert sum(statements) == 30  # none through the unit of work: the event is read once
