"""Themes: the queue grouped by subject, each group with a readable label, stable as it grows."""

import json
from collections import Counter

import numpy as np
import pytest
from sqlmodel import select

from bot.domain.enums import QuestionStatus, ReasonCode
from bot.services.drafts import drafting
from bot.services.qa import moderation
from bot.services.qa.events import close_event
from bot.services.qa.moderation import mark_answered
from bot.services.qa.questions import get_question, submit_question
from bot.services.qa.ranking import Order, rank_questions
from bot.services.qa.votes import cast_vote
from bot.services.records.charts import theme_counts
from bot.services.sense import embedding, theme_labels, themes
from bot.services.sense.text_vectors import ENGLISH_STOP_WORDS
from bot.services.sense.theme_labels import VERBISH, Labeller
from bot.services.sense.themes import (
    FEWEST_QUESTIONS,
    NO_THEME,
    group,
    list_themes,
    plan_themes,
    refresh_themes,
    target_themes,
)
from db.engine import Database
from db.models import Theme as ThemeRow
from tests.factories import make_event, member
from tests.harness.models import diligent
from tests.harness.openai_server import answer

# A foreign-policy briefing: five subjects the audience keeps coming back to, in its own words.
SUBJECTS = {
    "hong kong": [
        "What is the department's response to the arrests of protesters in Hong Kong?",
        "Will the US sanction officials over the Hong Kong crackdown?",
        "Has the secretary raised the Hong Kong protests with Beijing?",
        "Does the Hong Kong Autonomy Act apply to the banks involved?",
        "How many American citizens have been detained in Hong Kong since June?",
        "Is Hong Kong still autonomous enough for special trade status?",
        "Did the consulate in Hong Kong meet with the protest leaders?",
        "What message do you have for the students protesting in Hong Kong?",
    ],
    "huawei": [
        "Will allies who let Huawei build their 5G networks lose intelligence sharing?",
        "Has Germany agreed to keep Huawei out of its 5G core?",
        "What evidence has the US shared that Huawei equipment is a security risk?",
        "Is the Huawei ban on American chips going to be extended?",
        "Why should Britain trust the US over Huawei on 5G?",
        "Are there alternatives to Huawei for 5G in developing countries?",
        "Will the administration grant more licences to sell to Huawei?",
        "How does the Clean Network programme treat Huawei and ZTE?",
    ],
    "cables": [
        "Who protects the submarine cables that carry transatlantic internet traffic?",
        "Are Chinese companies laying submarine cables in the Pacific?",
        "What happens if a submarine cable near Taiwan is cut?",
        "Will the US fund new undersea cables to Pacific islands?",
        "Has anyone been caught tapping undersea internet cables?",
        "Who repairs submarine cables when a ship's anchor damages them?",
        "Should the cable landing stations be treated as critical infrastructure?",
        "How many of the world's submarine cables pass near the Red Sea?",
    ],
    "tariffs": [
        "Will the tariffs on Chinese steel be lifted before the election?",
        "How much have the tariffs cost American farmers this year?",
        "Are soybean exports to China back to where they were before the trade war?",
        "Will the phase one trade deal survive if China misses its purchase targets?",
        "Do the tariffs on solar panels hurt American installers?",
        "Is the administration considering new tariffs on European cars?",
        "Who actually pays the tariffs, importers or Chinese exporters?",
        "Will the WTO ruling against the steel tariffs be respected?",
    ],
    "climate": [
        "Will the US rejoin the Paris climate agreement?",
        "What is the department doing about climate refugees from the Pacific?",
        "Does the climate envoy have a budget of his own?",
        "Is climate change treated as a national security threat by the department?",
        "Will the US pledge more money to the Green Climate Fund?",
        "How will the climate summit deal with coal in Asia?",
        "Are sea level rise and climate migration part of the strategy for the Pacific?",
        "Has the secretary discussed climate targets with India?",
    ],
}
STRAYS = [
    "When will the passport office reopen after the strike?",
    "Can you tell us who wrote the opening remarks?",
]
QUESTIONS = [text for texts in SUBJECTS.values() for text in texts] + STRAYS


@pytest.fixture
async def asked(db, moderator):
    event = await make_event(db, moderator, rate_limit_count=100)
    questions = [await submit_question(db, event.id, member(n), text) for n, text in enumerate(QUESTIONS)]
    assert {q.status for q in questions} == {QuestionStatus.PUBLISHED}
    return event, questions


async def refreshed(db: Database, event_id: int, **options) -> list:
    """Refresh the event's themes, then read them, as a moderator's queue sorted by theme does."""
    await refresh_themes(db, event_id, **options)
    return await list_themes(db, event_id)


def subject_of(question_text: str) -> str | None:
    return next((subject for subject, texts in SUBJECTS.items() if question_text in texts), None)


async def test_themes_cover_the_queue_with_a_handful_named_by_what_their_questions_share(db, asked):
    event, questions = asked
    themes = await refreshed(db, event.id)
    placed = sum(len(theme.questions) for theme in themes)
    assert placed >= 0.8 * len(questions), "most questions are in a theme"
    assert 3 <= len(themes) <= target_themes(len(questions)) + 2
    for theme in themes:
        words = theme.label.lower().split()
        assert 1 <= len(words) <= 6
        assert not set(words) <= ENGLISH_STOP_WORDS, f"{theme.label!r} is stop words"
        assert not {words[0], words[-1]} & (VERBISH | ENGLISH_STOP_WORDS), f"{theme.label!r} starts or ends like a verb"
        assert "other" not in words
        # Each theme is mostly one subject, and its label is said by its questions.
        subjects = Counter(subject_of(q.text) for q in theme.questions)
        assert subjects.most_common(1)[0][1] >= 0.7 * len(theme.questions), (theme.label, subjects)
    labels = {theme.label for theme in themes}
    assert {"Hong Kong", "Huawei"} <= labels, labels


async def test_the_label_is_stored_on_each_question_and_the_theme_in_its_table(db, asked):
    event, _ = asked
    themes = await refreshed(db, event.id)
    for theme in themes:
        for question in theme.questions:
            assert (await get_question(db, question.id)).theme == theme.label
    assert await list_themes(db, event.id) == themes
    rows = await db.read(lambda s: s.exec(select(ThemeRow).where(ThemeRow.event_id == event.id)).all())
    assert sorted(row.label for row in rows) == sorted(theme.label for theme in themes)
    assert {row.named_by for row in rows} == {"words"}


def shape(themes):
    return [(theme.label, [q.id for q in theme.questions]) for theme in themes]


async def test_themes_of_a_fixed_set_are_the_same_across_refreshes_and_a_restart(db, asked):
    event, _ = asked
    first = await refreshed(db, event.id)
    assert shape(await refreshed(db, event.id)) == shape(first)
    # A restart: a new process has only the database (the embedding is loaded again).
    embedding.sentence_embedding.cache_clear()
    restarted = Database(db.url)
    try:
        assert shape(await refreshed(restarted, event.id)) == shape(first)
    finally:
        await restarted.dispose()


async def test_a_question_keeps_its_theme_as_new_questions_arrive(db, asked):
    event, _ = asked
    before = {q.id: q.theme for theme in await refreshed(db, event.id) for q in theme.questions}
    later = [
        "Will the Hong Kong police be held to account for the violence against protesters?",
        "Is the US pressing Canada to drop Huawei from its 5G auction?",
        "Could a ship cut the submarine cables to Europe on purpose?",
        "What is the plan for Arctic shipping routes as the ice melts?",
    ]
    for n, text in enumerate(later, start=100):
        await submit_question(db, event.id, member(n), text)
    after = {q.id: q.theme for theme in await refreshed(db, event.id) for q in theme.questions}
    assert {qid: after.get(qid) for qid in before} == before


async def test_themes_with_more_votes_come_first(db, asked):
    event, _ = asked
    themes = await refreshed(db, event.id)
    last = themes[-1].questions[0]
    for n in range(3):
        await cast_vote(db, last.id, member(200 + n))
    assert last.id in {q.id for q in (await refreshed(db, event.id))[0].questions}


async def test_questions_that_leave_the_queue_keep_their_label_for_the_recap(db, asked, moderator):
    event, _ = asked
    themed = (await refreshed(db, event.id))[0].questions[0]
    label = themed.theme
    await moderation.set_aside_question(db, themed.id, moderator, ReasonCode.OFF_TOPIC)
    await refreshed(db, event.id)
    listed = {q.id for theme in await list_themes(db, event.id) for q in theme.questions}
    assert themed.id not in listed
    assert (await get_question(db, themed.id)).theme == label


async def test_an_answered_question_loses_the_label_of_a_theme_that_dissolved(db, asked, moderator):
    event, _ = asked
    theme = (await refreshed(db, event.id))[-1]
    answered, *others = theme.questions
    await mark_answered(db, answered.id, moderator)
    for question in others:
        await moderation.set_aside_question(db, question.id, moderator, ReasonCode.OFF_TOPIC)
    themes = await refreshed(db, event.id)
    assert theme.label not in {t.label for t in themes}
    assert (await get_question(db, answered.id)).theme is None
    assert theme.label not in {t.label for t in (await theme_counts(db, event.id)).themes}


async def test_the_queue_can_be_sorted_and_narrowed_by_theme(db, asked):
    event, questions = asked
    themes = await refreshed(db, event.id)
    by_theme = await rank_questions(db, event.id, order=Order.THEME, limit=100)
    in_none = len(questions) - sum(len(t.questions) for t in themes)
    assert [q.theme for q in by_theme] == [t.label for t in themes for _ in t.questions] + [None] * in_none
    only = await rank_questions(db, event.id, theme=themes[1].label, limit=100)
    assert {q.id for q in only} == {q.id for q in themes[1].questions}


async def test_an_event_has_themes_once_twenty_questions_are_in_the_queue(db, moderator):
    event = await make_event(db, moderator, rate_limit_count=100)
    # Four of each subject, in turn: the first 19 questions make no themes, the 20th does.
    taken_in_turn = [text for five in zip(*SUBJECTS.values(), strict=True) for text in five]
    for n, text in enumerate(taken_in_turn[: FEWEST_QUESTIONS - 1]):
        await submit_question(db, event.id, member(n), text)
    assert await refreshed(db, event.id) == []
    await submit_question(db, event.id, member(FEWEST_QUESTIONS), taken_in_turn[FEWEST_QUESTIONS - 1])
    assert await refreshed(db, event.id) != []


async def test_one_subject_is_one_theme_however_its_questions_word_it(db, asked):
    # The cables questions fall into two groups by meaning (who protects or lays them; tapping
    # them and their landing stations): both are named by cables, so they are one theme.
    event, _ = asked
    themes = await refreshed(db, event.id)
    subjects = [Counter(subject_of(q.text) for q in theme.questions).most_common(1)[0][0] for theme in themes]
    assert sorted(subjects) == sorted(SUBJECTS)


def directions(*counts: int, spread: float = 0.05, seed: int = 3) -> tuple[np.ndarray, list[int]]:
    """Unit vectors around one random direction per group: ``counts[i]`` of them about direction i."""
    random = np.random.default_rng(seed)
    centres = random.normal(size=(len(counts), 64))
    rows, truth = [], []
    for n, count in enumerate(counts):
        rows += [centres[n] + spread * random.normal(size=64) * np.linalg.norm(centres[n]) for _ in range(count)]
        truth += [n] * count
    vectors = np.asarray(rows)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True), truth


def test_near_identical_themes_are_merged_even_when_stored_apart():
    vectors, truth = directions(10, 10, 10, 10)
    # A refresh before had put the first subject in two themes (keys 0 and 1).
    previous = [(0 if n % 2 else 1) if subject == 0 else NO_THEME for n, subject in enumerate(truth)]
    themes = group(vectors, previous).themes
    assert len(set(themes[:10].tolist())) == 1, "one subject, one theme"
    assert all(len(set(themes[i : i + 10].tolist())) == 1 for i in (10, 20, 30))
    assert len(set(themes.tolist()) - {NO_THEME}) == 4


def test_a_theme_that_grows_too_large_splits_and_only_its_questions_move():
    vectors, truth = directions(30, 30, 10, 10)
    # Stored: the first two subjects in one theme, the third in another; the fourth new.
    previous = [0 if subject < 2 else 1 if subject == 2 else NO_THEME for subject in truth]
    themes = group(vectors, previous).themes
    assert len(set(themes[:30].tolist())) == 1
    assert len(set(themes[30:60].tolist())) == 1
    assert themes[0] != themes[30], "the large theme split along its subjects"
    assert set(themes[60:70].tolist()) == {1}, "the theme that did not split kept its questions"


def test_labels_are_noun_phrases_and_names_never_stop_words_or_verbs():
    texts = [
        "What does the report say about submarine cables?",
        "Does anyone protect the submarine cables near Taiwan?",
        "Who pays when submarine cables are cut?",
        "What does the minister think about fragmentation?",
        "Does the report define fragmentation?",
        "Why does fragmentation matter?",
    ]
    labeller = Labeller(texts)
    taken: set[str] = set()
    assert labeller.label([0, 1, 2], taken) == "Submarine cables"
    assert labeller.label([3, 4, 5], taken) == "Fragmentation"
    # A name keeps its capitals; the longer phrase wins when it is said as often as its words.
    protests = ["Will the Hong Kong protests go on?", "Who leads the Hong Kong protests?", "Are they over?"]
    assert Labeller(protests).label([0, 1], set()) == "Hong Kong protests"
    # Said by one question in three, the phrase gives way to the name all three say.
    apart = ["Will the protests in Hong Kong go on?", "Who leads the Hong Kong protests?", "Is Hong Kong calm?"]
    assert Labeller(apart).label([0, 1, 2], set()) == "Hong Kong"


def test_the_report_and_the_panel_name_no_theme_at_a_report_launch():
    # Every question at a launch is about the report: it is the Q&A's furniture, not a subject.
    texts = [
        "Does the IGF achieve anything if it takes no decisions?",
        "What does the report recommend for cable repair ships?",
        "Will the WSIS+20 review renew the IGF mandate?",
        "What is the single most important recommendation in the report?",
        "Are shutdowns during exams ever justified?",
        "What should my country's government do first after this report?",
        "Do national IGFs make a difference?",
        "Why does the report leave out spectrum economics?",
        "Will the slides and the report be shared after the event?",
    ]
    assert Labeller(texts).label(list(range(len(texts))), set()) == "IGF"


def test_a_plan_needs_no_database_and_is_deterministic():
    first, _ = plan_themes(QUESTIONS, [None] * len(QUESTIONS), {})
    again, _ = plan_themes(QUESTIONS, [None] * len(QUESTIONS), {})
    assert first == again
    stored = [first.labels[n] for n in range(len(QUESTIONS))]
    assert plan_themes(QUESTIONS, stored, first.themes)[0] == first


def test_a_refresh_that_reuses_what_it_kept_plans_what_a_cold_one_does(monkeypatch):
    # A first refresh keeps each question's vector and phrases; the next, with new questions and
    # one edited, reuses them. A process that kept nothing plans that second refresh the same.
    first, _ = plan_themes(QUESTIONS[:30], [None] * 30, {})
    later = [*QUESTIONS[:30], *QUESTIONS[30:]]
    later[4] = "Will the Hong Kong protests be raised with Beijing again?"
    previous = [first.labels[n] for n in range(30)] + [None] * (len(later) - 30)
    hits = theme_labels._mentions_of.cache_info().hits
    warm = plan_themes(later, previous, first.themes)
    assert theme_labels._mentions_of.cache_info().hits > hits, "the second refresh reused the first's phrases"

    monkeypatch.setattr(themes, "_VECTORS", themes._Vectors())
    for kept in (
        theme_labels._mentions_of,
        theme_labels._phrase_counts,
        theme_labels._verb_evidence,
        theme_labels._content_word_set,
    ):
        kept.cache_clear()
    cold = plan_themes(later, previous, first.themes)
    assert warm == cold
    assert warm[0].themes, "the plan has themes to compare"


def namer(request) -> str:
    """A model naming themes: well for Huawei and the cables, after something nobody asked for
    Hong Kong, and with a link for the tariffs."""
    prompt = request["messages"][-1]["content"].replace("\u02c6", " ")
    if "Huawei" in prompt:
        return json.dumps({"name": "Huawei and 5G networks"})
    if "cables" in prompt:
        return json.dumps({"name": "Undersea internet cables"})
    if "Hong Kong" in prompt:
        return json.dumps({"name": "Taiwan Strait tensions"})
    return json.dumps({"name": "See https://example.org"})


async def test_a_model_names_themes_only_with_names_their_questions_support(db, asked, serve_model):
    event, _ = asked
    server, model = serve_model(answer(namer))
    themes = await refreshed(db, event.id, model=model)
    labels = {theme.label for theme in themes}
    assert {"Huawei and 5G networks", "Undersea internet cables"} <= labels
    assert "Taiwan Strait tensions" not in labels, "no question says Taiwan Strait tensions"
    assert "Hong Kong" in labels, "the theme keeps the name its questions say"
    assert not any("example.org" in label for label in labels)
    rows = await db.read(lambda s: s.exec(select(ThemeRow).where(ThemeRow.event_id == event.id)).all())
    assert {row.label: row.named_by for row in rows}["Huawei and 5G networks"] == "model"
    asked_before = len(server.requests)
    assert shape(await refreshed(db, event.id, model=model)) == shape(themes)
    assert len(server.requests) == asked_before, "a theme already named is not named again"


async def test_the_questions_in_no_theme_are_never_shown_as_a_theme(db, asked, moderator, serve_model):
    event, questions = asked
    themes = await refreshed(db, event.id)
    in_none = len(questions) - sum(len(theme.questions) for theme in themes)
    assert in_none > 0, "the strays fit no theme"
    await mark_answered(db, themes[0].questions[0].id, moderator)
    digest = await drafting.draft_digest(db, event.id, moderator)
    _, model = serve_model(answer(diligent))
    by_model = await drafting.draft_digest(db, event.id, moderator, model=model)
    counts = await theme_counts(db, event.id)
    await close_event(db, event.id, moderator)
    recap = await drafting.draft_recap(db, event.id, moderator)
    for text in (digest.text, by_model.text, recap.text):
        assert "other questions" not in text.lower()
        assert "in no theme" not in text.lower()
    assert f"- {themes[0].label}: " in digest.text
    assert {c.label for c in counts.themes} == {theme.label for theme in themes}
    assert counts.not_drawn == in_none
    assert all(t["name"] in {theme.label for theme in themes} for t in digest.inputs["facts"]["themes"])
