"""Counts stay exact when many people vote at the same moment, and a double click counts once."""

import asyncio

import pytest
from sqlmodel import func, select

from bot.services.qa.questions import get_question, submit_question
from bot.services.qa.votes import cast_vote, toggle_vote
from db.models import Vote
from tests.factories import member


@pytest.fixture
async def question(db, event, asker):
    return await submit_question(db, event.id, asker, "Will the report be costed?")


async def votes_stored(db, question_id):
    query = select(func.count()).where(Vote.question_id == question_id)
    return await db.read(lambda session: session.exec(query).one())


async def test_fifty_people_voting_at_once_make_fifty(db, question):
    await asyncio.gather(*(cast_vote(db, question.id, member(n)) for n in range(100, 150)))
    stored = await get_question(db, question.id)
    assert (stored.votes_up, stored.score) == (50, 50)
    assert await votes_stored(db, question.id) == 50


async def test_a_double_click_never_counts_twice(db, question):
    voter = member(2)
    await asyncio.gather(*(cast_vote(db, question.id, voter) for _ in range(5)))
    assert (await get_question(db, question.id)).score == 1
    assert await votes_stored(db, question.id) == 1


async def test_racing_toggles_leave_the_count_matching_the_votes(db, question):
    voters = [member(n) for n in range(200, 220)]
    await asyncio.gather(*(toggle_vote(db, question.id, v) for v in voters for _ in range(3)))
    # Each voter toggled three times: on, off, on.
    assert (await get_question(db, question.id)).score == await votes_stored(db, question.id) == 20
