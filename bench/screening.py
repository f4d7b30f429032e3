"""Abuse screening on real moderators' decisions: Polis comments and their ``moderated`` column.

``python -m bench screening``. Every comment a Polis moderator accepted (1) or rejected (-1) is
scored by ``services.sense.screening``, as a question is on the way in. Figures at the shipped
threshold (``EventSettings.abuse_threshold``) and at a few others: how many are flagged; the
precision and recall of "flagged" against "rejected by the moderators"; the share of accepted
comments held back (target under 5%). Polis moderators reject off-topic, duplicate and
not-a-statement comments as much as abusive ones, so recall against every rejection is low by
nature; the figures are also given for the English comments alone, which the classifier reads.
COVID-Q's questions (ordinary questions people asked) give the share of plain questions held.
Also: the classifier's size on disk, its load time, and its time per question.
"""

import csv
import time
from importlib import resources
from pathlib import Path
from typing import Any

from bench.common import Timings
from bot.services.sense.screening import load_classifier, offensive_scores, over_threshold, reads_as_english
from db.models import EventSettings

DATASETS = Path(__file__).resolve().parent.parent.parent / "shared" / "datasets"
POLIS = DATASETS / "polis_opendata_comments.csv"
QUESTIONS = DATASETS / "qpairs_covidq_derived.csv"
THRESHOLDS = (0.3, 0.4, 0.5, 0.7, 0.9)
SINGLE_CALLS = 500


def _figures(scores: list[float | None], rejected: list[bool], threshold: float) -> dict[str, Any]:
    flagged = [over_threshold(score, threshold) for score in scores]
    hits = sum(f and r for f, r in zip(flagged, rejected, strict=True))
    accepted = rejected.count(False)
    held = sum(f and not r for f, r in zip(flagged, rejected, strict=True))
    return {
        "flagged": sum(flagged),
        "precision": round(hits / sum(flagged), 3) if any(flagged) else None,
        "recall": round(hits / rejected.count(True), 4),
        "accepted_held_back": round(held / accepted, 4),
    }


def _package_bytes() -> int:
    folder = resources.files("profanity_check")
    return sum(entry.stat().st_size for entry in Path(str(folder)).rglob("*") if entry.is_file())


def run() -> dict[str, Any]:
    if not POLIS.exists():
        return {"skipped": f"{POLIS} is not there"}
    started = time.perf_counter()
    load_classifier()
    load_s = time.perf_counter() - started
    with POLIS.open(encoding="utf-8") as file:
        rows = [row for row in csv.DictReader(file) if row["moderated"] in ("1", "-1")]
    texts = [row["comment_body"] for row in rows]
    rejected = [row["moderated"] == "-1" for row in rows]
    started = time.perf_counter()
    scores = offensive_scores(texts)
    batch_ms = (time.perf_counter() - started) * 1000 / len(texts)
    english = [reads_as_english(text) for text in texts]
    single = []
    for text in texts[:SINGLE_CALLS]:
        started = time.perf_counter()
        offensive_scores([text])
        single.append((time.perf_counter() - started) * 1000)
    shipped = EventSettings().abuse_threshold
    english_scores = [s for s, e in zip(scores, english, strict=True) if e]
    english_rejected = [r for r, e in zip(rejected, english, strict=True) if e]
    results: dict[str, Any] = {
        "comments": len(texts),
        "rejected_by_moderators": rejected.count(True),
        "english_comments": sum(english),
        "shipped_threshold": shipped,
        "all": _figures(scores, rejected, shipped),
        "english_only": _figures(english_scores, english_rejected, shipped),
        "by_threshold": {str(t): _figures(scores, rejected, t) for t in THRESHOLDS},
    }
    if QUESTIONS.exists():
        with QUESTIONS.open(encoding="utf-8") as file:
            questions = sorted({row[key] for row in csv.DictReader(file) for key in ("text1", "text2")})
        question_scores = offensive_scores(questions)
        results["covidq_questions"] = len(questions)
        results["covidq_held_back"] = {
            str(t): round(sum(over_threshold(s, t) for s in question_scores) / len(questions), 4) for t in THRESHOLDS
        }
    results["classifier_package_mb"] = round(_package_bytes() / 1e6, 2)
    results["classifier_load_s"] = round(load_s, 2)
    results["per_question_alone"] = Timings(single).summary()
    results["ms_per_question_in_a_batch"] = round(batch_ms, 4)
    return results
