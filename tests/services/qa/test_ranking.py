"""The queue's three orders, pinned questions first, finished questions left out."""

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.enums import QuestionStatus, ReasonCode
from bot.services.qa import moderation
from bot.services.qa.events import update_event
from bot.services.qa.questions import submit_question, withdraw_question
from bot.services.qa.ranking import Order, count_questions, rank_questions
from bot.services.qa.votes import cast_vote
from db.models import Question
from tests.factories import member

T0 = datetime(2026, 5, 1, 18, 0, tzinfo=UTC)


async def ask(db, event, n, minute):
    return await submit_question(db, event.id, member(n), f"Question {n}", now=T0 + timedelta(minutes=minute))


async def upvote(db, question, voters, minute):
    for n in voters:
        await cast_vote(db, question.id, member(100 + n), now=T0 + timedelta(minutes=minute))


async def ids(db, event, **kwargs):
    return [q.id for q in await rank_questions(db, event.id, **kwargs)]


async def test_top_is_by_net_votes_with_ties_to_the_earlier(db, event):
    a, b, c = await ask(db, event, 1, 0), await ask(db, event, 2, 1), await ask(db, event, 3, 2)
    await upvote(db, c, range(2), 3)
    await upvote(db, b, range(1), 3)
    await upvote(db, a, range(1), 3)
    assert await ids(db, event) == [c.id, a.id, b.id]


async def test_pinned_questions_come_first_in_every_order(db, event, moderator):
    a, b = await ask(db, event, 1, 0), await ask(db, event, 2, 1)
    await upvote(db, a, range(3), 2)
    await moderation.pin_question(db, b.id, moderator)
    for order in Order:
        assert (await ids(db, event, order=order))[0] == b.id


async def test_newest_is_the_most_recent_first(db, event):
    a, b = await ask(db, event, 1, 0), await ask(db, event, 2, 1)
    await upvote(db, a, range(3), 2)
    assert await ids(db, event, order=Order.NEWEST) == [b.id, a.id]


async def test_trending_favours_recent_votes(db, event):
    # Five votes long ago against three just now: top and trending disagree.
    old, fresh = await ask(db, event, 1, 0), await ask(db, event, 2, 1)
    await upvote(db, old, range(5), 2)
    await upvote(db, fresh, range(3), 58)
    assert await ids(db, event, order=Order.TOP) == [old.id, fresh.id]
    assert await ids(db, event, order=Order.TRENDING) == [fresh.id, old.id]


async def test_the_trending_half_life_is_the_events_setting(db, event, moderator):
    old, fresh = await ask(db, event, 1, 0), await ask(db, event, 2, 1)
    await upvote(db, old, range(5), 2)
    await upvote(db, fresh, range(3), 58)
    # With a half-life of a day, an hour of age barely matters: five beats three.
    await update_event(db, event.id, moderator, trending_half_life_s=86_400)
    assert await ids(db, event, order=Order.TRENDING) == [old.id, fresh.id]


async def test_finished_questions_are_left_out_unless_asked_for(db, event, moderator):
    waiting, live, answered, dismissed, withdrawn = [await ask(db, event, n, n) for n in range(1, 6)]
    await moderation.mark_live(db, live.id, moderator)
    await moderation.mark_answered(db, answered.id, moderator)
    await moderation.set_aside_question(db, dismissed.id, moderator, ReasonCode.OFF_TOPIC)
    await withdraw_question(db, withdrawn.id, member(5))
    assert set(await ids(db, event)) == {waiting.id, live.id}
    everything = set(QuestionStatus)
    assert len(await ids(db, event, statuses=everything)) == 5
    assert await ids(db, event, statuses={QuestionStatus.ANSWERED}) == [answered.id]


@pytest.mark.parametrize("order", list(Order))
async def test_pages_follow_on(db, event, order):
    questions = [await ask(db, event, n, n) for n in range(1, 8)]
    first, second = await ids(db, event, order=order, limit=4), await ids(db, event, order=order, limit=4, offset=4)
    assert len(first) == 4
    assert len(second) == 3
    assert set(first + second) == {q.id for q in questions}


async def test_count_questions(db, event, moderator):
    a, _ = await ask(db, event, 1, 0), await ask(db, event, 2, 1)
    await moderation.mark_answered(db, a.id, moderator)
    assert await count_questions(db, event.id) == 1
    assert await count_questions(db, event.id, statuses={QuestionStatus.ANSWERED, QuestionStatus.PUBLISHED}) == 2


async def test_the_theme_order_pages_through_pins_then_themes_by_their_votes(db, event, moderator):
    asked = [await ask(db, event, n, n) for n in range(8)]
    themes = ["a", "a", "b", "b", "b", None, "c", None]

    def set_themes(session):
        for question, theme in zip(asked, themes, strict=True):
            session.get(Question, question.id).theme = theme

    await db.write(set_themes)
    await upvote(db, asked[0], range(1), 9)
    await upvote(db, asked[2], range(3), 9)
    await upvote(db, asked[6], range(5), 9)
    for pinned in (asked[4], asked[7]):
        await moderation.pin_question(db, pinned.id, moderator)
    # Themes c (5 votes), b (3, its pinned question's included), a (1), then no theme; pins first.
    expected = [asked[n].id for n in (4, 7, 6, 2, 3, 0, 1, 5)]
    assert await ids(db, event, order=Order.THEME) == expected
    pages = [await ids(db, event, order=Order.THEME, limit=3, offset=offset) for offset in (0, 3, 6, 9)]
    assert pages == [expected[0:3], expected[3:6], expected[6:8], []]
    assert await ids(db, event, order=Order.THEME, theme="b") == [asked[n].id for n in (4, 2, 3)]
