"""The default sentence embedding: loaded from the installed package, offline, with a clear message when missing."""

import socket

import numpy as np
import pytest

from bot.services.sense import embedding
from bot.services.sense.embedding import EmbeddingUnavailable, SentenceEmbedding


def test_a_paraphrase_is_closer_than_another_subject():
    vectors = SentenceEmbedding().embed(
        [
            "How will the tariffs affect farmers in the Midwest?",
            "What impact do the tariffs have on Midwestern farmers?",
            "Who chairs the committee on submarine cables?",
        ]
    )
    assert vectors.shape == (3, embedding.DIMENSIONS)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.3


def test_loading_never_touches_the_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the embedding tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    assert SentenceEmbedding().embed(["Is the model local?"]).shape == (1, embedding.DIMENSIONS)


def test_missing_model_files_name_the_package(monkeypatch, tmp_path):
    monkeypatch.setattr(embedding, "package_folder", lambda package: tmp_path)
    with pytest.raises(EmbeddingUnavailable, match=r"package 'wordllama'.*SIMILARITY_BACKEND=lexical"):
        SentenceEmbedding()


def test_no_text_gives_no_rows():
    assert SentenceEmbedding().embed([]).shape == (0, embedding.DIMENSIONS)
