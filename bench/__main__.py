"""``make bench``: run every benchmark once, write bench/results.json and docs/benchmarks.md.

``python -m bench briefs drafts`` reruns only the benchmarks named, keeps every other figure of
bench/results.json as it was, and says in docs/benchmarks.md when each rerun was measured.

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


# Benchmarks that need no database URL, by name, for a partial rerun.
ALONE = {
    "votes": votes.run,
    "dedup_eval": dedup_eval.run,
    "dedup_latency": dedup_latency.run,
    "themes": themes.run,
    "drafts": drafts.run,
    "briefs": briefs.run,
    "rehearse": rehearse.run,
    "screening": screening.run,
    "console_triage": console_triage.run,
}


def rerun(names: list[str]) -> None:
    """Run only the benchmarks named and merge their figures into bench/results.json."""
    unknown = sorted(set(names) - set(ALONE))
    if unknown:
        raise SystemExit(f"unknown or not runnable alone: {', '.join(unknown)}; choose from {', '.join(ALONE)}")
    results = json.loads(RESULTS.read_text())
    for name in names:
        results[name] = ALONE[name]()
        results.setdefault("rerun", {})[name] = datetime.now(UTC).isoformat(timespec="seconds")
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    write_report(results)
    print(json.dumps({name: results[name] for name in names}, indent=2))


def main() -> None:
    if sys.argv[1:]:
        rerun(sys.argv[1:])
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
            "briefs": briefs.run(),
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


if __name__ == "__main__":
    main()
