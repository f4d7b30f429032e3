"""Themes: the queue grouped by subject, each group with a short label, sortable by theme."""

import pytest

from bot.domain.enums import ReasonCode
from bot.services.qa import moderation
from bot.services.qa.questions import get_question, submit_question
from bot.services.qa.ranking import Order, rank_questions
from bot.services.qa.votes import cast_vote
from bot.services.sense.themes import cluster_themes, list_themes, refresh_themes
from tests.factories import make_event, member

DISTANCE = 0.85
QUESTIONS = [
    "How will the rent cap be funded?",
    "Is the rent cap going to hurt landlords?",
    "Will the rent cap apply to existing tenancies?",
    "How many new homes will be built on brownfield land?",
    "Will brownfield land be enough for the new homes?",
    "What does the report say about the minister's expenses?",
]


@pytest.fixture
async def asked(db, moderator):
    event = await make_event(db, moderator, rate_limit_count=10)
    return event, [await submit_question(db, event.id, member(n), text) for n, text in enumerate(QUESTIONS)]


async def test_questions_on_one_subject_share_a_theme_named_by_its_keywords(db, asked):
    event, questions = asked
    themes = await refresh_themes(db, event.id, distance_threshold=DISTANCE)
    # No votes yet: themes tie, and come alphabetically.
    assert [(theme.label, {q.id for q in theme.questions}) for theme in themes] == [
        ("brownfield land, new homes", {q.id for q in questions[3:5]}),
        ("rent cap, cap funded", {q.id for q in questions[:3]}),
    ]
    assert (await get_question(db, questions[5].id)).theme is None  # like no other question


async def test_the_label_is_stored_on_each_question(db, asked):
    event, _ = asked
    themes = await refresh_themes(db, event.id, distance_threshold=DISTANCE)
    for theme in themes:
        for question in theme.questions:
            assert (await get_question(db, question.id)).theme == theme.label
    assert await list_themes(db, event.id) == themes


async def test_grouping_is_deterministic(db, asked):
    event, _ = asked
    first = await refresh_themes(db, event.id, distance_threshold=DISTANCE)
    again = await refresh_themes(db, event.id, distance_threshold=DISTANCE)
    assert [(t.label, [q.id for q in t.questions]) for t in first] == [
        (t.label, [q.id for q in t.questions]) for t in again
    ]


async def test_themes_with_more_votes_come_first(db, asked):
    event, questions = asked
    await cast_vote(db, questions[4].id, member(20))
    themes = await refresh_themes(db, event.id, distance_threshold=DISTANCE)
    assert questions[4].id in {q.id for q in themes[0].questions}


async def test_questions_that_leave_the_queue_leave_their_theme_in_the_list(db, asked, moderator):
    event, questions = asked
    await refresh_themes(db, event.id, distance_threshold=DISTANCE)
    await moderation.set_aside_question(db, questions[0].id, moderator, ReasonCode.OFF_TOPIC)
    listed = {q.id for theme in await list_themes(db, event.id) for q in theme.questions}
    assert questions[0].id not in listed
    assert (await get_question(db, questions[0].id)).theme is not None  # kept for the recap


async def test_the_queue_can_be_sorted_and_narrowed_by_theme(db, asked, moderator):
    event, questions = asked
    await cast_vote(db, questions[3].id, member(20))
    themes = await refresh_themes(db, event.id, distance_threshold=DISTANCE)
    by_theme = await rank_questions(db, event.id, order=Order.THEME)
    assert [q.theme for q in by_theme] == [t.label for t in themes for _ in t.questions] + [None]
    assert by_theme[0].id == questions[3].id
    only = await rank_questions(db, event.id, theme=themes[1].label)
    assert {q.id for q in only} == {q.id for q in themes[1].questions}


def test_too_few_or_keywordless_questions_make_no_themes():
    assert cluster_themes(["Why?"], distance_threshold=DISTANCE) == []
    assert cluster_themes(["Why is it?", "What is it?"], distance_threshold=DISTANCE) == []


def test_labels_are_unique_even_when_keywords_repeat():
    texts = ["rent cap", "rent cap", "rent cap rent cap", "rent cap rent cap"]
    assert cluster_themes(texts, distance_threshold=0.0001) == [("rent cap", [0, 1]), ("rent cap (2)", [2, 3])]
