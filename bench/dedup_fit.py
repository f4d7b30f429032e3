"""Fit the hybrid backend's weights and thresholds on the four labelled development sets.

Not part of ``make bench``: run ``python -m bench.dedup_fit`` after changing a feature, then copy
the printed weights and thresholds into ``bot/services/sense/hybrid.py``.

Each set is dealt into rehearsed events of 300 pairs (``dedup_eval.rehearsal_events``): the first
questions are indexed, then each second is looked up as ``submit_question`` would and joins the
event. Training rows are what the decision sees: the second against its first (labelled by people)
and against the event's three closest other questions (not the same question, by construction).
The model is a logistic regression over ``hybrid.FEATURES``, each set weighted equally, so no
domain outvotes the others. The thresholds are then chosen across the sets: ``suggest`` the lowest
with precision at least ``SUGGEST_PRECISION`` on every set (pairs and the closest question in
rehearsal), ``link`` the best mean F1 of the rehearsals. Leaving each set out in turn (fit and
thresholds on the other three) shows how the choice transfers to a domain it never saw.
"""

import json
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

from bench.dedup_eval import DEV_SETS, rehearsal_events
from bot.services.sense import hybrid
from bot.services.sense.hybrid import HybridBackend

OTHERS = 3
# A little over 0.85, so that the 0.85 the suggestions must reach holds with a few pairs to spare.
SUGGEST_PRECISION = 0.87
THRESHOLDS = np.round(np.arange(0.05, 0.99, 0.01), 2)


def rows(backend: HybridBackend, name: str) -> dict[str, np.ndarray]:
    """Feature rows for one set: ``pair`` (second vs first), and each probe's closest candidates."""
    features, labels, probe_ids, is_first = [], [], [], []
    probe = 0
    for event in rehearsal_events(DEV_SETS[name]()):
        store = backend.store()
        store.add(backend.encode([pair.first for pair in event]))
        seconds = backend.encode([pair.second for pair in event])
        for k, pair in enumerate(event):
            vector = seconds[k]
            by_cosine = store.features(vector)[:, 0]
            closest = [int(i) for i in np.argsort(-by_cosine)[: OTHERS + 1] if i != k][:OTHERS]
            table = store.features(vector, refine=[k, *closest])
            for i in [k, *closest]:
                features.append(table[i])
                labels.append(pair.duplicate and i == k)
                probe_ids.append(probe)
                is_first.append(i == k)
            store.add(vector)
            probe += 1
    return {
        "x": np.array(features),
        "y": np.array(labels, dtype=bool),
        "probe": np.array(probe_ids),
        "first": np.array(is_first),
    }


def fit(sets: dict[str, dict[str, np.ndarray]]) -> tuple[np.ndarray, float]:
    """The logistic weights of every feature but the rules' (weighted 0), and the intercept."""
    fitted = [i for i, name in enumerate(hybrid.FEATURES) if name not in hybrid.RULES]
    x = np.vstack([s["x"] for s in sets.values()])[:, fitted]
    y = np.concatenate([s["y"] for s in sets.values()])
    weight = np.concatenate([np.full(len(s["y"]), len(y) / len(s["y"]) / len(sets)) for s in sets.values()])
    model = LogisticRegression(C=1.0, max_iter=2000).fit(x, y, sample_weight=weight)
    weights = np.zeros(len(hybrid.FEATURES))
    weights[fitted] = model.coef_[0]
    return weights, float(model.intercept_[0])


def figures(data: dict[str, np.ndarray], weights: np.ndarray, intercept: float, threshold: float) -> dict[str, float]:
    """Pairs (second vs its first) and rehearsal (the closest candidate, linked if over the threshold)."""
    p = hybrid.judge(data["x"], weights, intercept)
    first = data["first"]
    pair_pred, pair_true = p[first] >= threshold, data["y"][first]
    # Rehearsal: per probe, the best-scoring candidate; right if it is the first of a duplicate pair.
    best: dict[int, tuple[float, bool]] = {}
    for score, probe, label in zip(p, data["probe"], data["y"], strict=True):
        if probe not in best or score > best[probe][0]:
            best[probe] = (score, bool(label))
    linked = np.array([s >= threshold for s, _ in best.values()])
    right = np.array([label for _, label in best.values()])
    return {
        **_prf("pair", pair_pred, pair_true, pair_true.sum()),
        **_prf("rehearsal", linked, right, pair_true.sum()),
    }


def _prf(prefix: str, predicted: np.ndarray, right: np.ndarray, positives: int) -> dict[str, float]:
    tp = int(np.sum(predicted & right))
    precision = tp / max(int(predicted.sum()), 1)
    recall = tp / max(int(positives), 1)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        f"{prefix}_p": round(precision, 3),
        f"{prefix}_r": round(recall, 3),
        f"{prefix}_f1": round(f1, 3),
        f"{prefix}_n": int(predicted.sum()),
    }


def _precise(f: dict[str, float], prefix: str) -> bool:
    # A set offered nothing has no wrong suggestion either.
    return f[f"{prefix}_n"] == 0 or f[f"{prefix}_p"] >= SUGGEST_PRECISION


def thresholds(sets: dict[str, dict[str, np.ndarray]], weights: np.ndarray, intercept: float) -> tuple[float, float]:
    table = {t: {n: figures(d, weights, intercept, t) for n, d in sets.items()} for t in THRESHOLDS}
    precise = [
        t for t in THRESHOLDS if all(_precise(f, "pair") and _precise(f, "rehearsal") for f in table[t].values())
    ]
    suggest = float(precise[0]) if precise else float(THRESHOLDS[-1])
    # The rehearsal's F1 (the closest question linked, right only if it is the pair's first), not
    # the pairs': on sets half made of duplicates, linking nearly every pair scores well on pairs.
    link = max(THRESHOLDS, key=lambda t: np.mean([f["rehearsal_f1"] for f in table[t].values()]))
    return suggest, float(link)


def run(columns: list[int] | None = None, sets: dict[str, dict[str, np.ndarray]] | None = None) -> dict[str, Any]:
    if sets is None:
        backend = HybridBackend()
        sets = {name: rows(backend, name) for name in DEV_SETS}
    if columns is not None:  # a subset of the features, the others' weights held at 0
        for data in sets.values():
            data["x"] = data["x"] * np.isin(np.arange(len(hybrid.FEATURES)), columns)
    report: dict[str, Any] = {"left_out": {}}
    for held in sets:
        rest = {n: d for n, d in sets.items() if n != held}
        weights, intercept = fit(rest)
        suggest, link = thresholds(rest, weights, intercept)
        report["left_out"][held] = {
            "suggest": figures(sets[held], weights, intercept, suggest) | {"threshold": suggest},
            "link": figures(sets[held], weights, intercept, link) | {"threshold": link},
        }
    weights, intercept = fit(sets)
    suggest, link = thresholds(sets, weights, intercept)
    report["all"] = {
        "weights": dict(zip(hybrid.FEATURES, np.round(weights, 2).tolist(), strict=True)),
        "intercept": round(intercept, 2),
        "suggest_threshold": suggest,
        "link_threshold": link,
        "sets": {
            n: {"suggest": figures(d, weights, intercept, suggest), "link": figures(d, weights, intercept, link)}
            for n, d in sets.items()
        },
    }
    return report


if __name__ == "__main__":
    import sys

    chosen = [hybrid.FEATURES.index(f) for f in sys.argv[1:]] or None
    print(json.dumps(run(chosen), indent=1))
