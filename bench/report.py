"""Writes the measured figures into docs/benchmarks.md, between its generated-figures markers."""

from pathlib import Path
from typing import Any

BENCHMARKS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
BEGIN, END = "<!-- figures:begin -->", "<!-- figures:end -->"


def _ranking_rows(ranking: dict[str, Any]) -> list[str]:
    rows = []
    for backend in ("sqlite", "postgresql"):
        figures = ranking.get(backend)
        if not isinstance(figures, dict):
            rows.append(f"| {backend} | {figures} | | |")
            continue
        for order, timing in figures.items():
            rows.append(f"| {backend} | {order} | {timing['median_ms']} | {timing['p95_ms']} |")
    return rows


SECTIONS = {
    "discord_burst": "Burst through the bot (time from payload to first response; card edits)",
    "dedup_eval": "Similar questions: quality at the shipped thresholds",
    "dedup_latency": "Similar-question check on submit",
    "themes": "Theme clustering",
    "drafts": "Reports and drafts",
    "presenter": "Presenter screen: service call to page change",
    "rehearse": "Rehearsal of a 100,000-line script",
}


def _flatten(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        return [pair for key, inner in value.items() for pair in _flatten(inner, f"{prefix}{key}.")]
    return [(prefix.rstrip("."), value)]


def _section(title: str, figures: Any) -> list[str]:
    rows = [f"| {name} | {value} |" for name, value in _flatten(figures) if not isinstance(value, list)]
    return ["", f"**{title}**", "", "| figure | value |", "|---|---|", *rows]


def render(results: dict[str, Any]) -> str:
    machine, ranking, votes = results["machine"], results["ranking"], results["votes"]
    lines = [
        BEGIN,
        f"Measured {results['measured_at']} on {machine['cpus']} CPUs, Python {machine['python']}, "
        f"SQLite {machine['sqlite']} ({machine['platform']}).",
        "",
        f"**Ranking**: a page of {ranking['page']} from one event with {ranking['questions']:,} questions "
        f"and {ranking['votes']:,} votes (`rank_questions`).",
        "",
        "| backend | order | median ms | p95 ms |",
        "|---|---|---|---|",
        *_ranking_rows(ranking),
        "",
        f"**Votes**: {votes['votes']:,} votes, one transaction each, from {votes['concurrent_tasks']} concurrent "
        "tasks through `cast_vote` on a SQLite file.",
        "",
        "| measure | per second |",
        "|---|---|",
        f"| Podium `cast_vote` | {votes['podium_votes_per_s']:,} |",
        f"| plain sqlite3 single-row INSERT transactions, Podium's pragmas | {votes['sqlite3_insert_tx_per_s']:,} |",
        f"| plain sqlite3 single-row INSERT transactions, sqlite3 defaults | "
        f"{votes['sqlite3_defaults_insert_tx_per_s']:,} |",
        "",
        f"Podium reaches **{votes['ratio']:.1%}** of the ceiling with the same pragmas "
        f"(`{votes['pragmas']}`), and {votes['ratio_to_defaults']:.1%} of sqlite3 with its defaults.",
    ]
    for key, title in SECTIONS.items():
        if key in results:
            lines += _section(title, results[key])
    lines.append(END)
    return "\n".join(lines)


def write_report(results: dict[str, Any]) -> None:
    text = BENCHMARKS.read_text()
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    BENCHMARKS.write_text(head + render(results) + tail)
