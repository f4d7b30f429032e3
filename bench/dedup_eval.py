"""How well each similarity backend tells a repeated question from a new one, set by set.

1. **Four labelled dev sets from different domains** (``../shared/datasets/``: QQP, SemEval-2016
   Qatar Living forum, Medical Question Pairs, COVID-Q; ``DEV_SETS``). Each set is dealt into
   events of up to 300 pairs sharing no question and no group (``rehearsal_events``: a second
   question's one labelled counterpart in its event is its first). For each backend:

   - **pairs**: in every event, the first questions are indexed, then each second is scored
     against its first as ``submit_question`` would score it (and joins the event): precision,
     recall and F1 at the backend's ``suggest`` and ``link`` thresholds, the best F1 over
     thresholds and the lowest threshold with precision 0.85;
   - **rehearsal**: the first event of the set replayed the way ``podium rehearse`` replays an
     ask (``bot/rehearsal/replay.py``: ``suggest_similar``, then ``submit_question`` with the
     index, on a SQLite file), each first question asked, then each second, and counted the way
     an outside evaluation counts ``similar_to``: a second linked to its own first on a duplicate
     pair is right; any other link is wrong (``link``). ``link_any`` counts a pair as found when
     its second has any link at all. ``suggest``: the second was offered its own first (first of
     the list) on a duplicate pair, against every second offered anything.

   The precision-recall curves of the pairs are ``docs/dedup_pr_curve.png``. all-MiniLM-L6-v2 was
   trained on QQP, so the semantic figures there are optimistic.
2. **Polis** (``../shared/datasets/polis_opendata_comments.csv``, real comments of public
   deliberations): the largest conversation's comments are split in two. The first half
   is indexed as an event; each comment of the second half, all distinct comments by other people
   on the same subject, is looked up: how often would it get a suggestion or a link it should not
   (an upper bound: a few are real repeats)? And each indexed comment asked again, retyped (lower
   case, no punctuation) or also shortened (its last word dropped): how often is its original the
   suggestion? The largest conversation is in German: no English stop words to lean on.
"""

import asyncio
import csv
import random
import re
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sqlmodel import select

from bench.common import GUILD_ID, fresh_database, open_bench_event, scratch_sqlite_url
from bot.domain.actors import Actor
from bot.domain.errors import PodiumError
from bot.services.qa.questions import submit_question
from bot.services.sense.dedup import suggest_similar
from bot.services.sense.hybrid import HybridBackend, HybridVectors
from bot.services.sense.similarity import Backend, LexicalBackend, SimilarityIndex
from db.models import Question

DATASETS = Path(__file__).resolve().parent.parent.parent / "shared" / "datasets"
QQP = DATASETS / "qqp_balanced_2000.csv"
POLIS = DATASETS / "polis_opendata_comments.csv"


@dataclass(frozen=True, slots=True)
class Pair:
    """Two questions and whether people judged them to ask the same thing; ``groups`` are what
    two pairs of one rehearsed event must not share (a question's id, its class, its original)."""

    first: str
    second: str
    duplicate: bool
    groups: tuple[str, ...]


def _pair_reader(path: str, first: str, second: str, groups: Callable[[dict[str, str]], tuple[str, ...]]) -> Any:
    def read() -> list[Pair]:
        rows = csv.DictReader((DATASETS / path).open(encoding="utf-8"))
        # Podium keeps 500 characters of a question (an event's default limit).
        return [Pair(r[first][:500], r[second][:500], r["is_duplicate"] == "1", groups(r)) for r in rows]

    return read


# The labelled development sets, from four domains: what the hybrid backend is fit and measured on.
DEV_SETS: dict[str, Callable[[], list[Pair]]] = {
    "qqp": _pair_reader("qqp_balanced_2000.csv", "question1", "question2", lambda r: (r["qid1"], r["qid2"])),
    "semeval_qatarliving": _pair_reader(
        "qpairs_semeval2016_qatarliving.csv", "text1", "text2", lambda r: (r["text1"],)
    ),
    "mqp_medical": _pair_reader("qpairs_mqp_medical.csv", "text1", "text2", lambda r: (r["text1"],)),
    "covidq": _pair_reader(
        "qpairs_covidq_derived.csv", "text1", "text2", lambda r: (f"class:{r['class1']}", f"class:{r['class2']}")
    ),
}
EVENT_PAIRS = 300
EVENT_SEED = 20261201


def rehearsal_events(pairs: list[Pair], *, size: int = EVENT_PAIRS, smallest: int = 100) -> list[list[Pair]]:
    """The pairs dealt (seeded) into events of up to ``size`` whose pairs share no question and no
    group: within one event a second question has one labelled counterpart, its first."""
    left = list(pairs)
    random.Random(EVENT_SEED).shuffle(left)
    events = []
    while left:
        used: set[str] = set()
        event, rest = [], []
        for pair in left:
            keys = {pair.first, pair.second, *pair.groups}
            if len(event) < size and not keys & used:
                event.append(pair)
                used |= keys
            else:
                rest.append(pair)
        if len(event) < smallest:
            break
        events.append(event)
        left = rest
    return events


def polis_comments() -> list[str]:
    """Every distinct Polis comment of four words or more: real audience text at volume."""
    rows = csv.DictReader(POLIS.open(encoding="utf-8"))
    return list(dict.fromkeys(r["comment_body"] for r in rows if len(r["comment_body"].split()) >= 4))


CURVE = Path(__file__).resolve().parent.parent / "docs" / "dedup_pr_curve.png"
TARGET_PRECISION = 0.85


def backends() -> dict[str, Backend]:
    """The lexical backend, the default (hybrid) one, and the semantic one when its extra is installed."""
    found: dict[str, Backend] = {"lexical": LexicalBackend(), "hybrid": HybridBackend()}
    try:
        from bot.services.sense.semantic import SemanticBackend, SemanticBackendUnavailable

        found["semantic"] = SemanticBackend()
    except SemanticBackendUnavailable as missing:
        print(f"semantic backend not measured: {missing}")
    return found


def event_pair_scores(backend: Backend, events: list[list[Pair]]) -> tuple[np.ndarray, np.ndarray]:
    """Each second question's score against its first, in its event as ``submit_question`` sees it
    (the firsts indexed, then the seconds one by one), and the pairs' labels."""
    scores, labels = [], []
    for event in events:
        store = backend.store()
        store.add(backend.encode([pair.first for pair in event]))
        seconds = backend.encode([pair.second for pair in event])
        for k, pair in enumerate(event):
            vector = _row(seconds, k)
            scores.append(float(store.scores(vector, floor=0.0)[k]))
            labels.append(int(pair.duplicate))
            store.add(vector)
    return np.array(scores), np.array(labels)


def _row(vectors: Any, i: int) -> Any:
    # Lexical vectors are one sparse matrix per analyzer; semantic ones a dense matrix; hybrid ones index.
    if isinstance(vectors, list):
        return [matrix[i] for matrix in vectors]
    return vectors[i] if isinstance(vectors, HybridVectors) else vectors[i : i + 1]


def at_threshold(scores: np.ndarray, labels: np.ndarray, threshold: float) -> dict[str, float]:
    predicted = scores >= threshold
    true_positives = int(np.sum(predicted & (labels == 1)))
    precision = true_positives / max(int(predicted.sum()), 1)
    recall = true_positives / max(int(labels.sum()), 1)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "threshold": round(threshold, 3),
        "precision": round(precision, 3),
        "recall": round(recall, 3),
        "f1": round(f1, 3),
        "predicted": int(predicted.sum()),
    }


def curve(scores: np.ndarray, labels: np.ndarray) -> list[dict[str, float]]:
    return [at_threshold(scores, labels, t) for t in np.round(np.arange(0.05, 1.0, 0.01), 2)]


def dev_sets(found: dict[str, Backend]) -> dict[str, Any]:
    """Pairs and a rehearsed event of each dev set, for each backend."""
    figures: dict[str, Any] = {}
    curves: dict[str, dict[str, Any]] = {}
    for set_name, read in DEV_SETS.items():
        events = rehearsal_events(read())
        pairs = [pair for event in events for pair in event]
        figures[set_name] = {
            "pairs": len(pairs),
            "duplicates": sum(pair.duplicate for pair in pairs),
            "events": len(events),
            "rehearsed_pairs": len(events[0]),
        }
        curves[set_name] = {}
        for name, backend in found.items():
            scores, labels = event_pair_scores(backend, events)
            points = curve(scores, labels)
            curves[set_name][name] = points
            precise = [p for p in points if p["precision"] >= TARGET_PRECISION and p["recall"] >= 0.02]
            figures[set_name][name] = {
                "pairs": {
                    "suggest": at_threshold(scores, labels, backend.suggest_threshold),
                    "link": at_threshold(scores, labels, backend.link_threshold),
                    "best_f1": max(points, key=lambda p: p["f1"]),
                    "lowest_threshold_with_target_precision": precise[0] if precise else None,
                },
                "rehearsal": asyncio.run(rehearse_pairs(backend, events[0])),
            }
    _plot(curves, found, figures)
    return figures


async def rehearse_pairs(backend: Backend, pairs: list[Pair]) -> dict[str, Any]:
    """One event of ``pairs`` replayed as ``podium rehearse`` replays asks: every first, then
    every second, each offered what it seems to repeat, then submitted with the index."""
    url, folder = scratch_sqlite_url("dedup-eval.db")
    database = await fresh_database(url)
    index = SimilarityIndex(backend)
    try:
        event_id = await open_bench_event(database, rate_limit_count=1_000)
        firsts = list(dict.fromkeys(pair.first for pair in pairs))
        asked: dict[str, int] = {}
        offered: dict[str, list[int]] = {}
        for n, text in enumerate([*firsts, *(pair.second for pair in pairs)]):
            offered[text] = [s.question_id for s in await suggest_similar(database, index, event_id, text)]
            asker = Actor(user_id=10_000 + n, display_name=f"Asker {n}", guild_id=GUILD_ID)
            try:
                question = await submit_question(database, event_id, asker, text, similar=index)
            except PodiumError:
                continue  # refused as the bot would refuse it (too short, say): not asked
            asked.setdefault(text, question.id or 0)
        links = await database.read(
            lambda session: dict(
                session.exec(select(Question.id, Question.similar_to).where(Question.event_id == event_id)).all()
            )
        )
    finally:
        await database.dispose()
        shutil.rmtree(folder)
    asked_pairs = [pair for pair in pairs if pair.first in asked and pair.second in asked]
    duplicates = sum(pair.duplicate for pair in asked_pairs)
    linked = [links[asked[pair.second]] for pair in asked_pairs]
    right = [pair.duplicate and link == asked[pair.first] for pair, link in zip(asked_pairs, linked, strict=True)]
    offered_first = [offered[pair.second][:1] for pair in asked_pairs]
    offered_right = [
        pair.duplicate and top == [asked[pair.first]] for pair, top in zip(asked_pairs, offered_first, strict=True)
    ]
    return {
        "asked_pairs": len(asked_pairs),
        "link": _counted(sum(link is not None for link in linked), sum(right), duplicates),
        "link_any": _counted(
            sum(link is not None for link in linked),
            sum(pair.duplicate and link is not None for pair, link in zip(asked_pairs, linked, strict=True)),
            duplicates,
        ),
        "suggest": _counted(
            sum(bool(top) for top in offered_first),
            sum(offered_right),
            duplicates,
        ),
    }


def _counted(predicted: int, right: int, positives: int) -> dict[str, float]:
    precision = right / predicted if predicted else None
    recall = right / max(positives, 1)
    f1 = 2 * precision * recall / (precision + recall) if precision and recall else 0.0
    return {
        "predicted": predicted,
        "right": right,
        "precision": None if precision is None else round(precision, 3),
        "recall": round(recall, 3),
        "f1": round(f1, 3),
    }


def _plot(curves: dict[str, dict[str, Any]], found: dict[str, Backend], figures: dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, grid = plt.subplots(2, 2, figsize=(10, 8))
    for axes, (set_name, by_backend) in zip(grid.flat, curves.items(), strict=True):
        for name, points in by_backend.items():
            line = axes.plot([p["recall"] for p in points], [p["precision"] for p in points], label=name)[0]
            for kind, marker in (("suggest", "o"), ("link", "s")):
                point = figures[set_name][name]["pairs"][kind]
                axes.plot(point["recall"], point["precision"], marker, color=line.get_color())
                axes.annotate(
                    f"{kind} {point['threshold']}",
                    (point["recall"], point["precision"]),
                    fontsize=7,
                    xytext=(4, 4),
                    textcoords="offset points",
                )
        axes.axhline(TARGET_PRECISION, color="grey", linestyle=":", linewidth=1)
        axes.set(
            xlabel="recall",
            ylabel="precision",
            xlim=(0, 1),
            ylim=(0.3, 1.01),
            title=f"{set_name} ({figures[set_name]['pairs']:,} pairs)",
        )
        axes.legend(loc="lower left", fontsize=8)
    figure.suptitle("Similar questions: second question against its first, in events of 300 pairs")
    figure.tight_layout()
    figure.savefig(CURVE, dpi=100)
    plt.close(figure)


def _retyped(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def _shortened(text: str) -> str:
    return " ".join(_retyped(text).split()[:-1])


def polis(found: dict[str, Backend]) -> dict[str, Any]:
    rows = [r for r in csv.DictReader(POLIS.open(encoding="utf-8")) if len(r["comment_body"].split()) >= 4]
    conversation = Counter(r["conversation"] for r in rows).most_common(1)[0][0]
    comments = list(dict.fromkeys(r["comment_body"] for r in rows if r["conversation"] == conversation))
    indexed, held_out = comments[::2], comments[1::2]
    figures: dict[str, Any] = {"conversation": conversation, "indexed": len(indexed), "looked_up": len(held_out)}
    for name, backend in found.items():
        store = backend.store()
        store.add(backend.encode(indexed))
        new = backend.encode(held_out)
        best_new = np.array([store.scores(_row(new, i), floor=0.0).max() for i in range(len(held_out))])
        figures[name] = {
            "new_comment_suggested_rate": round(float(np.mean(best_new >= backend.suggest_threshold)), 3),
            "new_comment_linked_rate": round(float(np.mean(best_new >= backend.link_threshold)), 3),
            "retyped_comment_found_rate": _found_rate(backend, store, [_retyped(text) for text in indexed]),
            "shortened_comment_found_rate": _found_rate(backend, store, [_shortened(text) for text in indexed]),
        }
    return figures


def _found_rate(backend: Backend, store: Any, asked_again: list[str]) -> float:
    """How often the i-th text finds the i-th indexed question first, above the suggestion threshold."""
    vectors = backend.encode(asked_again)
    found = []
    for i in range(len(asked_again)):
        scores = store.scores(_row(vectors, i), floor=0.0)
        found.append(scores.argmax() == i and scores[i] >= backend.suggest_threshold)
    return round(float(np.mean(found)), 3)


def run() -> dict[str, Any]:
    if not QQP.exists() or not POLIS.exists():
        message = f"skipped: the development datasets are not in {DATASETS}"
        print(message)
        return {"skipped": message}
    found = backends()
    figures: dict[str, Any] = {"backends": list(found)}
    if "semantic" not in found:
        figures["semantic"] = "not measured: the semantic extra (torch) is not installed here"
    return figures | {
        "dev_sets": dev_sets(found),
        "polis": polis(found),
        "curve": str(CURVE.relative_to(CURVE.parent.parent)),
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
