"""Questions as sparse vectors of their words: hashed counts for similar questions, TF-IDF for themes.

These are the few pieces of scikit-learn's text vectorisers Podium uses, written out so that the
bot does not load scikit-learn (about 60 MB of resident memory, most of it never used). They
follow scikit-learn's definitions exactly (the same tokens, character n-grams, MurmurHash3
buckets, smoothed IDF and norms), so the similarity thresholds chosen on the development set
(docs/benchmarks.md) still hold.
"""

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import mmh3
import numpy as np
import scipy.sparse as sp

# Words of two characters or more, as scikit-learn's default token pattern finds them.
_WORD = re.compile(r"(?u)\b\w\w+\b")
_SPACES = re.compile(r"\s\s+")

ENGLISH_STOP_WORDS = frozenset(
    word
    for line in (Path(__file__).with_name("english_stop_words.txt")).read_text(encoding="utf-8").splitlines()
    if not line.startswith("#")
    for word in line.split()
)

Analyzer = Callable[[str], list[str]]


def words(text: str) -> list[str]:
    """The words of ``text``, lower-cased, in order."""
    return _WORD.findall(text.lower())


def word_ngrams(text: str, *, longest: int, stop_words: frozenset[str] = frozenset()) -> list[str]:
    """Words and runs of up to ``longest`` words, after leaving out ``stop_words``."""
    kept = [word for word in words(text) if word not in stop_words]
    return [" ".join(kept[i : i + n]) for n in range(1, longest + 1) for i in range(len(kept) - n + 1)]


def char_ngrams(text: str, *, shortest: int, longest: int) -> list[str]:
    """Character n-grams inside word boundaries, each word padded with a space on both sides
    (scikit-learn's ``char_wb``): robust to typos and word endings."""
    grams = []
    for word in _SPACES.sub(" ", text.lower()).split():
        padded = f" {word} "
        for n in range(shortest, longest + 1):
            grams += [padded[i : i + n] for i in range(max(1, len(padded) - n + 1))]
            if len(padded) <= n:  # a short word counts once, however many n-gram sizes fit it
                break
    return grams


def hashed_counts(texts: Iterable[str], analyzer: Analyzer, *, features: int) -> sp.csr_matrix:
    """One row per text: how often each of its terms occurs, in ``features`` buckets by MurmurHash3."""
    indptr, indices, counts = [0], [], []
    for text in texts:
        # Hashed as UTF-8 bytes, which mmh3 would hash for a str: native code never meets a lone
        # surrogate, whatever text reaches it (mmh3 crashes the process on one).
        row = Counter(abs(mmh3.hash(term.encode("utf-8", "replace"))) % features for term in analyzer(text))
        indices += row.keys()
        counts += row.values()
        indptr.append(len(indices))
    matrix = sp.csr_matrix(
        (np.asarray(counts, dtype=np.float32), np.asarray(indices, dtype=np.int32), np.asarray(indptr)),
        shape=(len(indptr) - 1, features),
    )
    matrix.sort_indices()
    return matrix


def tfidf(texts: Sequence[str], analyzer: Analyzer) -> tuple[sp.csr_matrix, list[str]]:
    """TF-IDF of ``texts`` over their own vocabulary: sublinear term frequency, smoothed IDF, rows of
    unit length; and the vocabulary, in column order (alphabetical). Empty if no text has a term."""
    counted = [Counter(analyzer(text)) for text in texts]
    vocabulary = sorted(set().union(*counted))
    column = {term: i for i, term in enumerate(vocabulary)}
    frequency = Counter(term for terms in counted for term in terms)
    idf = np.array([math.log((1 + len(texts)) / (1 + frequency[term])) + 1 for term in vocabulary])
    rows, columns, values = [], [], []
    for row, terms in enumerate(counted):
        for term, count in terms.items():
            rows.append(row)
            columns.append(column[term])
            values.append((1 + math.log(count)) * idf[column[term]])
    weights = sp.csr_matrix((values, (rows, columns)), shape=(len(texts), len(vocabulary)))
    lengths = np.sqrt(np.asarray(weights.multiply(weights).sum(axis=1)).ravel())
    lengths[lengths == 0] = 1
    return sp.csr_matrix(sp.diags(1 / lengths) @ weights), vocabulary
