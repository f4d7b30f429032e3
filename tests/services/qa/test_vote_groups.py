"""SQLite's writer applies the votes that arrive together in one transaction, with no savepoint
each (``Database.write_core``): each vote is still kept or refused as it would be alone.

Through ``cast_vote`` and ``toggle_vote``, as a member's click reaches them; on PostgreSQL the
same crowds go through the ballot box (``test_ballot_box.py``).
"""

import asyncio

import pytest
import sqlalchemy as sa
from sqlmodel import select

from bot.domain.errors import DatabaseUnavailable, NotAllowed, NotFound
from bot.domain.trending import vote_term
from bot.services.qa.moderation import ban_asker
from bot.services.qa.questions import get_question, submit_question
from bot.services.qa.votes import cast_vote, toggle_vote
from db.engine import Database, Retries
from db.models import Event, Question, Vote
from tests.factories import member
from tests.harness.db_faults import SQLiteWriteLock, sqlite_path

# Short enough for a quick test: a vote gives up soon on a lock another process holds.
QUICK = Retries(budget_s=0.3, wait_s=0.05, pause_s=0.02, pause_max_s=0.05)


@pytest.fixture
async def question(db, event, asker):
    if not db.is_sqlite:
        pytest.skip("SQLite's writer; PostgreSQL's crowds go through the ballot box")
    return await submit_question(db, event.id, asker, "Where will the new school go?")


async def voters(db, question_id):
    """Who has a vote stored on the question, in order."""
    query = select(Vote.user_id).where(Vote.question_id == question_id).order_by(Vote.user_id)
    return await db.read(lambda session: list(session.exec(query).all()))


def members(numbers):
    return [member(n).user_id for n in numbers]


async def trend_key_and_terms(db, question_id):
    """The question's trending key, and the sum of its stored votes' terms: equal if exact."""

    def read(session):
        key, epoch, half_life_s = session.exec(
            select(Question.trend_key, Event.trend_epoch, Event.trending_half_life_s)
            .join(Event, Event.id == Question.event_id)
            .where(Question.id == question_id)
        ).one()
        votes = session.exec(select(Vote.value, Vote.cast_at).where(Vote.question_id == question_id)).all()
        return key, sum(value * vote_term(cast_at, epoch, half_life_s) for value, cast_at in votes)

    return await db.read(read)


async def test_a_crowd_s_first_votes_on_one_question_are_counted_exactly(db, question):
    tallies = await asyncio.gather(*(cast_vote(db, question.id, member(100 + n)) for n in range(300)))
    # One after another in the writer: each voter saw the count with their vote and those before.
    assert sorted(t.votes_up for t in tallies) == list(range(1, 301))
    assert all(t.my_vote == 1 for t in tallies)
    stored = await get_question(db, question.id)
    assert (stored.votes_up, stored.votes_down, stored.score) == (300, 0, 300)
    assert await voters(db, question.id) == members(range(100, 100 + 300))
    key, terms = await trend_key_and_terms(db, question.id)
    assert key == terms


async def test_a_crowd_toggling_twice_and_casting_again_ends_with_one_vote_each(db, question):
    crowd = [member(100 + n) for n in range(60)]
    # Each one's clicks reach the writer in order: on, off, and for the first twenty on again.
    clicks = [toggle_vote(db, question.id, v) for v in crowd for _ in range(2)]
    clicks += [cast_vote(db, question.id, v) for v in crowd[:20]]
    await asyncio.gather(*clicks)
    stored = await get_question(db, question.id)
    assert (stored.votes_up, stored.score) == (20, 20)
    assert await voters(db, question.id) == members(range(100, 120))
    key, terms = await trend_key_and_terms(db, question.id)
    assert key == terms


async def test_refused_votes_in_the_middle_of_a_crowd_leave_the_others(db, event, question, asker, moderator):
    banned = member(9)
    await ban_asker(db, event.id, banned.user_id, moderator)
    crowd = [toggle_vote(db, question.id, member(100 + n)) for n in range(40)]
    refused = [
        toggle_vote(db, question.id, asker),
        toggle_vote(db, question.id, banned),
        toggle_vote(db, question.id, member(50), -1),
        toggle_vote(db, question.id + 1000, member(51)),
    ]
    outcomes = await asyncio.gather(*crowd[:20], *refused, *crowd[20:], return_exceptions=True)
    own, by_banned, downvote, unknown = outcomes[20:24]
    assert isinstance(own, NotAllowed)
    assert "your own question" in own.message
    assert isinstance(by_banned, NotAllowed)
    assert "stopped you from voting" in by_banned.message
    assert isinstance(downvote, NotAllowed)
    assert "downvotes" in downvote.message
    assert isinstance(unknown, NotFound)
    counted = outcomes[:20] + outcomes[24:]
    assert all(t.my_vote == 1 for t in counted)
    stored = await get_question(db, question.id)
    assert (stored.votes_up, stored.score) == (40, 40)
    assert await voters(db, question.id) == members(range(100, 100 + 40))


async def test_a_vote_that_fails_after_writing_is_undone_alone(db, question):
    refused = member(666)

    # A database that refuses to count one member's vote once it is stored: the vote's row is
    # written, then moving the question's counters fails.
    def refuse_their_vote(connection):
        connection.exec_driver_sql(
            "CREATE TRIGGER refuse_one BEFORE UPDATE OF votes_up ON question"
            f" WHEN EXISTS (SELECT 1 FROM vote WHERE question_id = NEW.id AND user_id = {refused.user_id})"
            " BEGIN SELECT RAISE(ABORT, 'not this one'); END"
        )

    await db.run_with_connection(refuse_their_vote)
    crowd = [toggle_vote(db, question.id, member(100 + n)) for n in range(30)]
    outcomes = await asyncio.gather(
        *crowd[:15], toggle_vote(db, question.id, refused), *crowd[15:], return_exceptions=True
    )
    assert isinstance(outcomes[15], sa.exc.IntegrityError)
    assert all(t.my_vote == 1 for t in outcomes[:15] + outcomes[16:])
    stored = await get_question(db, question.id)
    assert (stored.votes_up, stored.score) == (30, 30)
    assert refused.user_id not in await voters(db, question.id)
    key, terms = await trend_key_and_terms(db, question.id)
    assert key == terms


async def test_a_group_that_cannot_commit_tells_each_voter_and_keeps_what_was_committed(db, question):
    await asyncio.gather(*(cast_vote(db, question.id, member(100 + n)) for n in range(10)))
    quick = Database(db.url.render_as_string(hide_password=False), retries=QUICK)
    try:
        lock = SQLiteWriteLock(sqlite_path(quick))  # another process holds the write lock throughout
        try:
            outcomes = await asyncio.gather(
                *(cast_vote(quick, question.id, member(200 + n)) for n in range(20)), return_exceptions=True
            )
        finally:
            lock.release()
        assert all(isinstance(o, DatabaseUnavailable) for o in outcomes)
        stored = await get_question(quick, question.id)
        assert (stored.votes_up, stored.score) == (10, 10)
        assert await voters(quick, question.id) == members(range(100, 100 + 10))
        # Once the lock is gone, the same voters' clicks count.
        again = await asyncio.gather(*(cast_vote(quick, question.id, member(200 + n)) for n in range(20)))
        assert sorted(t.votes_up for t in again) == list(range(11, 31))
    finally:
        await quick.dispose()
