"""Vote throughput on a SQLite file, against the physical ceiling of the same disk.

1,000 votes, each its own ``cast_vote`` call (SQLite's writer commits the ones waiting together,
as it would members' votes), from 100 concurrent tasks; then
plain ``sqlite3`` single-row INSERT transactions on a file in the same directory, with the same
journal mode and synchronous setting that Podium uses. The ratio is Podium's share of that ceiling.
For context, the same inserts with sqlite3's defaults (rollback journal) are measured too.

On PostgreSQL (``PODIUM_BENCH_DATABASE_URL``), the same 1,000 votes from 100 tasks, again all on
one question (the top question of a burst), and 300 votes one after another (the latency of one
vote), through the ballot box (``bot.services.qa.ballot_box``: a question's votes arriving
together in one statement, one round trip) and through the unit of work every vote took before (a
ping, BEGIN, the locking read, the insert, the update, COMMIT), in the same run. Each question has
had a vote first, so this process knows its event, as it would in a burst.
"""

import asyncio
import shutil
import sqlite3
import statistics
import time
from pathlib import Path

from bench.common import GUILD_ID, fresh_database, open_bench_event, scratch_sqlite_url
from bot.domain.actors import Actor
from bot.services.qa import ballot_box
from bot.services.qa.questions import submit_question
from bot.services.qa.votes import cast_vote
from db.engine import SQLITE_PRAGMAS, Database

VOTES = 1_000
TASKS = 100
SEQUENTIAL_VOTES = 300
QUESTIONS = 20


async def votes_per_second(database: Database, questions: list[int], *, first_voter: int) -> float:
    """``VOTES`` first votes, each its own ``cast_vote``, from ``TASKS`` concurrent tasks, spread
    evenly over ``questions``: how many a second."""
    queue: asyncio.Queue = asyncio.Queue()
    for i in range(VOTES):
        voter = Actor(user_id=first_voter + i, display_name="Voter", guild_id=GUILD_ID)
        queue.put_nowait((questions[i % len(questions)], voter))

    async def vote_until_done() -> None:
        while not queue.empty():
            question_id, actor = queue.get_nowait()
            await cast_vote(database, question_id, actor)

    started = time.perf_counter()
    await asyncio.gather(*(vote_until_done() for _ in range(TASKS)))
    return VOTES / (time.perf_counter() - started)


async def podium_votes_per_second() -> float:
    url, folder = scratch_sqlite_url("votes.db")
    database = await fresh_database(url)
    try:
        event_id = await open_bench_event(database, rate_limit_count=QUESTIONS)
        asker = Actor(user_id=2, display_name="Asker", guild_id=GUILD_ID)
        questions = [(await submit_question(database, event_id, asker, f"Question {i}")).id for i in range(QUESTIONS)]
        return await votes_per_second(database, questions, first_voter=10_000)
    finally:
        await database.dispose()
        shutil.rmtree(folder)


async def postgresql_votes(url: str, through_ballot_box: bool) -> dict[str, float]:
    database = await fresh_database(url)
    ballot_box.ONE_STATEMENT_VOTES = through_ballot_box
    try:
        event_id = await open_bench_event(database, rate_limit_count=QUESTIONS)
        asker = Actor(user_id=2, display_name="Asker", guild_id=GUILD_ID)
        questions = [(await submit_question(database, event_id, asker, f"Question {i}")).id for i in range(QUESTIONS)]
        for n, question_id in enumerate(questions):
            await cast_vote(database, question_id, Actor(user_id=5_000 + n, display_name="First", guild_id=GUILD_ID))

        spread = await votes_per_second(database, questions, first_voter=10_000)
        on_one = await votes_per_second(database, questions[:1], first_voter=20_000)
        latencies = []
        for i in range(SEQUENTIAL_VOTES):
            actor = Actor(user_id=50_000 + i, display_name="V", guild_id=GUILD_ID)
            started = time.perf_counter()
            await cast_vote(database, questions[i % QUESTIONS], actor)
            latencies.append((time.perf_counter() - started) * 1000)
        return {
            "votes_per_s": round(spread, 1),
            "one_question_votes_per_s": round(on_one, 1),
            "one_vote_median_ms": round(statistics.median(latencies), 3),
        }
    finally:
        ballot_box.ONE_STATEMENT_VOTES = True
        await database.dispose()


def sqlite3_inserts_per_second(path: Path, pragmas: tuple[str, ...], count: int = 5_000) -> float:
    connection = sqlite3.connect(path, isolation_level=None)
    for pragma in pragmas:
        connection.execute(f"PRAGMA {pragma}")
    connection.execute(
        "CREATE TABLE vote (question_id INTEGER, user_id INTEGER, value INTEGER, PRIMARY KEY (question_id, user_id))"
    )
    started = time.perf_counter()
    for i in range(count):
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("INSERT INTO vote VALUES (?, ?, 1)", (i % QUESTIONS, i))
        connection.execute("COMMIT")
    elapsed = time.perf_counter() - started
    connection.close()
    return count / elapsed


def run(postgresql: str | None = None) -> dict[str, object]:
    podium = asyncio.run(podium_votes_per_second())
    _, folder = scratch_sqlite_url("ceiling.db")
    try:
        ceiling = sqlite3_inserts_per_second(folder / "same-pragmas.db", SQLITE_PRAGMAS)
        default_ceiling = sqlite3_inserts_per_second(folder / "defaults.db", ())
    finally:
        shutil.rmtree(folder)
    figures: dict[str, object] = {
        "votes": VOTES,
        "concurrent_tasks": TASKS,
        "podium_votes_per_s": round(podium, 1),
        "sqlite3_insert_tx_per_s": round(ceiling, 1),
        "ratio": round(podium / ceiling, 3),
        "pragmas": ", ".join(SQLITE_PRAGMAS),
        "sqlite3_defaults_insert_tx_per_s": round(default_ceiling, 1),
        "ratio_to_defaults": round(podium / default_ceiling, 3),
    }
    if postgresql:
        # Twice each, alternating, so a change in the machine's load shows as a spread.
        runs = [(mode, asyncio.run(postgresql_votes(postgresql, mode == "ballot_box"))) for mode in MODES * 2]
        figures["postgresql"] = {mode: [result for name, result in runs if name == mode] for mode in MODES}
    return figures


MODES = ("ballot_box", "unit_of_work")


if __name__ == "__main__":
    import os

    print(run(os.environ.get("PODIUM_BENCH_DATABASE_URL") or os.environ.get("PODIUM_TEST_DATABASE_URL")))
