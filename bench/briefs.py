"""Brief coverage: does a brief's verdict (covers / silent) match what the report holds, and do
the passages it lists hold the sentence that supports a covered question?

A labelled set built from ``crs_reports_with_summaries.jsonl`` (``../shared/datasets``): each CRS
report is the report of an event of its own. Questions written from that report's human summary
are *covered*; the same number written from other reports' summaries are *not covered*. A
question is the summary sentence's most distinctive words (by their rarity across the
summaries), asked as an audience member would: "What does the report say about …?". Its
supporting sentence is the report's sentence sharing most words with the summary sentence (at
least ``MIN_SUPPORT`` of them, or the sentence makes no question).

Figures: verdict accuracy over both kinds, and recall of the supporting sentence among the
passages the brief lists for a covered question (``BRIEF_PASSAGES``, five: recall@5).
Every brief goes through ``brief_question`` as a moderator's ``/brief`` does. Only the extractive
writer is measured: no language model runs here, and the scripted test model's verdict follows
from whether any passage was found, so it would measure retrieval again, not a judgement.
"""

import asyncio
import json
import math
import re
import shutil
from collections import Counter
from typing import Any

from bench.common import HOST, fresh_database, member, open_bench_event, scratch_sqlite_url
from bench.drafts import CRS, DATASETS, _markdown, _reports
from bot.services.drafts import drafting
from bot.services.drafts.drafting import BRIEF_PASSAGES
from bot.services.qa.questions import submit_question
from bot.services.reports.report import add_report
from bot.services.reports.retrieval import terms

PER_REPORT = 8  # covered questions per report, and as many about other reports
KEYWORDS = 6
MIN_SUPPORT = 4
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def _sentences(text: str) -> list[str]:
    return [s.strip() for line in text.splitlines() for s in _SENTENCE.split(line) if len(s.split()) >= 8]


def _rarity(reports: list[dict[str, Any]]) -> dict[str, float]:
    """Each word's inverse document frequency over the summaries' sentences."""
    sentences = [set(terms(s)) for r in reports for s in _sentences(r["outputs"][0])]
    counts = Counter(word for words in sentences for word in words)
    return {word: math.log(len(sentences) / n) for word, n in counts.items()}


def _question(sentence: str, rarity: dict[str, float]) -> str:
    words = list(dict.fromkeys(w for w in re.findall(r"[A-Za-z][A-Za-z-]+", sentence) if terms(w)))
    chosen = sorted(words, key=lambda w: -rarity.get(terms(w)[0], 0.0))[:KEYWORDS]
    in_order = [w for w in words if w in chosen]
    return f"What does the report say about {' '.join(in_order)}?"


def _support(summary_sentence: str, report_sentences: list[str]) -> str | None:
    wanted = set(terms(summary_sentence))
    best = max(report_sentences, key=lambda s: len(wanted & set(terms(s))), default=None)
    return best if best and len(wanted & set(terms(best))) >= MIN_SUPPORT else None


def _squash(text: str) -> str:
    return " ".join(text.split())


def labelled(reports: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The labelled questions: for each report, covered ones (with their supporting sentence)
    from its own summary, then as many from other reports' summaries."""
    rarity = _rarity(reports)
    cases = []
    for n, report in enumerate(reports):
        body = _sentences(report["input"])
        covered = []
        for sentence in _sentences(report["outputs"][0]):
            support = _support(sentence, body)
            if support is not None:
                covered.append({"report": n, "text": _question(sentence, rarity), "covered": True, "support": support})
        covered = covered[:PER_REPORT]
        others = [
            {"report": n, "text": _question(sentence, rarity), "covered": False, "support": None}
            for k in range(1, len(reports))
            for sentence in _sentences(reports[(n + k) % len(reports)]["outputs"][0])[:1]
        ][: len(covered)]
        cases += covered + others
    return cases


async def _measure(reports: list[dict[str, Any]], cases: list[dict[str, Any]]) -> dict[str, Any]:
    url, folder = scratch_sqlite_url("briefs.db")
    database = await fresh_database(url)
    try:
        events = []
        for report in reports:
            event_id = await open_bench_event(database)
            await add_report(database, event_id, HOST, "crs.md", _markdown(report).encode())
            events.append(event_id)
        right = {True: 0, False: 0}
        total = Counter(case["covered"] for case in cases)
        found = 0
        for n, case in enumerate(cases):
            asker = member(50_000 + n, f"Asker {n}")
            question = await submit_question(database, events[case["report"]], asker, case["text"])
            brief = await drafting.brief_question(database, question.id or 0, HOST)
            verdict = brief.output["verdict"]
            right[case["covered"]] += (verdict == "covers") == case["covered"]
            if case["covered"]:
                listed = " ".join(_squash(hit["text"]) for hit in brief.inputs["facts"]["hits"])
                found += _squash(case["support"]) in listed
        return {
            "reports": len(reports),
            "questions_covered": total[True],
            "questions_not_covered": total[False],
            "passages_listed": BRIEF_PASSAGES,
            "extractive": {
                "accuracy": round((right[True] + right[False]) / len(cases), 3),
                "covered_called_covered": round(right[True] / total[True], 3),
                "not_covered_called_silent": round(right[False] / total[False], 3),
                "recall_of_supporting_sentence": round(found / total[True], 3),
            },
            "model": "not measured: no language model runs here (see the module's docstring)",
        }
    finally:
        await database.dispose()
        shutil.rmtree(folder)


def run() -> dict[str, Any]:
    if not CRS.exists():
        return {"skipped": f"the datasets are not at {DATASETS}"}
    reports = _reports()
    return asyncio.run(_measure(reports, labelled(reports)))


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
