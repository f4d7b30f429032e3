"""``make bench``: run every benchmark once, write bench/results.json and docs/benchmarks.md.

``python -m bench ranking votes`` runs only the benchmarks named and keeps the other figures of
bench/results.json as they were (each section says when it was measured).

PostgreSQL figures need a server: ``PODIUM_BENCH_DATABASE_URL`` (or ``PODIUM_TEST_DATABASE_URL``)
names it. Its ``public`` schema is dropped and rebuilt, so point it at a scratch database.
"""

import json
import os
import platform
import shutil
import sqlite3
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench import (
    briefs,
    console_triage,
    dedup_eval,
    dedup_latency,
    discord_burst,
    drafts,
    presenter_latency,
    ranking,
    rehearse,
    screening,
    themes,
    votes,
)
from bench.common import scratch_sqlite_url
from bench.report import write_report

RESULTS = Path(__file__).with_name("results.json")


def main(names: list[str]) -> None:
    """Run the benchmarks named (every one when none is) and write their figures."""
    postgresql = os.environ.get("PODIUM_BENCH_DATABASE_URL") or os.environ.get("PODIUM_TEST_DATABASE_URL")
    sqlite_url, folder = scratch_sqlite_url("ranking.db")
    urls = {"sqlite": sqlite_url} | ({"postgresql": postgresql} if postgresql else {})
    benchmarks: dict[str, Callable[[], object]] = {
        "ranking": lambda: ranking.run(urls),
        "votes": lambda: votes.run(postgresql),
        "discord_burst": lambda: discord_burst.run(postgresql),
        "dedup_eval": dedup_eval.run,
        "dedup_latency": dedup_latency.run,
        "themes": themes.run,
        "drafts": drafts.run,
        "briefs": briefs.run,
        "presenter": lambda: presenter_latency.run(urls),
        "rehearse": rehearse.run,
        "screening": screening.run,
        "console_triage": console_triage.run,
    }
    unknown = set(names) - set(benchmarks)
    if unknown:
        raise SystemExit(f"unknown benchmarks: {', '.join(sorted(unknown))}; known: {', '.join(benchmarks)}")
    measured_at = datetime.now(UTC).isoformat(timespec="seconds")
    # A partial run keeps the other figures as they were, and says when each section was measured.
    results = json.loads(RESULTS.read_text()) if names and RESULTS.exists() else {}
    when = results.setdefault("sections_measured_at", {})
    results |= {
        "measured_at": measured_at,
        "machine": {
            "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version,
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
    }
    try:
        for name, measure in benchmarks.items():
            if not names or name in names:
                results[name] = measure()
                when[name] = measured_at
    finally:
        shutil.rmtree(folder)
    if not postgresql and "ranking" in results and not isinstance(results["ranking"].get("postgresql"), dict):
        results["ranking"]["postgresql"] = "not measured: set PODIUM_BENCH_DATABASE_URL"
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    write_report(results)
    print(json.dumps({name: results[name] for name in names or benchmarks}, indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
