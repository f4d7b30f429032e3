"""Similar questions: each event's questions kept in memory, so a new one is compared in milliseconds.

The bot creates one ``SimilarityIndex`` at start-up (of ``backends.backend_named(...)``) and passes
it to the services that compare questions. An event's questions are read from the database the
first time the event is looked at; from then on every question submitted with
``submit_question(..., similar=index)`` is added as it is stored. Events belong to one server
and a server to one shard, so one process sees every question
of the events it serves.

A backend turns texts into vectors and scores them between 0 and 1:

- **hybrid** (the default, base install, ``bot.services.sense.hybrid``): the WordLlama sentence
  embedding's cosine, the lexical cosine below, the rarest word only one text has (typos and
  synonyms aside) and the candidate's margin over the event's other questions, combined by a
  logistic model fit on four labelled sets from different domains: the score is the probability
  that the two ask the same thing; clashing numbers or names keep it below a suggestion.
- **lexical** (the base install): TF-IDF cosine over words and over character 2-4-grams,
  averaged. The IDF is the event's own, kept as document counts over hashed features, so adding a
  question needs no refit. Two questions that differ by one distinctive word ("season 7" and
  "season 8", two towns) are usually different questions: the score is lowered by up to
  ``MISMATCH_WEIGHT`` by the rarest word (stop words aside) that only one of them has. The
  score ignores word order, so scores within ``TIE`` of each other are ordered by rapidfuzz's
  edit-distance ratio (case and punctuation aside): closest wording first.
- **semantic** (the ``semantic`` extra, ``bot.services.sense.semantic``): cosine of sentence embeddings.

Each backend brings its own two thresholds, chosen on the development sets (see
docs/benchmarks.md): ``suggest`` (high precision: what an asker is offered before sending) and
``link`` (what moderators see as ``similar_to`` in the queue, where recall matters more).
"""

import asyncio
import itertools
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Protocol

import numpy as np
import scipy.sparse as sp
from rapidfuzz import fuzz, utils
from sqlmodel import col, select

from bot.services.sense.text_vectors import ENGLISH_STOP_WORDS, char_ngrams, hashed_counts, words
from db.engine import Database
from db.models import Question

TIE = 0.02
HASHED_FEATURES = 2**18
# Tail rows are scored as a small matrix of their own and folded into the main one in batches, so
# a submit does not copy the whole event's matrix.
TAIL_ROWS = 256
MISMATCH_WEIGHT = 0.5
# Texts looked up lately, kept with their vectors (and their scores while the event is unchanged):
# an ask is looked up twice, for the suggestion and for the link as it is sent, and is encoded and
# scored once.
PROBES_KEPT = 64
# Each change to any event's index gets a new stamp, so scores kept under one are never read after.
_STAMPS = itertools.count(1)


@dataclass(frozen=True, slots=True)
class Match:
    """An indexed question and how similar it is to the text looked up (0 to 1)."""

    question_id: int
    score: float


class Store(Protocol):
    """One event's vectors, in the order their questions were added."""

    def add(self, vectors: Any) -> None: ...

    def scores(self, vector: Any, *, floor: float) -> np.ndarray:
        """Each question's score against ``vector``; below ``floor`` a score may be an upper bound."""
        ...


class Backend(Protocol):
    name: str
    suggest_threshold: float
    link_threshold: float

    def encode(self, texts: Sequence[str]) -> Any:
        """Vectors for ``texts``, one row each, in the form this backend's stores take."""
        ...

    def encode_each(self, texts: Sequence[str]) -> list[Any]:
        """Each text's vector as ``encode([text])`` gives it, bit for bit: batched where a batch
        gives each text what it would get alone."""
        ...

    def store(self) -> Store: ...


class LexicalBackend:
    """TF-IDF over words and character n-grams, with the event's own document frequencies."""

    name = "lexical"
    # On QQP: precision 0.85 or more from 0.74 up; the best F1 is around 0.25 (docs/benchmarks.md).
    suggest_threshold = 0.75
    link_threshold = 0.28

    def __init__(self) -> None:
        self._analyzers = (words, partial(char_ngrams, shortest=2, longest=4))

    def encode(self, texts: Sequence[str]) -> list[sp.csr_matrix]:
        vectors = []
        for analyzer in self._analyzers:
            counts = hashed_counts(texts, analyzer, features=HASHED_FEATURES)
            counts.data = 1 + np.log(counts.data)  # sublinear tf: a word said twice is not twice the topic
            vectors.append(counts)
        return vectors

    def encode_each(self, texts: Sequence[str]) -> list[list[sp.csr_matrix]]:
        # A text's counts are its own: a batch's rows are what each text gets alone.
        vectors = self.encode(texts)
        return [[analyzed[n] for analyzed in vectors] for n in range(len(texts))]

    def store(self) -> "LexicalStore":
        stop_words = hashed_counts([" ".join(ENGLISH_STOP_WORDS)], words, features=HASHED_FEATURES).indices
        return LexicalStore(len(self._analyzers), frozenset(stop_words.tolist()))


class LexicalStore:
    def __init__(self, analyzers: int, stop_words: frozenset[int]) -> None:
        empty = sp.csr_matrix((0, HASHED_FEATURES), dtype=np.float32)
        # Per analyzer: the main block with its squares (for the norms, which move with the IDF),
        # and the tail. A row added goes to the tail (a copy of the tail, not of the event), which
        # is folded into the main block once it holds ``TAIL_ROWS``. The tail's squares are worked
        # out when they are read: keeping them cost each added question two more copies.
        self._main = [empty] * analyzers
        self._squares = [empty] * analyzers
        self._tail = [empty] * analyzers
        self._document_counts = [np.zeros(HASHED_FEATURES, dtype=np.int32) for _ in range(analyzers)]
        self._size = 0
        self._stop_words = stop_words
        self._words: list[frozenset[int]] = []  # each question's words, stop words aside, for the mismatch

    def add(self, vectors: list[sp.csr_matrix]) -> None:
        words = vectors[0]
        self._words.extend(
            frozenset(words.indices[start:end].tolist()) - self._stop_words
            for start, end in zip(words.indptr[:-1], words.indptr[1:], strict=True)
        )
        for k, rows in enumerate(vectors):
            # Every row that has a word counts (``+=`` on a fancy index would count it once).
            np.add.at(self._document_counts[k], rows.indices, 1)
            self._tail[k] = sp.vstack([self._tail[k], rows], format="csr")
            if self._tail[k].shape[0] >= TAIL_ROWS:
                tail = self._tail[k]
                self._main[k] = sp.vstack([self._main[k], tail], format="csr")
                self._squares[k] = sp.vstack([self._squares[k], tail.multiply(tail)], format="csr")
                self._tail[k] = tail[:0]
        self._size += vectors[0].shape[0]

    def scores(self, vector: list[sp.csr_matrix], *, floor: float) -> np.ndarray:
        total = self._cosines(vector)
        above = np.flatnonzero(total >= floor)
        if above.size:
            total[above] *= 1.0 - MISMATCH_WEIGHT * self._mismatch(vector[0], above)
        return total

    def _mismatch(self, words: sp.csr_matrix, rows: np.ndarray) -> np.ndarray:
        """For each row, how rare (0 to 1) the rarest word is that only one of the two texts has."""
        # Rarity is the word's IDF scaled to 0 (every question has it) .. about 1 (none has).
        rarity = np.log((1.0 + self._size) / (1.0 + self._document_counts[0])) / np.log(2.0 + self._size)
        probe = frozenset(words.indices.tolist()) - self._stop_words
        return np.array([max((rarity[f] for f in probe ^ self._words[i]), default=0.0) for i in rows])

    def cosines(self, vector: list[sp.csr_matrix], rows: np.ndarray | None = None) -> np.ndarray:
        """The TF-IDF cosine with ``vector``, averaged over the analyzers, before the mismatch: of
        every row, or of ``rows`` only (ascending), which costs what those rows hold."""
        if rows is None:
            return self._cosines(vector)
        total = np.zeros(len(rows))
        for k, probe in enumerate(vector):
            counts = self._document_counts[k]
            probe_idf = np.log((1.0 + self._size) / (1.0 + counts[probe.indices])) + 1.0
            # The probe's weight of each feature a row has (0 if the probe has none), looked up in
            # the probe's own few features: no array as long as the hashed space is made.
            order = np.argsort(probe.indices)
            known, weights = probe.indices[order], (probe.data * probe_idf**2)[order]
            probe_norm = np.sqrt(np.sum((probe.data * probe_idf) ** 2)) or 1.0
            dots, norms = [], []
            # Row by block, in the order of ``rows``: the main block's rows come first. The rows'
            # entries are read from the blocks' arrays as they are (no matrix is cut out of them),
            # and summed by row as scipy's product and row sum would, to the last bit.
            first = 0
            for block in (self._main[k], self._tail[k]):
                chosen = rows[(rows >= first) & (rows < first + block.shape[0])] - first
                first += block.shape[0]
                if not chosen.size:
                    continue
                at, lengths = _entries(block, chosen)
                features, counted = block.indices[at], block.data[at]
                products = counted * _weights_of(features, known, weights)
                dots.append(np.bincount(np.repeat(np.arange(len(chosen)), lengths), products, len(chosen)))
                # Each chosen row's norm under today's IDF: its squared counts weighted, summed by row.
                # (Rows are sorted and without repeats, so these are the entries of its squares.)
                idf = np.log((1.0 + self._size) / (1.0 + counts[features])) + 1.0
                norms.append(np.sqrt(_row_sums(counted * counted * idf**2, lengths)))
            norm = np.concatenate(norms)
            norm[norm == 0] = 1.0
            total += np.concatenate(dots) / (norm * probe_norm)
        return total / len(vector)

    def _cosines(self, vector: list[sp.csr_matrix]) -> np.ndarray:
        total = np.zeros(self._size)
        for k, probe in enumerate(vector):
            idf = np.log((1.0 + self._size) / (1.0 + self._document_counts[k])) + 1.0
            weighted = np.zeros(HASHED_FEATURES)
            weighted[probe.indices] = probe.data * idf[probe.indices] ** 2
            probe_norm = np.sqrt(np.sum((probe.data * idf[probe.indices]) ** 2)) or 1.0
            dots, norms = [], []
            for rows, squares in self._blocks(k):
                dots.append(rows @ weighted)
                norms.append(np.sqrt(squares @ idf**2))
            norm = np.concatenate(norms)
            norm[norm == 0] = 1.0
            total += np.concatenate(dots) / (norm * probe_norm)
        return total / len(vector)

    def _blocks(self, k: int) -> list[tuple[sp.csr_matrix, sp.csr_matrix]]:
        """Analyzer ``k``'s main block and its tail, each with its squares, in row order."""
        tail = self._tail[k]
        return [(self._main[k], self._squares[k]), (tail, tail.multiply(tail))]


def _weights_of(features: np.ndarray, known: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The weight of each of ``features`` among the ``known`` ones (sorted, each once), 0 where unknown."""
    if not len(known):
        return np.zeros(len(features))
    at = np.minimum(np.searchsorted(known, features), len(known) - 1)
    return np.where(known[at] == features, weights[at], 0.0)


def _entries(matrix: sp.csr_matrix, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where ``rows``' entries are in ``matrix``'s arrays, row after row, and how many each row has."""
    lengths = matrix.indptr[rows + 1] - matrix.indptr[rows]
    starts = np.cumsum(lengths) - lengths
    return np.repeat(matrix.indptr[rows] - starts, lengths) + np.arange(int(lengths.sum())), lengths


def _row_sums(values: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The sum of each row's run of ``values`` (rows of ``lengths``), added as scipy adds a row."""
    sums = np.zeros(len(lengths))
    held = lengths > 0
    if held.any():
        sums[held] = np.add.reduceat(values, (np.cumsum(lengths) - lengths)[held])
    return sums


class _EventIndex:
    """The questions of one event: ids, texts and the backend's vectors, guarded for threads."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.ids: list[int] = []
        self.texts: list[str] = []
        self.lock = threading.Lock()
        self.stamp = next(_STAMPS)

    def add(self, question_ids: Sequence[int], texts: Sequence[str], vectors: Any) -> None:
        with self.lock:
            self.store.add(vectors)
            self.ids.extend(question_ids)
            self.texts.extend(texts)
            self.stamp = next(_STAMPS)

    def matches(self, probe: "Probe", *, threshold: float, floor: float, limit: int) -> list[Match]:
        """The matches of ``probe`` at ``threshold``, scored with ``floor`` (at most ``threshold``):
        scores kept on the probe from a look-up at a floor as low are read again while the event's
        questions are the same."""
        with self.lock:
            if not self.ids:
                return []
            kept = probe.scored.get(self.stamp)
            if kept is None or kept[0] > threshold:
                kept = (floor, self.store.scores(probe.vector, floor=floor))
                probe.scored.clear()
                probe.scored[self.stamp] = kept
            scores = kept[1]
            above = np.flatnonzero(scores >= threshold)
            candidates = [(float(scores[i]), self.ids[i], self.texts[i]) for i in above]
        candidates.sort(key=lambda c: -c[0])
        return [Match(question_id, score) for score, question_id, _ in _break_ties(probe.text, candidates)[:limit]]


def _break_ties(text: str, candidates: list[tuple[float, int, str]]) -> list[tuple[float, int, str]]:
    """Within runs of scores closer than ``TIE``, put the closest wording first (then the older question)."""
    ordered: list[tuple[float, int, str]] = []
    run: list[tuple[float, int, str]] = []
    for candidate in candidates:
        if run and run[0][0] - candidate[0] > TIE:
            ordered.extend(_closest_wording_first(text, run))
            run = []
        run.append(candidate)
    ordered.extend(_closest_wording_first(text, run))
    return ordered


def _closest_wording_first(text: str, run: list[tuple[float, int, str]]) -> list[tuple[float, int, str]]:
    return sorted(run, key=lambda c: (-fuzz.ratio(text, c[2], processor=utils.default_process), c[1]))


@dataclass(frozen=True, slots=True, eq=False)
class Probe:
    """A text looked up in an event, with its vector, so the question can be indexed without encoding again."""

    event_id: int
    text: str
    vector: Any
    # The event's scores against the vector, under the stamp of the index they were read from:
    # stamp -> (floor, scores).
    scored: dict[int, tuple[float, np.ndarray]] = field(default_factory=dict, repr=False)


class SimilarityIndex:
    """Every loaded event's questions, for similar-question look-ups. Create one per bot process."""

    def __init__(
        self, backend: Backend, *, suggest_threshold: float | None = None, link_threshold: float | None = None
    ) -> None:
        self.backend = backend
        self.suggest_threshold = backend.suggest_threshold if suggest_threshold is None else suggest_threshold
        self.link_threshold = backend.link_threshold if link_threshold is None else link_threshold
        self._events: dict[int, _EventIndex] = {}
        self._loading: dict[int, asyncio.Lock] = {}
        self._probes: OrderedDict[tuple[int, str], Probe] = OrderedDict()

    async def load(self, db: Database, event_id: int) -> None:
        """Read the event's questions from the database, unless they are in memory already."""
        lock = self._loading.setdefault(event_id, asyncio.Lock())
        async with lock:
            if event_id in self._events:
                return
            query = select(Question.id, Question.text).where(Question.event_id == event_id).order_by(col(Question.id))
            rows = await db.read(lambda session: session.exec(query).all())
            index = _EventIndex(self.backend.store())
            if rows:
                ids, texts = [row[0] for row in rows], [row[1] for row in rows]
                vectors = await asyncio.to_thread(self.backend.encode, texts)
                await asyncio.to_thread(index.add, ids, texts, vectors)
            self._events[event_id] = index

    def forget(self, event_id: int) -> None:
        """Drop an event from memory (once it closes); it is read again if it is looked at later."""
        self._events.pop(event_id, None)
        self._loading.pop(event_id, None)
        for key in [key for key in self._probes if key[0] == event_id]:
            del self._probes[key]

    async def probe(self, db: Database, event_id: int, text: str) -> Probe:
        """Encode ``text`` for look-ups in the event, loading the event first if needed. A text
        looked up lately in the event is not encoded again (``PROBES_KEPT``): its probe is reused."""
        await self.load(db, event_id)
        probe = self._probes.get((event_id, text))
        if probe is None:
            return self._keep(Probe(event_id, text, await asyncio.to_thread(self.backend.encode, [text])))
        self._probes.move_to_end((event_id, text))
        return probe

    async def probe_ahead(self, db: Database, event_id: int, texts: Sequence[str]) -> None:
        """Encode texts about to be looked up in the event in one batch (the backend encodes a batch
        for less a text than one at a time, and a text's vector depends on the text alone), so that
        ``probe`` finds them encoded. At most ``PROBES_KEPT // 2`` texts: room is left for the
        texts looked up meanwhile. What a rehearsal does with its script's next questions."""
        await self.load(db, event_id)
        fresh = list(dict.fromkeys(text for text in texts if (event_id, text) not in self._probes))
        fresh = fresh[: PROBES_KEPT // 2]
        if not fresh:
            return
        vectors = await asyncio.to_thread(self.backend.encode_each, fresh)
        for text, vector in zip(fresh, vectors, strict=True):
            self._keep(Probe(event_id, text, vector))

    def _keep(self, probe: Probe) -> Probe:
        """Keep ``probe`` as the latest of the texts looked up, forgetting the oldest past ``PROBES_KEPT``."""
        self._probes[(probe.event_id, probe.text)] = probe
        if len(self._probes) > PROBES_KEPT:
            self._probes.popitem(last=False)
        return probe

    async def matches(self, probe: Probe, *, threshold: float, limit: int) -> list[Match]:
        """The event's questions scoring at least ``threshold`` against the probe, most similar first."""
        index = self._events.get(probe.event_id)
        if index is None:
            return []
        # Scored down to the lower of the two thresholds, so the other use reads the same scores.
        floor = min(threshold, self.suggest_threshold, self.link_threshold)
        return await asyncio.to_thread(index.matches, probe, threshold=threshold, floor=floor, limit=limit)

    async def add(self, probe: Probe, question_id: int) -> None:
        """Index a stored question under the probe it was looked up with."""
        index = self._events.get(probe.event_id)
        # An event that is not in memory is read from the database when it is next looked at.
        if index is not None:
            await asyncio.to_thread(index.add, [question_id], [probe.text], probe.vector)
