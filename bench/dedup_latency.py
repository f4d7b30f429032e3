"""The similar-question check on submit, in an event that already has 5,000 questions.

Real audience text: 5,000 comments of the Polis conversations are stored as one event's
questions (in bulk, on a SQLite file), the event is read into a ``SimilarityIndex`` (timed on its
own: the bot does it once, at start or when the event is first looked at), then other comments
go through the check ``submit_question`` makes before storing: encode the text and find the
closest questions above the link threshold. Each backend is measured once its model is loaded.
"""

import asyncio
import shutil
import time
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from bench.common import Timings, fresh_database, open_bench_event, scratch_sqlite_url
from bench.dedup_eval import POLIS, backends, polis_comments
from bot.domain.clock import utcnow
from bot.domain.enums import QuestionStatus
from bot.services.sense.similarity import Backend, SimilarityIndex
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


async def measure(backend: Backend, stored: list[str], asked: list[str]) -> dict[str, Any]:
    url, folder = scratch_sqlite_url("dedup.db")
    database = await fresh_database(url)
    try:
        event_id = await open_bench_event(database)
        await database.write(_seed, event_id, stored)
        index = SimilarityIndex(backend)
        started = time.perf_counter()
        await index.load(database, event_id)
        load_s = time.perf_counter() - started
        samples = []
        for text in asked:
            started = time.perf_counter()
            probe = await index.probe(database, event_id, text)
            await index.matches(probe, threshold=index.link_threshold, limit=5)
            samples.append((time.perf_counter() - started) * 1000)
        return {"load_s": round(load_s, 2), **Timings(samples).summary()}
    finally:
        await database.dispose()
        shutil.rmtree(folder)


def run() -> dict[str, Any]:
    if not POLIS.exists():
        message = f"skipped: {POLIS} is not there"
        print(message)
        return {"skipped": message}
    comments = polis_comments()
    stored, asked = comments[:QUESTIONS], comments[QUESTIONS : QUESTIONS + CHECKS]
    figures: dict[str, Any] = {"questions": len(stored), "checks": len(asked)}
    for name, backend in backends().items():
        figures[name] = asyncio.run(measure(backend, stored, asked))
    return figures


if __name__ == "__main__":
    print(run())
