"""``make bench``: run every benchmark once, write bench/results.json and docs/benchmarks.md.

``python -m bench NAME ...`` runs only the named benchmarks (e.g. ``screening``) and updates
their figures in both, keeping the others as they were measured.

PostgreSQL figures need a server: ``PODIUM_BENCH_DATABASE_URL`` (or ``PODIUM_TEST_DATABASE_URL``)
names it. Its ``public`` schema is dropped and rebuilt, so point it at a scratch database.
"""

import json
import os
import platform
import shutil
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench import (
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


# What ``python -m bench NAME`` can run alone: benchmarks that need no database URL.
ALONE = {"screening": screening.run, "console_triage": console_triage.run}


def main() -> None:
    if len(sys.argv) > 1:
        run_alone(sys.argv[1:])
        return
    postgresql = os.environ.get("PODIUM_BENCH_DATABASE_URL") or os.environ.get("PODIUM_TEST_DATABASE_URL")
    sqlite_url, folder = scratch_sqlite_url("ranking.db")
    urls = {"sqlite": sqlite_url} | ({"postgresql": postgresql} if postgresql else {})
    try:
        results = {
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": {
                "python": platform.python_version(),
                "sqlite": sqlite3.sqlite_version,
                "cpus": os.cpu_count(),
                "platform": platform.platform(),
            },
            "ranking": ranking.run(urls),
            "votes": votes.run(),
            "discord_burst": discord_burst.run(postgresql),
            "dedup_eval": dedup_eval.run(),
            "dedup_latency": dedup_latency.run(),
            "themes": themes.run(),
            "drafts": drafts.run(),
            "presenter": presenter_latency.run(urls),
            "rehearse": rehearse.run(),
            "screening": screening.run(),
            "console_triage": console_triage.run(),
        }
    finally:
        shutil.rmtree(folder)
    if not postgresql:
        results["ranking"]["postgresql"] = "not measured: set PODIUM_BENCH_DATABASE_URL"
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    write_report(results)
    print(json.dumps(results, indent=2))


def run_alone(names: list[str]) -> None:
    """Run the named benchmarks and merge their figures into the last full run's."""
    unknown = set(names) - set(ALONE)
    if unknown:
        raise SystemExit(f"unknown benchmark(s) {sorted(unknown)}; these run alone: {sorted(ALONE)}")
    results = json.loads(RESULTS.read_text())
    for name in names:
        results[name] = ALONE[name]()
        print(json.dumps({name: results[name]}, indent=2))
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    write_report(results)


if __name__ == "__main__":
    main()
