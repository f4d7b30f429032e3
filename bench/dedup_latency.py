"""The similar-question check on submit, in an event that already has 5,000 questions.

Real audience text: 5,000 comments of the Polis conversations are stored as one event's
questions (in bulk, on a SQLite file), the event is read into a ``SimilarityIndex`` (timed on its
own: the bot does it once, at start or when the event is first looked at), then other comments
go through the check ``submit_question`` makes before storing: encode the text and find the
closest questions above the link threshold. Each backend is measured once its model is loaded,
in a process of its own (``python -m bench.dedup_latency BACKEND``), so that its peak resident
memory is its own (``VmHWM``; not ``ru_maxrss``, which Linux carries across ``exec`` from the
parent): the bot's modules imported (``bot.app``), the model loaded and the 5,000 questions
indexed, as in a bot serving that event.
"""

import asyncio
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from bench.common import Timings, fresh_database, open_bench_event, scratch_sqlite_url
from bench.dedup_eval import POLIS, polis_comments
from bot.domain.clock import utcnow
from bot.domain.enums import QuestionStatus
from bot.services.sense.backends import backend_named
from bot.services.sense.similarity import SimilarityIndex
from db.models import Question

QUESTIONS = 5_000
CHECKS = 200


def _seed(session: Session, event_id: int, texts: list[str]) -> None:
    now = utcnow()
    session.execute(
        sa.insert(Question.__table__),
        [
            {
                "event_id": event_id,
                "author_id": 10_000_000 + i,
                "author_name": f"Asker {i}",
                "anonymous": False,
                "text": text[:500],
                "created_at": now,
                "status": QuestionStatus.PUBLISHED.value,
                "flagged": False,
                "pinned": False,
                "votes_up": 0,
                "votes_down": 0,
                "score": 0,
            }
            for i, text in enumerate(texts)
        ],
    )


BACKENDS = ("lexical", "hybrid", "semantic")  # the order of the figures


def _peak_rss_mb() -> float:
    status = Path("/proc/self/status").read_text()
    return round(int(re.search(r"^VmHWM:\s+(\d+) kB", status, re.M).group(1)) / 1024, 1)


async def measure(name: str, stored: list[str], asked: list[str]) -> dict[str, Any]:
    import bot.app  # noqa: F401  (the bot's own modules, as resident in the bot)

    imported_mb = _peak_rss_mb()
    url, folder = scratch_sqlite_url("dedup.db")
    database = await fresh_database(url)
    try:
        event_id = await open_bench_event(database)
        await database.write(_seed, event_id, stored)
        started = time.perf_counter()
        index = SimilarityIndex(backend_named(name))
        model_s = time.perf_counter() - started
        started = time.perf_counter()
        await index.load(database, event_id)
        load_s = time.perf_counter() - started
        samples = []
        for text in asked:
            started = time.perf_counter()
            probe = await index.probe(database, event_id, text)
            await index.matches(probe, threshold=index.link_threshold, limit=5)
            samples.append((time.perf_counter() - started) * 1000)
        return {
            "model_load_s": round(model_s, 2),
            "load_s": round(load_s, 2),
            **Timings(samples).summary(),
            "rss_bot_modules_mb": imported_mb,
            "peak_rss_mb": _peak_rss_mb(),
        }
    finally:
        await database.dispose()
        shutil.rmtree(folder)


def _in_its_own_process(name: str) -> dict[str, Any] | str:
    done = subprocess.run(
        [sys.executable, "-m", "bench.dedup_latency", name], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        # The semantic extra not installed, say: its own one-line message is the last line.
        lines = done.stderr.strip().splitlines()
        return f"not measured: {lines[-1] if lines else f'exit status {done.returncode}'}"
    return json.loads(done.stdout.strip().splitlines()[-1])


def run() -> dict[str, Any]:
    if not POLIS.exists():
        message = f"skipped: {POLIS} is not there"
        print(message)
        return {"skipped": message}
    figures: dict[str, Any] = {"questions": QUESTIONS, "checks": CHECKS}
    for name in BACKENDS:
        figures[name] = _in_its_own_process(name)
    return figures


def measure_one(name: str) -> dict[str, Any]:
    comments = polis_comments()
    stored, asked = comments[:QUESTIONS], comments[QUESTIONS : QUESTIONS + CHECKS]
    return asyncio.run(measure(name, stored, asked))


if __name__ == "__main__":
    if len(sys.argv) > 1:
        print(json.dumps(measure_one(sys.argv[1])))
    else:
        print(run())
