"""Themes for 2,000 questions, computed off the event loop.

2,000 Polis comments (from every conversation, so there are subjects to find) are stored as one
event's questions; ``refresh_themes`` clusters them and stores the labels. Meanwhile a ticker on
the event loop wakes every 10 ms: its longest late wake-up shows whether clustering blocked the loop.
"""

import asyncio
import shutil
import time
from typing import Any

from bench.common import fresh_database, open_bench_event, scratch_sqlite_url
from bench.dedup_eval import POLIS, polis_comments
from bench.dedup_latency import _seed
from bot.services.sense.themes import refresh_themes
from bot.settings import Settings

QUESTIONS = 2_000
TICK_S = 0.01


async def measure(texts: list[str]) -> dict[str, Any]:
    url, folder = scratch_sqlite_url("themes.db")
    database = await fresh_database(url)
    try:
        event_id = await open_bench_event(database)
        await database.write(_seed, event_id, texts)
        late: list[float] = []
        done = asyncio.Event()

        async def ticker() -> None:
            while not done.is_set():
                expected = time.perf_counter() + TICK_S
                await asyncio.sleep(TICK_S)
                late.append(time.perf_counter() - expected)

        ticking = asyncio.create_task(ticker())
        started = time.perf_counter()
        themes = await refresh_themes(
            database, event_id, distance_threshold=Settings(_env_file=None).theme_distance_threshold
        )
        elapsed = time.perf_counter() - started
        done.set()
        await ticking
        return {
            "questions": len(texts),
            "seconds": round(elapsed, 3),
            "themes": len(themes),
            "questions_in_themes": sum(len(t.questions) for t in themes),
            "largest_themes": [
                (t.label, len(t.questions)) for t in sorted(themes, key=lambda t: -len(t.questions))[:5]
            ],
            "event_loop_max_late_ms": round(max(late) * 1000, 1),
        }
    finally:
        await database.dispose()
        shutil.rmtree(folder)


def run() -> dict[str, Any]:
    if not POLIS.exists():
        message = f"skipped: {POLIS} is not there"
        print(message)
        return {"skipped": message}
    texts = polis_comments()
    # Every fifth comment, so that each conversation's subjects are there.
    return asyncio.run(measure(texts[::5][:QUESTIONS]))


if __name__ == "__main__":
    print(run())
