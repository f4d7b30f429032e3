"""Similar questions on submit: the link moderators see, and the index that remembers each event."""

import numpy as np
import pytest

from bot.domain.enums import ReasonCode
from bot.flows.context import similarity_index
from bot.services.qa.moderation import set_aside_question
from bot.services.qa.questions import get_question, submit_question
from bot.services.sense.hybrid import HybridBackend
from bot.services.sense.similarity import TAIL_ROWS, LexicalBackend, SimilarityIndex
from bot.settings import Settings
from tests.factories import RENT_CAP, make_event, member
from tests.factories import ask_similar as ask


async def test_a_question_like_an_earlier_one_is_linked_to_it(db, event, index):
    first = await ask(db, event, 1, RENT_CAP, index)
    await ask(db, event, 2, "When will the new homes be built?", index)
    again = await ask(db, event, 3, "How is the rent cap going to be funded?", index)
    stored = await get_question(db, again.id)
    assert stored.similar_to == first.id
    assert index.link_threshold <= stored.similarity < 1


async def test_a_question_unlike_the_others_has_no_link(db, event, index):
    await ask(db, event, 1, RENT_CAP, index)
    other = await ask(db, event, 2, "Is the minister going to resign over the delays?", index)
    assert (other.similar_to, other.similarity) == (None, None)


async def test_without_an_index_nothing_is_compared(db, event):
    await submit_question(db, event.id, member(1), RENT_CAP)
    again = await submit_question(db, event.id, member(2), RENT_CAP)
    assert again.similar_to is None


async def test_questions_set_aside_are_not_linked_to(db, event, index, moderator):
    first = await ask(db, event, 1, RENT_CAP, index)
    await set_aside_question(db, first.id, moderator, ReasonCode.OFF_TOPIC)
    again = await ask(db, event, 2, RENT_CAP, index)
    assert again.similar_to is None


async def test_questions_of_other_events_are_never_linked(db, event, index, moderator):
    await ask(db, event, 1, RENT_CAP, index)
    other_event = await make_event(db, moderator)
    again = await ask(db, other_event, 2, RENT_CAP, index)
    assert again.similar_to is None


async def test_a_restarted_bot_reads_the_events_questions_back(db, event, index):
    first = await ask(db, event, 1, RENT_CAP, index)
    restarted = SimilarityIndex(LexicalBackend())  # empty: the event is read at its first look
    again = await ask(db, event, 2, RENT_CAP, restarted)
    assert again.similar_to == first.id


async def test_a_restarted_bot_scores_as_the_bot_that_saw_every_ask(db, event, index):
    # Words many questions share weigh less; reading the event back must count each question's.
    for voter, text in enumerate([RENT_CAP, "Who pays for the rent cap?", "When will the new homes be built?"]):
        await ask(db, event, voter, text, index)
    restarted = SimilarityIndex(LexicalBackend())
    looked_up = "Will the rent cap cover the new homes?"
    seen = await index.matches(await index.probe(db, event.id, looked_up), threshold=0.0, limit=3)
    read_back = await restarted.matches(await restarted.probe(db, event.id, looked_up), threshold=0.0, limit=3)
    assert [(m.question_id, round(m.score, 9)) for m in read_back] == [(m.question_id, round(m.score, 9)) for m in seen]


async def test_an_event_dropped_from_memory_is_read_again_when_next_asked(db, event, index):
    first = await ask(db, event, 1, RENT_CAP, index)
    index.forget(event.id)
    second = await submit_question(db, event.id, member(2), "When will the new homes be built?")
    again = await ask(db, event, 3, "When will the new homes be built, roughly?", index)
    assert again.similar_to == second.id
    assert (await ask(db, event, 4, RENT_CAP, index)).similar_to == first.id


async def test_the_closest_wording_wins_between_equally_scored_questions(db, event, index):
    reordered = await ask(db, event, 1, "Funded how, the rent cap?", index)
    same_order = await ask(db, event, 2, "How the rent cap, funded?", index)
    probe = await index.probe(db, event.id, "How the rent cap funded?")
    best = await index.matches(probe, threshold=0.0, limit=2)
    assert [m.question_id for m in best] == [same_order.id, reordered.id]


def test_thresholds_come_from_the_settings_or_the_backend():
    default = similarity_index(Settings(_env_file=None))
    assert default.backend.name == "hybrid"
    assert (default.suggest_threshold, default.link_threshold) == (
        HybridBackend.suggest_threshold,
        HybridBackend.link_threshold,
    )
    lexical = similarity_index(Settings(_env_file=None, similarity_backend="lexical"))
    assert (lexical.backend.name, lexical.suggest_threshold) == ("lexical", LexicalBackend.suggest_threshold)
    tuned = similarity_index(Settings(_env_file=None, similarity_suggest_threshold=0.95, similarity_link_threshold=0.6))
    assert (tuned.suggest_threshold, tuned.link_threshold) == (0.95, 0.6)


@pytest.mark.parametrize("backend", [LexicalBackend, HybridBackend], ids=["lexical", "hybrid"])
async def test_texts_encoded_ahead_are_linked_and_scored_as_texts_encoded_one_by_one(db, moderator, backend):
    texts = [
        RENT_CAP,
        "Who pays for the rent cap?",
        "When will the new homes be built?",
        "Who pays for the rent cap, really?",
    ]
    one_by_one, ahead = SimilarityIndex(backend()), SimilarityIndex(backend())
    events = [await make_event(db, moderator), await make_event(db, moderator)]
    await ahead.probe_ahead(db, events[1].id, texts)
    encoded_after = []
    encode = ahead.backend.encode
    ahead.backend.encode = lambda batch: encoded_after.append(list(batch)) or encode(batch)
    linked = []
    for index, event in zip([one_by_one, ahead], events, strict=True):
        asked = [await ask(db, event, voter, text, index) for voter, text in enumerate(texts)]
        probe = await index.probe(db, event.id, "Will the rent cap cover the new homes?")
        best = await index.matches(probe, threshold=0.0, limit=4)
        ids = {question.id: n for n, question in enumerate(asked)}
        linked.append(
            (
                [(ids.get(q.similar_to), q.similarity) for q in asked],
                [(ids[match.question_id], match.score) for match in best],
            )
        )
    assert linked[0] == linked[1]
    assert encoded_after == [["Will the rent cap cover the new homes?"]]  # the asks were not encoded again


def test_a_rows_lexical_cosine_is_the_same_read_alone_or_with_the_whole_event():
    # Rows past TAIL_ROWS are folded into the main block; the tail's squares are worked out when read.
    backend = LexicalBackend()
    store = backend.store()
    texts = [f"Question {n} on the rent cap and {n % 7} new homes in ward {n % 13}" for n in range(TAIL_ROWS + 40)]
    for text in texts:
        store.add(backend.encode([text]))
    probe = backend.encode(["How will the rent cap help new homes in ward 5?"])
    rows = np.array([0, 3, TAIL_ROWS - 1, TAIL_ROWS, TAIL_ROWS + 39])
    assert store.cosines(probe, rows).tolist() == store.cosines(probe)[rows].tolist()
