"""Trending read from the stored key is the decayed score's order, whatever happened before.

Random histories of votes, changed and withdrawn votes, merges, unmerges and pins, with time
passing from nothing to hundreds of half-lives (so the event is rebased many times), on both
backends. Afterwards, at a random later moment:

- every question's key is exactly the sum of its votes' terms (nothing drifts: not a vote taken
  back, not a merge undone);
- the page ``rank_questions`` returns is in the order of the decayed score computed from the vote
  rows at that moment, ``sum(value * 0.5 ** ((now - cast_at) / half_life))``, wherever two scores
  differ by more than the key's resolution (2 ** -KEY_BITS of a vote cast at the epoch, per vote);
  questions with the same votes come by age, as ties do.
"""

import asyncio
import math
from collections import Counter
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from bot.domain.errors import PodiumError
from bot.domain.trending import KEY_BITS, vote_term
from bot.services.qa import moderation
from bot.services.qa.events import update_event
from bot.services.qa.questions import submit_question
from bot.services.qa.ranking import VISIBLE, Order, rank_questions
from bot.services.qa.votes import cast_vote, remove_vote, toggle_vote
from bot.services.sense.merges import merge_questions, unmerge_question
from db.models import Event, Question, Vote
from tests.factories import make_event, member

T0 = datetime(2026, 5, 1, 18, 0, tzinfo=UTC)
QUESTIONS, VOTERS = 4, 5

question = st.integers(0, QUESTIONS - 1)
wait = st.tuples(st.just("wait"), st.integers(0, 20_000))  # milliseconds; 0 makes votes coincide
vote = st.tuples(st.sampled_from(["up", "up", "down", "toggle", "remove"]), question, st.integers(0, VOTERS - 1))
# Votes and time passing most often, so that merges and pins meet questions with votes.
step = st.one_of(
    vote,
    vote,
    vote,
    wait,
    wait,
    st.tuples(st.just("merge"), question, question),
    st.tuples(st.just("unmerge"), question),
    st.tuples(st.just("pin"), question),
    st.tuples(st.just("half-life"), st.sampled_from([1, 3, 600])),
)


async def take(db, moderator, event_id, asked, kind, args, clock):
    """One step of a history, as the bot would take it; a refusal (merging a merged question, ...)
    is the bot's answer, and the history goes on."""
    try:
        if kind in ("up", "down"):
            await cast_vote(db, asked[args[0]], member(100 + args[1]), 1 if kind == "up" else -1, now=clock)
        elif kind == "toggle":
            await toggle_vote(db, asked[args[0]], member(100 + args[1]), now=clock)
        elif kind == "remove":
            await remove_vote(db, asked[args[0]], member(100 + args[1]), now=clock)
        elif kind == "merge":
            await merge_questions(db, asked[args[0]], asked[args[1]], moderator, now=clock)
        elif kind == "unmerge":
            await unmerge_question(db, asked[args[0]], moderator, now=clock)
        elif kind == "pin":
            await moderation.pin_question(db, asked[args[0]], moderator, now=clock)
        else:
            await update_event(db, event_id, moderator, trending_half_life_s=args[0], now=clock)
    except PodiumError:
        pass


def assert_keys_are_their_votes(event, questions, votes):
    for q in questions:
        mine = [v for v in votes if v.question_id == q.id]
        if event.trend_epoch is None:
            assert q.trend_key == 0
            assert not mine
        else:
            terms = (v.value * vote_term(v.cast_at, event.trend_epoch, event.trending_half_life_s) for v in mine)
            assert q.trend_key == sum(terms), q.id


async def stored(db, event_id):
    def read(session):
        event = session.get(Event, event_id)
        questions = session.exec(select(Question).where(Question.event_id == event_id)).all()
        votes = session.exec(select(Vote).where(Vote.event_id == event_id)).all()
        return event, questions, votes

    return await db.read(read)


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    half_life=st.sampled_from([1, 7, 600]),
    steps=st.lists(step, min_size=10, max_size=60),
    later_ms=st.integers(0, 10_000_000),
)
async def test_trending_is_the_order_of_the_decayed_score(db, moderator, half_life, steps, later_ms):
    event = await make_event(db, moderator, allow_downvotes=True, allow_self_votes=True, trending_half_life_s=half_life)
    asked = [(await submit_question(db, event.id, member(n), f"Question {n}", now=T0)).id for n in range(QUESTIONS)]
    clock = T0 + timedelta(seconds=1)
    for kind, *args in steps:
        if kind == "wait":
            clock += timedelta(milliseconds=args[0])
        else:
            await take(db, moderator, event.id, asked, kind, args, clock)
            # After every step: a rebase (or a merge's recount) would hide an earlier drift.
            assert_keys_are_their_votes(*await stored(db, event.id))
    now = clock + timedelta(milliseconds=later_ms)

    event, questions, votes = await stored(db, event.id)
    half_life = event.trending_half_life_s
    votes_of = {q.id: [v for v in votes if v.question_id == q.id] for q in questions}

    def decayed(q):
        return math.fsum(v.value * 0.5 ** ((now - v.cast_at).total_seconds() / half_life) for v in votes_of[q.id])

    # One unit of every key, as a score at ``now``: how far apart two keys' questions may be and tie.
    unit = (
        0.0
        if event.trend_epoch is None
        else 2.0**-KEY_BITS * 0.5 ** ((now - event.trend_epoch).total_seconds() / half_life)
    )
    resolution = (len(votes) + 1) * unit + 1e-12 * max(abs(decayed(q)) for q in questions)

    page = await rank_questions(db, event.id, order=Order.TRENDING, limit=QUESTIONS)
    visible = {q.id for q in questions if q.status in VISIBLE}
    assert {q.id for q in page} == visible
    for i, a in enumerate(page):
        for b in page[i + 1 :]:
            assert a.pinned >= b.pinned
            if a.pinned != b.pinned:
                continue
            assert decayed(a) >= decayed(b) - resolution, (a.id, b.id)
            if Counter((v.value, v.cast_at) for v in votes_of[a.id]) == Counter(
                (v.value, v.cast_at) for v in votes_of[b.id]
            ):
                assert (a.created_at, a.id) < (b.created_at, b.id)


async def test_votes_arriving_together_across_rebases_keep_every_key_exact_and_never_deadlock(db, moderator, caplog):
    # A one-second half-life: votes 11 s and 20 s after the first ask for a rebase after them and
    # wait for one before them, while the others of the burst hold their questions' locks (and
    # check their event_id against the event's row, which the rebase holds).
    event = await make_event(db, moderator, trending_half_life_s=1)
    asked = [(await submit_question(db, event.id, member(n), f"Question {n}", now=T0)).id for n in range(QUESTIONS)]
    await cast_vote(db, asked[0], member(100), now=T0)
    burst = [
        cast_vote(db, asked[n % QUESTIONS], member(200 + n), now=T0 + timedelta(seconds=11 if n % 2 else 20))
        for n in range(100)
    ]
    await asyncio.gather(*burst)
    event, questions, votes = await stored(db, event.id)
    assert len(votes) == 101
    assert_keys_are_their_votes(event, questions, votes)
    assert "40P01" not in caplog.text  # PostgreSQL's deadlock, which a retry would have hidden


async def test_votes_cast_and_taken_back_in_one_statement_keep_every_key_exact_across_rebases(db, moderator, caplog):
    # As above, with every question's event already known to this process (a vote on each), so
    # on PostgreSQL the burst's first votes go through the ballot box (a question's votes
    # arriving together, in one statement), beside rebases committing under them; then half the
    # voters click again, taking their vote back (the same way, for a vote this process saw
    # cast), across another rebase.
    event = await make_event(db, moderator, trending_half_life_s=1)
    asked = [(await submit_question(db, event.id, member(n), f"Question {n}", now=T0)).id for n in range(QUESTIONS)]
    for n, question_id in enumerate(asked):
        await cast_vote(db, question_id, member(100 + n), now=T0)
    one_statement = []
    if not db.is_sqlite:
        write_statement = db.write_statement

        async def counted(*args, **kwargs):
            rows = await write_statement(*args, **kwargs)
            one_statement.append(len(rows))  # a row for each vote the statement counted
            return rows

        db.write_statement = counted
    burst = [
        toggle_vote(db, asked[n % QUESTIONS], member(200 + n), now=T0 + timedelta(seconds=9 + n % 4))
        for n in range(100)
    ]
    await asyncio.gather(*burst)
    again = [
        toggle_vote(db, asked[n % QUESTIONS], member(200 + n), now=T0 + timedelta(seconds=12 + n % 9))
        for n in range(0, 100, 2)
    ]
    await asyncio.gather(*again)
    event, questions, votes = await stored(db, event.id)
    assert len(votes) == QUESTIONS + 50
    assert_keys_are_their_votes(event, questions, votes)
    assert [(q.votes_up, q.score) for q in questions] == [
        (sum(v.question_id == q.id for v in votes),) * 2 for q in questions
    ]
    assert "40P01" not in caplog.text
    if not db.is_sqlite:
        # Most first votes and votes taken back, though not those that wait for a rebase or meet
        # one under way.
        assert sum(one_statement) >= 20
