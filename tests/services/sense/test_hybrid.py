"""The default similarity backend, as an asker meets it: what they are offered before sending a
question, and what moderators see linked, in a panel on China policy."""

import socket

import pytest

from bot.flows.context import similarity_index
from bot.services.qa.questions import get_question
from bot.services.sense.dedup import suggest_similar
from bot.services.sense.embedding import sentence_embedding
from bot.services.sense.hybrid import HybridBackend
from bot.services.sense.similarity import SimilarityIndex
from bot.settings import Settings
from tests.factories import ask_similar as ask

EMBASSY = "Will the embassy in Beijing reopen for visa applications this year?"
HUAWEI = "Is Huawei still allowed to build parts of the 5G network?"
PANEL = [
    EMBASSY,
    "How will the new tariffs on Chinese steel affect European car makers?",
    "What is the government doing about cyber attacks on our universities?",
    "Should Hong Kong students studying here be offered a path to residency?",
    HUAWEI,
    "Who protects the submarine cables in the North Sea?",
    "What did the minister say to her Chinese counterpart about Taiwan?",
    "When will the trade talks with China resume?",
]


@pytest.fixture
def hybrid() -> SimilarityIndex:
    """The index the bot builds with the default settings."""
    return similarity_index(Settings(_env_file=None))


@pytest.fixture
async def panel(db, event, hybrid):
    """The panel's questions, asked by eight members; the embassy's and Huawei's by id."""
    asked = [await ask(db, event, n, text, hybrid) for n, text in enumerate(PANEL, start=1)]
    return {"embassy": asked[0].id, "huawei": asked[4].id}


async def offered(db, event, hybrid, draft: str) -> list[int]:
    return [suggestion.question_id for suggestion in await suggest_similar(db, hybrid, event.id, draft)]


def test_the_default_backend_is_the_hybrid_one(hybrid):
    assert isinstance(hybrid.backend, HybridBackend)


@pytest.mark.parametrize(
    ("kind", "draft", "existing"),
    [
        ("paraphrase", "Will Beijing's embassy reopen for visa applications this year?", "embassy"),
        ("paraphrase", "Is Huawei still allowed to build parts of the 5G network or not?", "huawei"),
        ("reordered", "This year, will the embassy in Beijing reopen for visa applications?", "embassy"),
        ("typo", "Will the embasy in Beijing reopen for visa applications this year?", "embassy"),
        ("misspelt name", "Will the embassy in Bejing reopen for visa applications this year?", "embassy"),
        ("another spelling", "Will the embassy in Peking reopen for visa applications this year?", "embassy"),
        ("translated name", "Will the embassy in Pékin reopen for visa applications this year?", "embassy"),
    ],
)
async def test_a_question_already_asked_is_offered(db, event, hybrid, panel, kind, draft, existing):
    assert await offered(db, event, hybrid, draft) == [panel[existing]], kind


async def test_the_same_question_retyped_is_offered_however_close_its_neighbours(db, event, hybrid, panel):
    await ask(db, event, 20, "Will the embassy in Beijing reopen for tourist visa applications this year?", hybrid)
    await ask(db, event, 21, "Will the consulate in Beijing reopen for visa applications this year?", hybrid)
    draft = "will the embassy in beijing reopen for visa applications this year"
    assert (await offered(db, event, hybrid, draft))[0] == panel["embassy"]


@pytest.mark.parametrize(
    "draft",
    [
        "How many visa applications did the embassy in Beijing refuse last year?",
        "Why was Huawei banned from selling phones?",
        # The same question about another city: a clash of names is never offered.
        "Will the embassy in Shanghai reopen for visa applications this year?",
    ],
)
async def test_a_question_on_the_same_subject_asking_something_else_is_not_offered(db, event, hybrid, panel, draft):
    assert await offered(db, event, hybrid, draft) == []


async def test_a_question_in_other_words_is_linked_for_moderators_though_not_offered(db, event, hybrid, panel):
    draft = "Is the Beijing embassy going to start taking visa applications again this year?"
    assert await offered(db, event, hybrid, draft) == []
    sent = await ask(db, event, 20, draft, hybrid)
    stored = await get_question(db, sent.id)
    assert stored.similar_to == panel["embassy"]
    assert hybrid.link_threshold <= stored.similarity < hybrid.suggest_threshold


async def test_a_new_subject_is_neither_offered_nor_linked(db, event, hybrid, panel):
    draft = "What will the defence budget be spent on next year?"
    assert await offered(db, event, hybrid, draft) == []
    assert (await ask(db, event, 20, draft, hybrid)).similar_to is None


async def test_nothing_reaches_the_network(db, event, monkeypatch):
    # Nothing but the test's own database (PostgreSQL's pools may open a connection meanwhile).
    database = None if db.is_sqlite else (db.url.host, db.url.port)
    connect = socket.socket.connect

    def refuse(sock, address, *args, **kwargs):
        if database is not None and tuple(address[:2]) == database:
            return connect(sock, address, *args, **kwargs)
        raise AssertionError("the similarity backend tried to open a network connection")

    def refuse_any(*args, **kwargs):
        raise AssertionError("the similarity backend tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse_any)
    sentence_embedding.cache_clear()  # so the model's files are opened again, here
    fresh = SimilarityIndex(HybridBackend())
    first = await ask(db, event, 1, EMBASSY, fresh)
    assert await offered(db, event, fresh, "This year, will the embassy in Beijing reopen for visa applications?") == [
        first.id
    ]
