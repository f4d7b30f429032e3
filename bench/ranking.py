"""Ranking latency: a page of 20 from an event with 1,000, 10,000 and 100,000 questions and ten
votes a question.

The event is seeded in bulk (the votes follow a long-tailed popularity, as real audiences do, and
four questions in five are in one of 40 themes), its trending keys summed by the same rebase a
vote would run, then each order is asked for repeatedly through ``rank_questions``, the call the
queue and the presenter view make. The headline is the middle size; the others show how each
order grows.
"""

import asyncio
import random
import time
from collections import Counter
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import Session

from bench.common import Timings, fresh_database, open_bench_event
from bot.domain.clock import utcnow
from bot.domain.enums import QuestionStatus
from bot.services.qa.ranking import Order, rank_questions
from bot.services.qa.trending import rebase_if_due
from db.engine import Database
from db.models import Question, Vote

SIZES = (1_000, 10_000, 100_000)
HEADLINE = 10_000
VOTES_PER_QUESTION = 10
THEMES = 40
RUNS = 200


def _seed(session: Session, event_id: int, questions: int) -> None:
    votes, voters = questions * VOTES_PER_QUESTION, questions * 2
    rng = random.Random(20261129)
    start = utcnow() - timedelta(hours=2)
    session.execute(
        sa.insert(Question.__table__),
        [
            {
                "event_id": event_id,
                "author_id": 10_000_000 + i,
                "author_name": f"Asker {i}",
                "anonymous": False,
                "text": f"Question number {i} about the report",
                "created_at": start + timedelta(seconds=i * 7_000 / questions),
                "status": QuestionStatus.PUBLISHED.value,
                "flagged": False,
                "pinned": i % 2_500 == 0,
                "theme": f"Theme {i % THEMES}" if i % 5 else None,
                "votes_up": 0,
                "votes_down": 0,
                "score": 0,
            }
            for i in range(questions)
        ],
    )
    ids = session.execute(sa.select(Question.id).where(Question.event_id == event_id)).scalars().all()
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(ids))]
    ballots: set[tuple[int, int]] = set()
    while len(ballots) < votes:
        for question_id in rng.choices(ids, weights, k=votes - len(ballots)):
            ballots.add((question_id, rng.randrange(voters)))
    session.execute(
        sa.insert(Vote.__table__),
        [
            {
                "question_id": q,
                "user_id": u,
                "event_id": event_id,
                "value": 1,
                "cast_at": start + timedelta(seconds=rng.uniform(0, 7_200)),
            }
            for q, u in ballots
        ],
    )
    counts = Counter(q for q, _ in ballots)
    session.execute(
        sa.update(Question.__table__)
        .where(Question.__table__.c.id == sa.bindparam("qid"))
        .values(votes_up=sa.bindparam("n"), score=sa.bindparam("n")),
        [{"qid": q, "n": n} for q, n in counts.items()],
    )
    # The event has no epoch yet, so this sums every key from the votes, as a first vote would.
    rebase_if_due(session, event_id, utcnow())


async def measure(url: str, questions: int) -> dict[str, dict[str, float]]:
    database: Database = await fresh_database(url)
    try:
        event_id = await open_bench_event(database)
        await database.write(_seed, event_id, questions)
        if not database.is_sqlite:
            await database.run_with_connection(lambda c: c.exec_driver_sql("ANALYZE"))
        figures = {}
        for order in Order:
            samples = []
            runs = RUNS if questions <= HEADLINE else RUNS // 4
            for _ in range(runs):
                started = time.perf_counter()
                page = await rank_questions(database, event_id, order=order, limit=20)
                samples.append((time.perf_counter() - started) * 1000)
                assert len(page) == 20
            figures[order.value] = Timings(samples).summary()
        return figures
    finally:
        await database.dispose()


def run(urls: dict[str, str]) -> dict[str, object]:
    results: dict[str, object] = {"questions": HEADLINE, "votes": HEADLINE * VOTES_PER_QUESTION, "page": 20}
    for backend, url in urls.items():
        by_size = {size: asyncio.run(measure(url, size)) for size in SIZES}
        results[backend] = by_size[HEADLINE]
        results[f"{backend}_growth"] = {f"{size:,}": figures for size, figures in by_size.items()}
    return results


if __name__ == "__main__":
    from bench.common import scratch_sqlite_url

    url, _ = scratch_sqlite_url("ranking.db")
    print(run({"sqlite": url}))
