"""``podium rehearse``, ``podium export`` and ``podium events``, run as a user runs them."""

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.services.records.exports import COLUMNS

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
OUTPUTS = {
    "questions.csv",
    "questions.json",
    "queue.md",
    "digest.md",
    "recap.md",
    "ledger.json",
    "refused.csv",
    "timeline.png",
    "themes.png",
}


def podium(*args, cwd=ROOT, env=None):
    # No language model and no database, whatever the machine's environment says: the extractive
    # writer drafts, and the database is the command line's or the default; ``env`` adds settings.
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("LLM_", "DATABASE_URL", "DISCORD_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env=environment | {"PYTHONPATH": str(ROOT)} | (env or {}),
    )


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    """The example event rehearsed as `make demo` does."""
    out = tmp_path_factory.mktemp("rehearsal") / "out"
    result = podium("rehearse", EXAMPLES / "script.jsonl", "--report", EXAMPLES / "report.md", "--out", out)
    return out, result


def test_the_example_event_rehearses_and_writes_every_output(example):
    out, result = example
    assert result.returncode == 0, result.stderr
    assert {path.name for path in out.iterdir()} >= OUTPUTS
    assert "Rehearsal of “Keeping the Network Whole: report launch and Q&A” (event #1)" in result.stdout
    assert "lines/s" in result.stdout
    assert f"Results in {out}/" in " ".join(result.stdout.split())
    # Its database is new: bringing it up to date is no news to the person rehearsing.
    assert "Running upgrade" not in result.stderr


def test_its_questions_csv_has_exactly_the_columns_and_the_scripts_refs(example):
    out, _ = example
    rows = list(csv.DictReader((out / "questions.csv").read_text().splitlines()))
    assert tuple(rows[0]) == COLUMNS
    by_ref = {row["ref"]: row for row in rows}
    assert by_ref["igf-permanent-2"]["merged_into"] == "igf-permanent"
    assert by_ref["localisation-privacy"]["author"] == "anonymous"
    assert by_ref["football"]["status"] == "dismissed"
    assert by_ref["igf-permanent"]["answered_s"] == "1500.0"


def test_its_refusals_are_the_bots_own_with_the_line_they_came_from(example):
    out, _ = example
    refused = {
        int(row["line"]): row["reason"] for row in csv.DictReader((out / "refused.csv").read_text().splitlines())
    }
    assert refused[3] == "You cannot vote on your own question."
    assert "You can ask 3 questions every 5 minutes." in refused[52]
    assert "A moderator has stopped you from asking questions in this event." in refused.values()


def test_its_recap_ends_with_the_public_ledger(example):
    out, _ = example
    recap = (out / "recap.md").read_text()
    assert recap.startswith("**Recap: Keeping the Network Whole: report launch and Q&A**")
    assert "Assembled by Podium from the questions and the report, without a language model." in recap
    summary = json.loads((out / "ledger.json").read_text())["summary"]
    assert summary["rejected"] == {"already_answered": 1, "inappropriate": 2, "off_topic": 1, "other": 1}
    assert recap.rstrip().endswith(summary["text"])


def without_refs(rows):
    return [{k: v for k, v in row.items() if k not in ("ref", "similar_to", "merged_into")} for row in rows]


def test_export_and_events_read_the_rehearsals_database(example):
    out, _ = example
    url = f"sqlite+aiosqlite:///{out / 'rehearsal.db'}"
    listed = podium("events", "--url", url)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.startswith("#1  closed  Keeping the Network Whole: report launch and Q&A  (server 1, ")
    hidden = podium("export", "1", "--format", "csv", "--url", url)
    shown = podium("export", "1", "--format", "csv", "--include-authors", "--url", url)
    exported = list(csv.DictReader(io.StringIO(hidden.stdout)))
    rehearsed = list(csv.DictReader((out / "questions.csv").read_text().splitlines()))
    # A live database knows no script refs: questions are Q<id>, as drafts cite them.
    assert [row["ref"] for row in exported] == [f"Q{row['id']}" for row in rehearsed]
    assert without_refs(exported) == without_refs(rehearsed)
    anonymous = next(row for row in rehearsed if row["ref"] == "localisation-privacy")
    named = next(row for row in csv.DictReader(io.StringIO(shown.stdout)) if row["id"] == anonymous["id"])
    assert (anonymous["author"], named["author"]) == ("anonymous", "u4")
    markdown = podium("export", "1", "--format", "md", "--url", url, "-o", out / "export.md")
    assert markdown.stdout.strip() == f"Wrote {out / 'export.md'}."
    assert (out / "export.md").read_text().startswith("# Keeping the Network Whole")


def test_an_unreadable_line_stops_the_rehearsal_before_it_starts_and_names_the_line(tmp_path):
    script = tmp_path / "script.jsonl"
    script.write_text('{"t": 0, "action": "ask", "user": "u1", "text": "Who pays?"}\n{"t": 3, "action": "vote"\n')
    result = podium("rehearse", script, "--report", EXAMPLES / "report.md", "--out", tmp_path / "out")
    assert result.returncode == 2
    assert result.stderr.strip().startswith(f"{script}: line 2: not valid JSON")
    assert not (tmp_path / "out").exists()


def test_asking_for_the_language_model_without_one_configured_says_how_to_set_one(tmp_path):
    script = tmp_path / "script.jsonl"
    script.write_text('{"t": 0, "action": "ask", "user": "u1", "text": "Who pays?"}\n')
    result = podium("rehearse", script, "--report", EXAMPLES / "report.md", "--llm", cwd=tmp_path)
    assert result.returncode == 2
    assert "LLM_BASE_URL or LLM_API_KEY" in result.stderr


def test_its_own_database_is_scratch_and_says_so_but_one_given_by_db_is_not(example, tmp_path):
    _, result = example
    # The summary's table wraps its cells: read its words without the borders.
    said = " ".join(result.stdout.replace("│", " ").split())
    assert "rehearsal.db, scratch: commits do not wait for the disk (synchronous = OFF)" in said
    durable = tmp_path / "kept.db"
    given = podium(
        "rehearse",
        EXAMPLES / "script.jsonl",
        "--report",
        EXAMPLES / "report.md",
        "--out",
        tmp_path / "out",
        "--db",
        f"sqlite+aiosqlite:///{durable}",
    )
    assert given.returncode == 0, given.stderr
    assert "scratch" not in given.stdout
    assert durable.exists()
