"""How well each similarity backend tells a repeated question from a new one.

1. **QQP** (``../shared/datasets/qqp_balanced_2000.csv``, 1,000 duplicate and 1,000 distinct
   question pairs, human labels): the 4,000 questions are indexed as one event, and each pair is
   scored as ``submit_question`` would score it. Precision, recall and F1 at each backend's
   shipped thresholds (``suggest`` and ``link``), the best F1 on the curve, and the
   precision-recall curve as ``docs/dedup_pr_curve.png``. all-MiniLM-L6-v2 was trained on QQP,
   so the semantic figures here are optimistic.
2. **Polis** (``../shared/datasets/polis_opendata_comments.csv``, real comments of public
   deliberations, not QQP): the largest conversation's comments are split in two. The first half
   is indexed as an event; each comment of the second half, all distinct comments by other people
   on the same subject, is looked up: how often would it get a suggestion or a link it should not
   (an upper bound: a few are real repeats)? And each indexed comment asked again, retyped (lower
   case, no punctuation) or also shortened (its last word dropped): how often is its original the
   suggestion? The largest conversation is in German: no English stop words to lean on.
"""

import csv
import random
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bot.services.sense.hybrid import HybridVectors
from bot.services.sense.similarity import Backend, LexicalBackend

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
    """The lexical backend, and the semantic one when its extra is installed."""
    found: dict[str, Backend] = {"lexical": LexicalBackend()}
    try:
        from bot.services.sense.semantic import SemanticBackend, SemanticBackendUnavailable

        found["semantic"] = SemanticBackend()
    except SemanticBackendUnavailable as missing:
        print(f"semantic backend not measured: {missing}")
    return found


def pair_scores(backend: Backend, firsts: list[str], seconds: list[str]) -> np.ndarray:
    """Score each (first, second) pair with every question of the set indexed, as in one event."""
    store = backend.store()
    store.add(backend.encode(firsts + seconds))
    probes = backend.encode(firsts)
    offset = len(firsts)
    return np.array([store.scores(_row(probes, i), floor=0.0)[offset + i] for i in range(len(firsts))])


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
    }


def curve(scores: np.ndarray, labels: np.ndarray) -> list[dict[str, float]]:
    return [at_threshold(scores, labels, t) for t in np.round(np.arange(0.05, 1.0, 0.01), 2)]


def qqp(found: dict[str, Backend]) -> dict[str, Any]:
    rows = list(csv.DictReader(QQP.open(encoding="utf-8")))
    firsts, seconds = [r["question1"] for r in rows], [r["question2"] for r in rows]
    labels = np.array([int(r["is_duplicate"]) for r in rows])
    figures: dict[str, Any] = {"pairs": len(rows), "duplicates": int(labels.sum())}
    curves = {}
    for name, backend in found.items():
        scores = pair_scores(backend, firsts, seconds)
        points = curve(scores, labels)
        curves[name] = points
        precise = [p for p in points if p["precision"] >= TARGET_PRECISION and p["recall"] >= 0.02]
        figures[name] = {
            "suggest": at_threshold(scores, labels, backend.suggest_threshold),
            "link": at_threshold(scores, labels, backend.link_threshold),
            "best_f1": max(points, key=lambda p: p["f1"]),
            "lowest_threshold_with_target_precision": precise[0] if precise else None,
        }
    _plot(curves, found, figures)
    return figures


def _plot(curves: dict[str, list[dict[str, float]]], found: dict[str, Backend], figures: dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6, 4.5))
    for name, points in curves.items():
        line = axes.plot([p["recall"] for p in points], [p["precision"] for p in points], label=name)[0]
        for kind, marker in (("suggest", "o"), ("link", "s")):
            point = figures[name][kind]
            axes.plot(point["recall"], point["precision"], marker, color=line.get_color())
            axes.annotate(
                f"{kind} {point['threshold']}",
                (point["recall"], point["precision"]),
                fontsize=8,
                xytext=(4, 4),
                textcoords="offset points",
            )
    axes.axhline(TARGET_PRECISION, color="grey", linestyle=":", linewidth=1)
    axes.set(
        xlabel="recall",
        ylabel="precision",
        xlim=(0, 1),
        ylim=(0.45, 1.01),
        title="Similar questions on QQP (2,000 pairs)",
    )
    axes.legend(loc="lower left")
    figure.tight_layout()
    figure.savefig(CURVE, dpi=110)
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
    return {"qqp": qqp(found), "polis": polis(found), "curve": str(CURVE.relative_to(CURVE.parent.parent))}


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
