"""The default similarity backend: a sentence embedding decides, with the lexical score as one feature.

A raw cosine does not transfer between events: on the development sets the best threshold for
the same embedding runs from 0.23 (long forum posts) to 0.64 (short Quora titles). So a pair is
judged by a few features of the pair and of the event it is asked in, combined by a logistic
model fit on four labelled sets from different domains (``bench/dedup_fit.py`` refits it and
checks it by leaving each set out in turn; docs/benchmarks.md has each set's figures):

- ``cosine``: the WordLlama sentence embedding's cosine (``bot.services.sense.embedding``);
- ``lexical``: the TF-IDF cosine of ``LexicalBackend`` (words and character n-grams, with the
  event's own IDF), which catches typos and names the embedding has never seen; weighed with the
  cosine, it is their agreement that lifts a score;
- ``unshared``: how rare in the event the rarest word is that only one text has and that has no
  counterpart in the other (a word spelled nearly alike, a typo; or one whose embedding means
  nearly the same, "permitted" for "allowed"), a sign that one asks more than the other (fit
  across the sets it weighs little: paraphrases bring new words as often as different questions);
- ``margin``: how far the candidate stands above the event's other questions for this text (the
  closest one: over the runner-up; any other: below the closest, so negative), so that in an
  event of questions on one subject, being close is not enough;

and two rules: the same words in the same order (case and punctuation aside) are a repeat
whatever the margin (**verbatim**); and a **clash** of numbers or names (each of two short texts
has a number or a name the other has not: capitalised words inside a sentence and quoted terms,
spelled differently by more than a typo) caps the score below the suggestion threshold: "season
7" is not "season 8", so such a pair may be linked for moderators but is never offered to an
asker. (As a weighted feature the clash learned next to nothing: long forum posts clash by
chance, and half the sets are lower case.) Before both encoders, a small table of other
spellings of names (``ALIASES``: "Peking", "Chine") puts each name in one spelling.

The event's typical nearest-neighbour cosine was tried as a feature, as an offset and as a
percentile: fit across the four sets it took a negative weight (dense events, COVID-Q's, are also
the loosely labelled ones) and helped no set left out, so it is not used. So were, on 2026-12-01,
the candidate's standing in this look-up's own cosines (how many deviations over their mean) and
whether the lexical and the embedding scores agree on the closest question: left out in turn,
they moved each set's rehearsed link F1 by -0.03 to +0.04, with no sign common to the sets.

The score is the model's probability that the two ask the same thing, so the two decisions are
thresholds on a probability rather than on a cosine: ``suggest`` (an asker is interrupted: the
lowest with precision 0.87 or more on every development set, a little over the 0.85 required)
and ``link`` (moderators' ``similar_to``: the best F1 of a rehearsed event, mean over the sets).
"""

import re
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from rapidfuzz import fuzz, process

from bot.services.sense.embedding import SentenceEmbedding, sentence_embedding
from bot.services.sense.similarity import LexicalBackend, LexicalStore
from bot.services.sense.text_vectors import ENGLISH_STOP_WORDS, words

# Fit by bench/dedup_fit.py on QQP, SemEval-2016 (Qatar Living), Medical Question Pairs and
# COVID-Q, each set weighted equally; see docs/benchmarks.md for each set's figures.
# ``verbatim`` and ``clash`` are the rules' columns, weighted 0: they floor and cap the score (``judge``).
FEATURES = ("cosine", "lexical", "unshared", "margin", "verbatim", "clash")
RULES = ("verbatim", "clash")
WEIGHTS = np.array([0.95, 3.4, -0.15, 3.02, 0.0, 0.0])
INTERCEPT = -3.15
SUGGEST_THRESHOLD = 0.88
LINK_THRESHOLD = 0.2
# A clash's score: above the link threshold's reach, below any suggestion.
CLASH_CAP = 0.8
# The same words in the same order (case and punctuation aside) are a repeat, however crowded the
# event around them (its margin is small in a dense one): at least this score.
VERBATIM_SCORE = 0.95
# Texts with more marks than this (long posts) name things in passing: no clash is read from them.
CLASH_MARKS = 3
# What a look-up costs is bounded, however large the event: the lexical cosine is read for the
# embedding's closest rows, and the word-level features (``unshared``, the clash) for the rows
# scoring best without them. A duplicate's first is outside the embedding's closest 64 for none of
# QQP's and MQP's pairs, 7% of SemEval's and 18% of COVID-Q's (events of 300 pairs), where 64
# other questions are closer to it by meaning: it is then seldom the one the link would pick.
LEXICAL_ROWS = 64
REFINED_ROWS = 16
# A word only one text has still has a counterpart in the other if it is spelled nearly alike
# (a typo: rapidfuzz's ratio) or means nearly the same (its embedding's cosine: "permitted" and
# "allowed" 0.82, "cost" and "price" 0.67; "Shanghai" and "Beijing" 0.17).
SPELLED_ALIKE = 80
MEANS_ALIKE = 0.6
# Word vectors kept for the counterparts (1 KB each), all events together.
WORD_CACHE = 20_000
# The margin over the runner-up says little past this (an event of two questions has a runner-up
# of no kind): capped at what the development sets' closest questions rarely exceed.
MARGIN_CAP = 0.5

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# A capitalised word that does not open a sentence: a name, a place, a product.
_NAME = re.compile(r"(?<![.?!:]\s)(?<!^)(?<![.?!:])\b[A-Z][\w'-]*[a-z][\w'-]*")
# A quoted term ("the letter 'L'", "the word “cap”"): as distinctive as a name.
_QUOTED = re.compile(r"""(?:(?<=\s)|^)['"‘“]([^'"‘’“”]{1,40})['"’”](?=[\s?.!,:;)]|$)""")
# Other spellings of one name (older romanisations, other languages' spellings), read as that name
# by both encoders: the embedding has seen "Peking" far less often than "Beijing".
ALIASES = {
    "peking": "Beijing",
    "pékin": "Beijing",
    "bombay": "Mumbai",
    "madras": "Chennai",
    "calcutta": "Kolkata",
    "canton": "Guangzhou",
    "burma": "Myanmar",
    "chine": "China",
    "formosa": "Taiwan",
    "holland": "Netherlands",
    "kiev": "Kyiv",
    "moskva": "Moscow",
    "coronavirus": "COVID",
    "covid-19": "COVID",
}
_ALIAS = re.compile(r"\b(" + "|".join(re.escape(name) for name in ALIASES) + r")\b", re.IGNORECASE)


def canonical(text: str) -> str:
    """``text`` with each name's other spellings (``ALIASES``) replaced by the one Podium compares."""
    return _ALIAS.sub(lambda found: ALIASES[found.group(0).lower()], text)


def marks(text: str) -> frozenset[str]:
    """The numbers, names and quoted terms in ``text`` (lower case): what a repeat keeps."""
    names = {name.lower() for name in [*_NAME.findall(text), *_QUOTED.findall(text)]}
    names = {name.removesuffix("'s").removesuffix("’s") for name in names}
    numbers = {number.replace(",", "") for number in _NUMBER.findall(text)}
    return frozenset(names | {f"#{number}" for number in numbers})


def clash(these: frozenset[str], those: frozenset[str]) -> bool:
    """Whether each side has a number or a name the other lacks ("Bejing" is still "Beijing")."""
    return bool(_unmatched(these - those, those - these)) and bool(_unmatched(those - these, these - those))


def _unmatched(marks: frozenset[str], others: frozenset[str]) -> set[str]:
    """The marks without a counterpart among ``others``: a number the same, a name spelled nearly alike."""
    names = [other for other in others if not other.startswith("#")]
    return {
        mark
        for mark in marks
        if mark.startswith("#") or not names or process.extractOne(mark, names, scorer=fuzz.ratio)[1] < SPELLED_ALIKE
    }


def content_words(text: str) -> frozenset[str]:
    """The words of ``text`` that say what it asks (stop words aside), lower case."""
    return frozenset(words(text)) - ENGLISH_STOP_WORDS


@dataclass(frozen=True, slots=True)
class HybridVectors:
    """Texts as the hybrid backend keeps them: unit embedding rows, the lexical vectors, the
    content words and the marks (numbers and names)."""

    dense: np.ndarray
    lexical: list[sp.csr_matrix]
    words: list[frozenset[str]]
    marks: list[frozenset[str]]
    wordings: np.ndarray  # a hash of each text's words in order, for the verbatim rule

    def __getitem__(self, i: int) -> "HybridVectors":
        return HybridVectors(
            self.dense[i : i + 1],
            [m[i] for m in self.lexical],
            self.words[i : i + 1],
            self.marks[i : i + 1],
            self.wordings[i : i + 1],
        )


class WordVectors:
    """Single words' embeddings, computed once and kept (up to ``WORD_CACHE``) for every event."""

    def __init__(self, embedding: SentenceEmbedding) -> None:
        self._embedding = embedding
        self._vectors: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def learn(self, texts_words: Sequence[frozenset[str]]) -> None:
        with self._lock:
            new = sorted(set().union(*texts_words) - self._vectors.keys()) if texts_words else []
        if not new:
            return
        rows = self._embedding.embed(new)
        with self._lock:
            if len(self._vectors) + len(new) > WORD_CACHE:
                self._vectors.clear()
            self._vectors.update(zip(new, rows, strict=True))

    def vectors(self, chosen: Iterable[str]) -> dict[str, np.ndarray]:
        """Each word's vector (zeros for a word the embedding does not know), read at once for
        every word a look-up compares, not row by row."""
        chosen = set(chosen)
        with self._lock:
            missing = chosen - self._vectors.keys()
        if missing:
            self.learn([frozenset(missing)])
        unknown = np.zeros(self._embedding.dimensions)  # one for all: not one made for every word
        with self._lock:
            return {word: self._vectors.get(word, unknown) for word in chosen}


class HybridBackend:
    """The WordLlama embedding and the lexical score, judged together by the event's own figures."""

    name = "hybrid"
    suggest_threshold = SUGGEST_THRESHOLD
    link_threshold = LINK_THRESHOLD

    def __init__(self, embedding: SentenceEmbedding | None = None) -> None:
        # EmbeddingUnavailable, naming the package, if the model's files are not installed.
        self._embedding = embedding or sentence_embedding()
        self._lexical = LexicalBackend()
        self._words = WordVectors(self._embedding)

    def encode(self, texts: Sequence[str]) -> HybridVectors:
        texts = [canonical(text) for text in texts]
        said = [content_words(text) for text in texts]
        self._words.learn(said)
        return HybridVectors(
            self._embedding.embed(texts),
            self._lexical.encode(texts),
            said,
            [marks(text) for text in texts],
            np.array([hash(tuple(words(text))) for text in texts], dtype=np.int64),
        )

    def encode_each(self, texts: Sequence[str]) -> list[HybridVectors]:
        # The embedding pools each text's own tokens (padding is masked out) and the rest is per
        # text, so a batch's rows are what each text gets alone.
        vectors = self.encode(texts)
        return [vectors[n] for n in range(len(texts))]

    def store(self) -> "HybridStore":
        return HybridStore(self._embedding.dimensions, self._lexical.store(), self._words)


class HybridStore:
    def __init__(self, dimensions: int, lexical: LexicalStore, word_vectors: WordVectors) -> None:
        # Grown by doubling, so adding one question is not a copy of the whole event.
        self._dense = np.zeros((64, dimensions), dtype=np.float32)
        self._size = 0
        self._lexical = lexical
        self._word_vectors = word_vectors
        self._words: list[frozenset[str]] = []
        self._document_counts: Counter[str] = Counter()
        self._marks: list[frozenset[str]] = []
        self._wordings = np.zeros(64, dtype=np.int64)

    def add(self, vectors: HybridVectors) -> None:
        rows = vectors.dense
        needed = self._size + len(rows)
        if needed > len(self._dense):
            grown = np.zeros((max(needed, 2 * len(self._dense)), self._dense.shape[1]), dtype=np.float32)
            grown[: self._size] = self._dense[: self._size]
            self._dense = grown
            wordings = np.zeros(len(grown), dtype=np.int64)
            wordings[: self._size] = self._wordings[: self._size]
            self._wordings = wordings
        self._dense[self._size : needed] = rows
        self._wordings[self._size : needed] = vectors.wordings
        self._size = needed
        self._lexical.add(vectors.lexical)
        self._words.extend(vectors.words)
        for said in vectors.words:
            self._document_counts.update(said)
        self._marks.extend(vectors.marks)

    def features(self, vector: HybridVectors, *, refine: Sequence[int] = ()) -> np.ndarray:
        """One row of ``FEATURES`` per stored question against the text ``vector`` holds (the
        word-level ones for the closest rows and for ``refine``; 0 elsewhere)."""
        return self._table(vector, np.asarray(refine, dtype=int))[0]

    def scores(self, vector: HybridVectors, *, floor: float) -> np.ndarray:
        table, refined = self._table(vector, np.zeros(0, dtype=int))
        scores = judge(table)
        # A row past the closest few has no word-level features, which could only lower its
        # score: it is kept below every row that has them, so it never passes one it trails.
        if 0 < len(refined) < self._size:
            rest = np.ones(self._size, dtype=bool)
            rest[refined] = False
            scores[rest] = np.minimum(scores[rest], scores[refined].min())
        return scores

    def _table(self, vector: HybridVectors, refine: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        table = np.zeros((self._size, len(FEATURES)))
        if not self._size:
            return table, np.zeros(0, dtype=int)
        # einsum, not BLAS: a look-up is one small product, and BLAS's threads, on a busy machine,
        # wait for a core longer than the product takes (a check at 5,000 questions: 34 ms, 7 ms).
        cosine = np.einsum("ij,j->i", self._dense[: self._size], vector.dense[0])
        # The lexical cosine costs what its rows hold: it is read for the embedding's closest rows.
        closest = _top(cosine, LEXICAL_ROWS)
        near = np.union1d(closest, refine)
        table[near, 1] = self._lexical.cosines(vector.lexical, near)
        # The two closest are among them (which of two equally close is first changes no margin).
        first, *second = closest[np.argsort(-cosine[closest])[:2]]
        margin = cosine - cosine[first]
        margin[first] = cosine[first] - (cosine[second[0]] if second else -1.0)
        table[:, 0], table[:, 3] = cosine, np.minimum(margin, MARGIN_CAP)
        table[:, 4] = self._wordings[: self._size] == vector.wordings[0]
        # The word-level features (sets, per row) for the rows scoring best without them, which are
        # among the closest rows: past them a row has no lexical cosine, and its score without the
        # word-level features (cosine and margin weighted up, the verbatim rule's column weighted 0)
        # is no higher than theirs, so only the closest rows are weighed.
        weighed = np.einsum("ij,j->i", table[near], WEIGHTS)
        refined = np.union1d(near[_top(weighed, REFINED_ROWS)], refine)
        table[refined, 2] = self._unshared(vector.words[0], refined)
        probe = vector.marks[0]
        if 0 < len(probe) <= CLASH_MARKS:
            for i in refined:
                table[i, 5] = float(len(self._marks[i]) <= CLASH_MARKS and clash(probe, self._marks[i]))
        return table, refined

    def _unshared(self, said: frozenset[str], rows: np.ndarray) -> np.ndarray:
        """For each row, how rare (0 to 1) the rarest word is that only one of the two texts has
        and that has no counterpart in the other (spelled nearly alike, or meaning nearly the same)."""
        # Rarity is the word's IDF in the event, scaled to 0 (every question has it) .. about 1 (none has).
        scale = np.log(2.0 + self._size)
        rarest = np.zeros(len(rows))
        # Every word compared, once: the spellings of all pairs in one table (a pair's ratio is its
        # own), and the words' vectors; the meanings are compared row by row, as products of the
        # row's own words (a larger product may round a cosine otherwise).
        ours = sorted(said)
        others = sorted(set().union(*(self._words[i] for i in rows)) - said)
        spelled = (
            process.cdist(ours, others, scorer=fuzz.ratio) >= SPELLED_ALIKE
            if ours and others
            else np.zeros((len(ours), len(others)), dtype=bool)
        )
        ours_at, others_at = {word: n for n, word in enumerate(ours)}, {word: n for n, word in enumerate(others)}
        vectors = self._word_vectors.vectors([*ours, *others])
        for k, i in enumerate(rows):
            mine, theirs = sorted(said - self._words[i]), sorted(self._words[i] - said)
            if not mine and not theirs:
                continue
            alone = set(mine) | set(theirs)
            if mine and theirs:
                alike = spelled[np.ix_([ours_at[word] for word in mine], [others_at[word] for word in theirs])]
                alike |= _matrix(vectors, mine) @ _matrix(vectors, theirs).T >= MEANS_ALIKE
                alone -= {mine[a] for a in np.flatnonzero(alike.any(axis=1))}
                alone -= {theirs[b] for b in np.flatnonzero(alike.any(axis=0))}
            if alone:
                fewest = min(self._document_counts[word] for word in alone)
                rarest[k] = np.log((1.0 + self._size) / (1.0 + fewest)) / scale
        return rarest


def _matrix(vectors: dict[str, np.ndarray], chosen: Sequence[str]) -> np.ndarray:
    """The vectors of ``chosen``, one row each, in order."""
    return np.array([vectors[word] for word in chosen])


def _top(values: np.ndarray, k: int) -> np.ndarray:
    """The indices of the ``k`` largest values (all of them if there are fewer), in no order."""
    if len(values) <= k:
        return np.arange(len(values))
    return np.argpartition(-values, k)[:k]


def judge(features: np.ndarray, weights: np.ndarray = WEIGHTS, intercept: float = INTERCEPT) -> np.ndarray:
    """The probability (0 to 1) that each pair asks the same thing, from its features: at least
    ``VERBATIM_SCORE`` for the same words, at most ``CLASH_CAP`` where numbers or names clash."""
    probability = 1.0 / (1.0 + np.exp(-(np.einsum("ij,j->i", features, weights) + intercept)))
    verbatim, clashes = (features[:, FEATURES.index(rule)] > 0 for rule in RULES)
    probability = np.where(verbatim, np.maximum(probability, VERBATIM_SCORE), probability)
    return np.where(clashes, np.minimum(probability, CLASH_CAP), probability)
