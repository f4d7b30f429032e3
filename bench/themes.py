"""Themes: how well they cover and match labelled topics, and how long a refresh of 2,000 takes.

**Quality.** Each topic-labelled question set of ``../shared/datasets`` (COVID-Q, Qatar Living
forum titles, Stack Overflow titles) and a sample of the English Polis conversations (each
comment labelled by its conversation) is grouped by ``plan_themes`` as one event's queue, in one
refresh and also arriving in ten waves with a refresh after each (the way a live event grows,
starting from the stored themes each time). Figures per set, never pooled: coverage (share of
questions in a theme), number of themes, purity and adjusted Rand index against the labels (over
the questions in a theme; the questions in none form one more cluster for the ARI), label length
in words, how many questions changed theme over the waves other than by a split or merge, and
whether a refresh of the same set again changes anything. Single Polis conversations (no labels)
give coverage, themes and labels of a real audience's event.

**Speed.** 2,000 Polis comments stored as one event's questions; ``refresh_themes`` groups them and
stores the themes, first from nothing, then again over the stored themes. Meanwhile a ticker on
the event loop wakes every 10 ms: its longest late wake-up shows whether grouping blocked the loop
(the process's long-lived objects frozen first, as the bot freezes them once started).
"""

import asyncio
import csv
import gc
import math
import shutil
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import fresh_database, open_bench_event, scratch_sqlite_url
from bench.dedup_eval import POLIS
from bench.dedup_latency import _seed
from bot.services.sense.embedding import sentence_embedding
from bot.services.sense.themes import list_themes, plan_themes, refresh_themes

DATASETS = Path(__file__).resolve().parent.parent.parent / "shared" / "datasets"
TOPIC_SETS = {
    "covidq": ("qtopics_covidq.csv", "text"),
    "qatarliving": ("qtopics_qatarliving.csv", "title"),
    "stackoverflow": ("qtopics_stackoverflow_titles.csv", "text"),
}
POLIS_SAMPLE = 2_000
# English conversations big enough to be an event of their own.
POLIS_EVENTS = (
    "american-assembly.bowling-green",
    "football-concussions",
    "scoop-hivemind.biodiversity",
    "scoop-hivemind.affordable-housing",
)
WAVES = 10
QUESTIONS = 2_000
TICK_S = 0.01


def adjusted_rand_index(truth: Sequence[object], found: Sequence[object]) -> float:
    """Hubert and Arabie's adjusted Rand index of two labellings of the same items."""
    _, a = np.unique(np.asarray([str(x) for x in truth]), return_inverse=True)
    _, b = np.unique(np.asarray([str(x) for x in found]), return_inverse=True)
    table = np.zeros((a.max() + 1, b.max() + 1))
    np.add.at(table, (a, b), 1)

    def pairs(x: np.ndarray) -> float:
        return float((x * (x - 1) / 2).sum())

    together, rows, columns, total = pairs(table), pairs(table.sum(1)), pairs(table.sum(0)), len(a) * (len(a) - 1) / 2
    expected = rows * columns / total if total else 0.0
    most = (rows + columns) / 2
    return 1.0 if most == expected else (together - expected) / (most - expected)


def purity(truth: Sequence[str], found: Sequence[str | None]) -> float:
    """Over the questions in a theme: the share whose label is their theme's most common one."""
    groups: dict[str, list[str]] = {}
    for label, theme in zip(truth, found, strict=True):
        if theme is not None:
            groups.setdefault(theme, []).append(label)
    placed = sum(len(members) for members in groups.values())
    return sum(Counter(m).most_common(1)[0][1] for m in groups.values()) / placed if placed else 0.0


def _plan(texts: Sequence[str], vectors: np.ndarray, previous: Sequence[str | None], named: dict[str, str]):
    plan, _ = plan_themes(texts, previous, named, vectors=vectors)
    return [plan.labels[n] for n in range(len(texts))], plan.themes


def evaluate(texts: list[str], truth: list[str] | None) -> dict[str, Any]:
    """One event of ``texts``: its themes in one refresh and over ten waves."""
    vectors = sentence_embedding().embed(texts)
    started = time.perf_counter()
    found, named = _plan(texts, vectors, [None] * len(texts), {})
    seconds = time.perf_counter() - started
    again, _ = _plan(texts, vectors, found, named)
    sizes = Counter(label for label in found if label is not None)
    figures: dict[str, Any] = {
        "questions": len(texts),
        "coverage": round(sum(sizes.values()) / len(texts), 3),
        "themes": len(sizes),
        "label_words": round(float(np.mean([len(label.split()) for label in sizes])), 2) if sizes else 0,
        "plan_s": round(seconds, 3),
        "same_on_refresh": again == found,
        "largest": [f"{label} ({n})" for label, n in sizes.most_common(12)],
    }
    if truth is not None:
        figures["purity"] = round(purity(truth, found), 3)
        figures["ari"] = round(adjusted_rand_index(truth, [label or "" for label in found]), 3)
    figures["waves"] = _waves(texts, vectors, truth)
    return figures


def _waves(texts: list[str], vectors: np.ndarray, truth: list[str] | None) -> dict[str, Any]:
    # The questions arrive in WAVES equal parts (in a fixed shuffled order); a refresh after each.
    order = np.random.default_rng(7).permutation(len(texts))
    texts = [texts[i] for i in order]
    vectors = vectors[order]
    truth = [truth[i] for i in order] if truth is not None else None
    labels: list[str | None] = []
    named: dict[str, str] = {}
    moved = relabelled = 0
    for wave in range(1, WAVES + 1):
        upto = math.ceil(len(texts) * wave / WAVES)
        previous = labels + [None] * (upto - len(labels))
        labels, named = _plan(texts[:upto], vectors[:upto], previous, named)
        # Where each theme's questions went: most to one theme (itself, perhaps renamed); the others moved.
        went: dict[str, Counter[str | None]] = {}
        for before, now in zip(previous, labels, strict=True):
            if before is not None:
                went.setdefault(before, Counter())[now] += 1
        for before, now in went.items():
            kept, n = now.most_common(1)[0]
            moved += sum(now.values()) - n
            relabelled += kept is not None and kept != before
    sizes = Counter(label for label in labels if label is not None)
    figures = {
        "coverage": round(sum(sizes.values()) / len(texts), 3),
        "themes": len(sizes),
        "label_words": round(float(np.mean([len(label.split()) for label in sizes])), 2) if sizes else 0,
        # Questions that left their theme's main part (a split, a merge, to no theme), over all the waves.
        "moved_share": round(moved / len(texts), 3),
        "themes_renamed": relabelled,
        "largest": [f"{label} ({n})" for label, n in sizes.most_common(12)],
    }
    if truth is not None:
        figures["purity"] = round(purity(truth, labels), 3)
        figures["ari"] = round(adjusted_rand_index(truth, [label or "" for label in labels]), 3)
    return figures


def _rows(name: str) -> list[dict[str, str]]:
    with (DATASETS / name).open(encoding="utf-8") as file:
        return list(csv.DictReader(file))


def polis_english() -> list[dict[str, str]]:
    """Distinct Polis comments of four words or more, from the conversations held in English."""
    seen: dict[str, dict[str, str]] = {}
    for row in _rows(POLIS.name):
        if not row["conversation"].startswith("austria") and len(row["comment_body"].split()) >= 4:
            seen.setdefault(row["comment_body"], row)
    return list(seen.values())


def quality() -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name, (file, column) in TOPIC_SETS.items():
        if not (DATASETS / file).exists():
            found[name] = f"skipped: {DATASETS / file} is not there"
            continue
        rows = _rows(file)
        found[name] = evaluate([row[column] for row in rows], [row["topic"] for row in rows])
    if not POLIS.exists():
        found["polis"] = f"skipped: {POLIS} is not there"
        return found
    comments = polis_english()
    sample = comments[:: max(1, len(comments) // POLIS_SAMPLE)][:POLIS_SAMPLE]
    found["polis_mixed"] = evaluate([r["comment_body"] for r in sample], [r["conversation"] for r in sample])
    for conversation in POLIS_EVENTS:
        texts = [r["comment_body"] for r in comments if r["conversation"] == conversation]
        found[f"polis:{conversation}"] = evaluate(texts, None)
    return found


async def speed(texts: list[str]) -> dict[str, Any]:
    url, folder = scratch_sqlite_url("themes.db")
    database = await fresh_database(url)
    try:
        event_id = await open_bench_event(database)
        await database.write(_seed, event_id, texts)
        sentence_embedding()  # loaded once per process, before any event: not a refresh's cost
        # As the bot does at the end of setup_hook: what lives as long as the process is kept out
        # of full collections, which would otherwise pause the loop for ~0.2 s on this heap.
        gc.freeze()
        late: list[float] = []
        done = asyncio.Event()

        async def ticker() -> None:
            while not done.is_set():
                expected = time.perf_counter() + TICK_S
                await asyncio.sleep(TICK_S)
                late.append(time.perf_counter() - expected)

        ticking = asyncio.create_task(ticker())
        started = time.perf_counter()
        # Each refresh timed with reading its themes back, as a queue sorted by theme reads them.
        await refresh_themes(database, event_id)
        themes = await list_themes(database, event_id)
        first = time.perf_counter() - started
        started = time.perf_counter()
        await refresh_themes(database, event_id)
        again = await list_themes(database, event_id)
        second = time.perf_counter() - started
        done.set()
        await ticking
        return {
            "questions": len(texts),
            "first_refresh_s": round(first, 3),
            "stored_refresh_s": round(second, 3),
            "themes": len(themes),
            "questions_in_themes": sum(len(t.questions) for t in themes),
            "same_on_refresh": [(t.label, [q.id for q in t.questions]) for t in themes]
            == [(t.label, [q.id for q in t.questions]) for t in again],
            "largest_themes": [
                (t.label, len(t.questions)) for t in sorted(themes, key=lambda t: -len(t.questions))[:5]
            ],
            "event_loop_max_late_ms": round(max(late) * 1000, 1),
        }
    finally:
        gc.unfreeze()
        await database.dispose()
        shutil.rmtree(folder)


def run() -> dict[str, Any]:
    if not POLIS.exists():
        message = f"skipped: {POLIS} is not there"
        print(message)
        return {"skipped": message}
    comments = [r["comment_body"] for r in polis_english()]
    # Spread over the file, so that each conversation's subjects are there.
    figures = asyncio.run(speed(comments[:: max(1, len(comments) // QUESTIONS)][:QUESTIONS]))
    return {"refresh": figures, "quality": quality()}


if __name__ == "__main__":
    print(run())
