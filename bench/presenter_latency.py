"""How long a moderator's decision takes to reach an open presenter page, and what watching costs.

``python -m bench.presenter_latency``: an event with 200 questions and votes, its presenter page
open in Debian's headless Chromium, then questions taken live one after another through
``mark_live``, each at a random moment of the poller's cycle. Each sample is the time from
calling the service to the page showing the new live question (the service call, the feed's
next read, woken by the commit, rendering, the event stream and the browser's swap); then the
same through a second ``Database`` on the same database, standing for another process, whose
changes arrive by the poll. Also timed: one screen read
(``presenter_screen``), which the poller repeats every ``POLL_INTERVAL_S`` for each watched
link. SQLite, and PostgreSQL when ``PODIUM_BENCH_DATABASE_URL`` (or ``PODIUM_TEST_DATABASE_URL``)
names a scratch database.
"""

import asyncio
import json
import os
import random
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import HOST, Timings, fresh_database, open_bench_event, scratch_sqlite_url
from bot.domain.actors import Actor
from bot.services.qa.moderation import AfterLive, mark_live
from bot.services.qa.questions import submit_question
from bot.services.qa.votes import cast_vote
from bot.services.surfaces.presenter import presenter_screen, presenter_token
from bot.settings import Settings
from bot.web.feed import POLL_INTERVAL_S
from bot.web.server import PresenterServer
from db.engine import Database
from tests.harness.chromium import SHOWS_LIVE, chromium, open_screen

QUESTIONS = 200
CHANGES = 30
OTHER_PROCESS_CHANGES = 20
READS = 200


def _member(n: int) -> Actor:
    return Actor(user_id=10_000 + n, display_name=f"Member {n}")


async def _seed(database: Database) -> tuple[int, list[int]]:
    event_id = await open_bench_event(database, rate_limit_count=QUESTIONS)
    ids = []
    for n in range(QUESTIONS):
        question = await submit_question(database, event_id, _member(n % 50), f"Question {n} about the report?")
        ids.append(question.id)
        for voter in range(n % 7):
            await cast_vote(database, question.id, _member(100 + voter))
    return event_id, ids


async def measure(url: str) -> dict[str, Any]:
    database = await fresh_database(url)
    server = PresenterServer(database, Settings(presenter_port=0, presenter_public_url=None))
    elsewhere = Database(url)
    from_elsewhere: list[float] = []
    try:
        event_id, ids = await _seed(database)
        token = await presenter_token(database, event_id, HOST)
        reads = []
        for _ in range(READS):
            started = time.perf_counter()
            await presenter_screen(database, token)
            reads.append((time.perf_counter() - started) * 1000)
        await server.start()
        changes, phase = [], random.Random(9)
        with tempfile.TemporaryDirectory() as profile:
            async with chromium(Path(profile)) as browser:
                page = await browser.new_page()
                await open_screen(page, server.link(token))
                for question_id in ids[:CHANGES]:
                    # Moderators click at any moment of the poller's cycle, not just after it read.
                    await asyncio.sleep(phase.uniform(0, POLL_INTERVAL_S))
                    started = time.perf_counter()
                    await mark_live(database, question_id, HOST, previous=AfterLive.QUEUE)
                    await page.wait_for_function(SHOWS_LIVE, arg=question_id, timeout=10_000)
                    changes.append((time.perf_counter() - started) * 1000)
                # The same through a Database of its own, as the CLI or another shard process
                # writes: nothing wakes this process's feed, so the change arrives by the poll.
                for question_id in ids[CHANGES : CHANGES + OTHER_PROCESS_CHANGES]:
                    await asyncio.sleep(phase.uniform(0, POLL_INTERVAL_S))
                    started = time.perf_counter()
                    await mark_live(elsewhere, question_id, HOST, previous=AfterLive.QUEUE)
                    await page.wait_for_function(SHOWS_LIVE, arg=question_id, timeout=10_000)
                    from_elsewhere.append((time.perf_counter() - started) * 1000)
        return {
            "service_call_to_page": Timings(changes).summary(),
            "service_call_to_page_from_another_process": Timings(from_elsewhere).summary(),
            "screen_read": Timings(reads).summary(),
        }
    finally:
        await server.stop()
        await elsewhere.dispose()
        await database.dispose()


def run(urls: dict[str, str]) -> dict[str, Any]:
    """Figures for each database named in ``urls`` (``sqlite``, and ``postgresql`` if given)."""
    return {
        "poll_interval_ms": POLL_INTERVAL_S * 1000,
        **{name: asyncio.run(measure(url)) for name, url in urls.items()},
    }


def main() -> None:
    sqlite_url, folder = scratch_sqlite_url("presenter.db")
    postgresql = os.environ.get("PODIUM_BENCH_DATABASE_URL") or os.environ.get("PODIUM_TEST_DATABASE_URL")
    try:
        results = run({"sqlite": sqlite_url} | ({"postgresql": postgresql} if postgresql else {}))
    finally:
        shutil.rmtree(folder)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
