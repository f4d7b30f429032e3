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


def _growth_rows(ranking: dict[str, Any]) -> list[str]:
    """Median ms of each order at each size, one row per backend and order."""
    rows = []
    for backend in ("sqlite", "postgresql"):
        growth = ranking.get(f"{backend}_growth")
        if not isinstance(growth, dict):
            continue
        sizes = list(growth)
        if not rows:
            rows += [f"| backend | order | {' | '.join(sizes)} questions |", f"|---|---|{'---|' * len(sizes)}"]
        for order in growth[sizes[0]]:
            cells = " | ".join(str(growth[size][order]["median_ms"]) for size in sizes)
            rows.append(f"| {backend} | {order} | {cells} |")
    if not rows:
        return []
    return ["", "How each order grows (median ms for a page of 20; ten votes a question):", "", *rows]


SECTIONS = {
    "dedup_eval": "Similar questions: quality at the shipped thresholds",
    "dedup_latency": "Similar-question check on submit",
    "drafts": "Reports and drafts",
    "briefs": "Briefs: verdict and supporting passage on a labelled set from CRS reports",
    "presenter": "Presenter screen: service call to page change",
    "rehearse": "Rehearsal of a 100,000-line script",
    "screening": "Abuse screening on Polis: flagged vs rejected by the moderators",
    "console_triage": "Web console: 200 waiting questions triaged by keyboard in Chromium",
}


BURST_FIGURES = [
    ("members (each voting about ten times)", "members"),
    ("votes", "votes"),
    ("ask: first response p50 / p99 / max, ms", "ask_first_response_ms"),
    ("vote on a card: first response p50 / p99 / max, ms", "vote_first_response_ms"),
    ("vote on the board: first response p50 / p99 / max, ms", "board_vote_first_response_ms"),
    ("vote in Browse: first response p50 / p99 / max, ms", "browse_vote_first_response_ms"),
    ("vote on the board: seen counted on it p50 / p99 / max, ms", "board_vote_seen_counted_ms"),
    ("vote in Browse: seen counted on the page p50 / p99 / max, ms", "browse_vote_seen_counted_ms"),
    ("votes on the board acknowledged first (redrawn after)", "board_votes_acknowledged_first"),
    ("votes in Browse acknowledged first (redrawn after)", "browse_votes_acknowledged_first"),
    ("longest event-loop stall, ms", "longest_loop_stall_ms"),
    ("the fake Discord's own longest stall through the votes, ms", "fake_discord_longest_stall_ms"),
    ("public messages per 1,000 questions", "public_messages_per_1000_questions"),
    ("card posts", "card_posts"),
    ("card edits (PATCH)", "card_edits"),
    ("board edits (PATCH)", "board_edits"),
    ("requests refused by a rate limit (429)", "refused_429"),
    ("card posts drained, s after the last ask", "card_backlog_drained_s"),
    ("every card shows the true count, s after the last vote", "convergence_s"),
    ("cards not showing the true count at the end", "cards_wrong_at_end"),
    ("the board shows the true top ten, s after the last vote", "last_vote_to_true_top_ten_s"),
    ("questions published (of 1,000 asked; the rest held for review or over the rate limit)", "asks_published"),
    ("publication to the board counting it: p50 / p95 / max, s", "publication_to_board_s"),
    ("a CPU-bound process beside the bot", "cpu_loaded_beside"),
    ("CPU time the virtual machine's host gave to others (steal), %", "cpu_stolen_pct"),
    ("peak RSS of the bot's process, MB", "peak_rss_mb"),
    ("sentence-transformers imported", "sentence_transformers_imported"),
    ("wall time of the burst, s", "wall_s"),
]


def _burst(burst: dict[str, Any]) -> list[str]:
    """The burst's figures, one column per backend and mode (the board, a card per question)."""
    columns = [name for name, value in burst.items() if isinstance(value, dict)]
    if not columns:
        return []
    first = burst[columns[0]]
    rows = []
    for label, key in BURST_FIGURES:
        if all(key not in burst[name] for name in columns):
            continue
        cells = []
        for name in columns:
            value = burst[name].get(key, "-")
            if isinstance(value, dict):
                cells.append(" / ".join(str(v) for v in value.values()))
            else:
                cells.append("not reached" if value is None else str(value))
        rows.append(f"| {label} | {' | '.join(cells)} |")
    missing = [f"{name}: {value}" for name, value in burst.items() if isinstance(value, str)]
    return [
        "",
        f"**Burst through the bot under Discord's rate limits**: {first['members']:,} members, "
        f"{first['questions']:,} questions, {first['votes']:,} votes over {first['spread_s']:.0f} s "
        "(cards edited at most once per 2.0 s, the board at most once per 1.0 s).",
        "",
        f"| figure | {' | '.join(columns)} |",
        f"|---|{'---|' * len(columns)}",
        *rows,
        *(["", *missing] if missing else []),
    ]


def _postgresql_votes(votes: dict[str, Any]) -> list[str]:
    """PostgreSQL's votes by path, each run of the same run of the benchmark side by side."""
    runs = votes.get("postgresql")
    if not isinstance(runs, dict):
        return []
    labels = {
        "ballot_box": "ballot box (a question's votes arriving together in one statement)",
        "one_statement": "first vote in one statement (one round trip)",
        "unit_of_work": "unit of work (ping, BEGIN, lock, insert, update, COMMIT)",
    }

    def runs_of(results: list[dict[str, Any]], figure: str) -> str:
        return " / ".join(format(run[figure], ",") if figure in run else "not measured" for run in results)

    rows = [
        f"| {labels.get(mode, mode)} | {runs_of(results, 'votes_per_s')} | "
        f"{runs_of(results, 'one_question_votes_per_s')} | {runs_of(results, 'one_vote_median_ms')} |"
        for mode, results in runs.items()
    ]
    return [
        "",
        f"On PostgreSQL, the same {votes['votes']:,} votes from {votes['concurrent_tasks']} tasks, again all on "
        "one question (a burst's top question), and one vote at a time, by path (runs alternated in the same "
        "benchmark run):",
        "",
        "| path | votes per second | all on one question, votes per second | one vote, median ms |",
        "|---|---|---|---|",
        *rows,
    ]


def _rehearse_growth(rehearse: dict[str, Any]) -> list[str]:
    growth = rehearse.get("growth") if isinstance(rehearse, dict) else None
    if not growth:
        return []
    rows = [
        f"| {size} | {g['replay_s']} | {g['lines_per_s']:,} | {g['us_per_line']:,} | {g['themes_s']} | "
        f"{g['us_per_line_besides_themes']:,} | {g.get('cpu_stolen_pct', '-')} |"
        for size, g in growth.items()
    ]
    return [
        "",
        "How a rehearsal grows with its script (the same mix at every size: for each 100,000 lines, 3,000 "
        "questions from 2,500 askers, about 96,000 votes and unvotes from 20,000 members, about 1,060 "
        "moderators' lines and withdrawals):",
        "",
        "| lines | replay s | lines/s | µs a line | themes s | µs a line besides themes | CPU stolen by the host, % |",
        "|---|---|---|---|---|---|---|",
        *rows,
    ]


def _prf(figures: dict[str, Any] | None) -> str:
    if not figures:
        return "-"
    if figures.get("predicted") == 0:
        return "none predicted"
    precision = "-" if figures["precision"] is None else f"{figures['precision']:.2f}"
    return f"{precision} / {figures['recall']:.2f} / {figures['f1']:.2f}"


def _dedup(figures: dict[str, Any]) -> list[str]:
    """Each dev set and backend on one row: pairs at both thresholds, then the rehearsed event."""
    dev_sets = figures.get("dev_sets")
    if not isinstance(dev_sets, dict):
        return _section(SECTIONS["dedup_eval"], figures)
    rows = []
    for set_name, by_backend in dev_sets.items():
        for backend in figures["backends"]:
            pairs, rehearsal = by_backend[backend]["pairs"], by_backend[backend]["rehearsal"]
            rows.append(
                f"| {set_name} | {backend} | {_prf(pairs['suggest'])} | {_prf(pairs['link'])} | "
                f"{_prf(rehearsal['suggest'])} | {_prf(rehearsal['link'])} | {_prf(rehearsal['link_any'])} |"
            )
    sizes = ", ".join(
        f"{name} {sets['pairs']:,} pairs in {sets['events']} events ({sets['rehearsed_pairs']} rehearsed)"
        for name, sets in dev_sets.items()
    )
    rest = {key: value for key, value in figures.items() if key not in ("dev_sets", "backends")}
    return [
        "",
        f"**{SECTIONS['dedup_eval']}**: precision / recall / F1 per dev set ({sizes}).",
        "",
        "| set | backend | pairs: suggest | pairs: link | rehearsal: suggest | rehearsal: link | rehearsal: any link |",
        "|---|---|---|---|---|---|---|",
        *rows,
        *_section("Similar questions on Polis, and the curves", rest),
    ]


def _flatten(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        return [pair for key, inner in value.items() for pair in _flatten(inner, f"{prefix}{key}.")]
    return [(prefix.rstrip("."), value)]


def _section(title: str, figures: Any) -> list[str]:
    rows = [f"| {name} | {value} |" for name, value in _flatten(figures) if not isinstance(value, list)]
    return ["", f"**{title}**", "", "| figure | value |", "|---|---|", *rows]


def _partial_note(results: dict[str, Any]) -> list[str]:
    """When sections were measured at different times (``python -m bench NAME ...``), say which."""
    when = results.get("sections_measured_at", {})
    if len(set(when.values())) <= 1:
        return []
    return ["", "Sections measured apart: " + ", ".join(f"{name} {at}" for name, at in sorted(when.items())) + "."]


THEME_COLUMNS = [
    ("questions", "questions"),
    ("coverage", "coverage"),
    ("themes", "themes"),
    ("purity", "purity"),
    ("ARI", "ari"),
    ("label words", "label_words"),
    ("plan s", "plan_s"),
    ("same on refresh", "same_on_refresh"),
]
WAVE_COLUMNS = [
    ("coverage", "coverage"),
    ("themes", "themes"),
    ("purity", "purity"),
    ("ARI", "ari"),
    ("label words", "label_words"),
    ("moved", "moved_share"),
    ("renamed", "themes_renamed"),
]


def _themes(themes: dict[str, Any]) -> list[str]:
    """The refresh's timing, then one row per question set (one refresh, and in ten waves)."""
    lines = _section("Themes: refresh of 2,000 questions", themes.get("refresh", themes))
    quality = themes.get("quality")
    if not isinstance(quality, dict):
        return lines
    header = [name for name, _ in THEME_COLUMNS] + [f"waves: {name}" for name, _ in WAVE_COLUMNS]
    rows, labels = [], []
    for name, figures in quality.items():
        if not isinstance(figures, dict):
            rows.append(f"| {name} | {figures} |{' |' * (len(header) - 1)}")
            continue
        waves = figures.get("waves", {})
        cells = [str(figures.get(key, "-")) for _, key in THEME_COLUMNS]
        cells += [str(waves.get(key, "-")) for _, key in WAVE_COLUMNS]
        rows.append(f"| {name} | {' | '.join(cells)} |")
        labels.append(f"- {name}: {'; '.join(figures.get('largest', []))}")
    return [
        *lines,
        "",
        "**Themes: quality per question set** (purity and ARI against the set's topic labels; "
        "waves: the set arriving in ten parts, a refresh after each)",
        "",
        f"| set | {' | '.join(header)} |",
        f"|---|{'---|' * len(header)}",
        *rows,
        "",
        "Largest themes, one refresh:",
        "",
        *labels,
    ]


def render(results: dict[str, Any]) -> str:
    machine, ranking, votes = results["machine"], results["ranking"], results["votes"]
    lines = [
        BEGIN,
        f"Measured {results['measured_at']} on {machine['cpus']} CPUs, Python {machine['python']}, "
        f"SQLite {machine['sqlite']} ({machine['platform']}).",
        *_partial_note(results),
        "",
        f"**Ranking**: a page of {ranking['page']} from one event with {ranking['questions']:,} questions "
        f"and {ranking['votes']:,} votes (`rank_questions`).",
        "",
        "| backend | order | median ms | p95 ms |",
        "|---|---|---|---|",
        *_ranking_rows(ranking),
        *_growth_rows(ranking),
        "",
        f"**Votes**: {votes['votes']:,} votes, each its own `cast_vote` call, from {votes['concurrent_tasks']} "
        "concurrent tasks on a SQLite file (the writer commits the votes waiting together).",
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
        *_postgresql_votes(votes),
    ]
    lines += _burst(results.get("discord_burst", {}))
    if "themes" in results:
        lines += _themes(results["themes"])
    for key, title in SECTIONS.items():
        if key == "dedup_eval" and isinstance(results.get(key), dict):
            lines += _dedup(results[key])
        elif key in results:
            figures = results[key]
            if key == "rehearse" and isinstance(figures, dict):
                figures = {name: value for name, value in figures.items() if name != "growth"}
            lines += _section(title, figures)
            if key == "rehearse":
                lines += _rehearse_growth(results[key])
    lines.append(END)
    return "\n".join(lines)


def write_report(results: dict[str, Any]) -> None:
    text = BENCHMARKS.read_text()
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    BENCHMARKS.write_text(head + render(results) + tail)
