"""Finding the report passages a text touches: BM25 over the event's passages (bm25s).

Each report's index is built once per process, in a thread, and kept while the report is the
event's current one (a replaced report gets a new id, so a stale index is never consulted).
Besides BM25's score, each hit says which of the text's words the passage holds: ``coverage``
is the share of them it holds, which triage reads as "the report covers this".
"""

import asyncio
import logging
import re
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import bm25s
import numpy as np
from bm25s.stopwords import STOPWORDS_EN_PLUS

from bot.domain.wording import QA_WORDS
from bot.services.reports.report import load_passages, load_report
from db.engine import Database
from db.models import Passage

INDEXES_KEPT = 64
_WORD = re.compile(r"\b\w\w+\b")
_STOPWORDS = frozenset(STOPWORDS_EN_PLUS) | QA_WORDS
# bm25s sets its own logger to DEBUG when imported, which would print every index it builds.
logging.getLogger("bm25s").setLevel(logging.WARNING)


@dataclass(frozen=True, slots=True)
class PassageHit:
    citation: str
    page: int | None
    heading: str
    text: str
    score: float
    matched: tuple[str, ...]
    coverage: float


def terms(text: str) -> list[str]:
    """Lower-cased words without stopwords, plurals folded (``caps`` and ``cap`` meet)."""
    words = (word for word in _WORD.findall(text.lower()) if word not in _STOPWORDS)
    return [word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word for word in words]


class PassageIndex:
    """BM25 over one report's passages, headings included."""

    def __init__(self, passages: Sequence[Passage]) -> None:
        self.passages = list(passages)
        corpus = [terms(f"{passage.heading} {passage.text}") for passage in self.passages]
        self._terms = [set(words) for words in corpus]
        # A report with no word worth indexing (only markup, say) matches nothing; BM25 would
        # divide by its average passage length of zero.
        self._bm25 = bm25s.BM25() if any(corpus) else None
        if self._bm25 is not None:
            self._bm25.index(corpus, show_progress=False)

    def search(self, text: str, k: int) -> list[PassageHit]:
        query = list(dict.fromkeys(terms(text)))
        if not query or self._bm25 is None:
            return []
        scores = self._bm25.get_scores(query)
        best = [int(i) for i in np.argsort(-scores, kind="stable")[:k] if scores[i] > 0]
        hits = []
        for i in best:
            passage, matched = self.passages[i], tuple(term for term in query if term in self._terms[i])
            hits.append(
                PassageHit(
                    citation=passage.citation,
                    page=passage.page,
                    heading=passage.heading,
                    text=passage.text,
                    score=round(float(scores[i]), 4),
                    matched=matched,
                    coverage=round(len(matched) / len(query), 3),
                )
            )
        return hits


# Keyed by report id and content hash: ids are reused across databases (tests, benchmarks), and
# the same id with the same file always gives the same passages.
_indexes: OrderedDict[tuple[int, str], PassageIndex] = OrderedDict()


async def report_index(db: Database, event_id: int) -> PassageIndex | None:
    """The BM25 index of the event's current report, or None if it has no report."""
    report = await db.read(load_report, event_id)
    if report is None or report.id is None:
        return None
    key = (report.id, report.sha256)
    index = _indexes.get(key)
    if index is None:
        passages = await db.read(load_passages, report.id)
        index = await asyncio.to_thread(PassageIndex, passages)
        _indexes[key] = index
        while len(_indexes) > INDEXES_KEPT:
            _indexes.popitem(last=False)
    _indexes.move_to_end(key)
    return index


async def passages_for(db: Database, event_id: int, text: str, k: int = 5) -> list[PassageHit]:
    """The ``k`` passages of the event's report that best match ``text``, best first, with scores.

    None when the event has no report or nothing in it matches.
    """
    index = await report_index(db, event_id)
    return index.search(text, k) if index else []


def report_covers(hits: Sequence[PassageHit]) -> bool:
    """Whether the best passage holds at least half of the text's words, and at least two of them
    (or its only one): the retrieval reading of "the report covers this"."""
    if not hits:
        return False
    best = hits[0]
    return best.coverage >= 0.5 and (len(best.matched) >= 2 or best.coverage == 1.0)
