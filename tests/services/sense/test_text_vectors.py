"""The word vectors under similar questions and themes (scikit-learn's definitions, without it)."""

import numpy as np

from bot.services.sense.text_vectors import ENGLISH_STOP_WORDS, char_ngrams, hashed_counts, tfidf, word_ngrams, words


def test_words_are_lower_cased_and_one_letter_words_left_out():
    assert words("Will the Mayor's plan cut rents? A yes/no, 2 words") == [
        "will", "the", "mayor", "plan", "cut", "rents", "yes", "no", "words",
    ]  # fmt: skip


def test_character_ngrams_stay_inside_words_and_a_short_word_counts_once():
    assert char_ngrams("Ok  go", shortest=2, longest=4) == [
        " o", "ok", "k ", " ok", "ok ", " ok ",
        " g", "go", "o ", " go", "go ", " go ",
    ]  # fmt: skip
    assert char_ngrams("a", shortest=2, longest=4) == [" a", "a ", " a "]
    assert char_ngrams("a", shortest=3, longest=4) == [" a "]


def test_stop_words_are_left_out_before_runs_of_words_are_formed():
    assert {"the", "of", "and"} <= ENGLISH_STOP_WORDS
    assert word_ngrams("the cost of housing", longest=2, stop_words=ENGLISH_STOP_WORDS) == [
        "cost", "housing", "cost housing",
    ]  # fmt: skip


def test_hashed_counts_count_each_term_in_its_bucket():
    counts = hashed_counts(["rent rent zoning", ""], words, features=2**18)
    assert counts.shape == (2, 2**18)
    assert sorted(counts[0].data.tolist()) == [1.0, 2.0]
    assert counts[1].nnz == 0


def test_tfidf_rows_have_unit_length_and_rarer_terms_weigh_more():
    weights, vocabulary = tfidf(["rent caps", "rent zoning", "rent"], words)
    assert vocabulary == ["caps", "rent", "zoning"]
    assert np.allclose(np.sqrt(weights.multiply(weights).sum(axis=1)).A1, 1.0)
    first = weights[0].toarray().ravel()
    assert first[vocabulary.index("caps")] > first[vocabulary.index("rent")]


def test_tfidf_of_texts_without_terms_is_empty():
    weights, vocabulary = tfidf(["a", "?"], words)
    assert vocabulary == []
    assert weights.shape == (2, 0)
