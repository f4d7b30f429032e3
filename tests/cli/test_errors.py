"""What a new user meets when they get the command line wrong: one line saying what to do, an exit
status of 1 (nothing to do with what was typed) or 2 (what was typed), never a traceback, and no
empty podium.db left behind by a command that only reads.
"""

import os

import pytest

from tests.cli.test_rehearse_command import EXAMPLES, ROOT, podium

URL_HELP = "sqlite+aiosqlite:///path/to/podium.db or postgresql+asyncpg://"
UNREACHABLE_POSTGRESQL = "postgresql+asyncpg://podium@127.0.0.1:9/podium"  # the discard port: nothing listens


def said(result) -> list[str]:
    """What the command printed on stderr for a person, without the log's timestamped lines."""
    return [line for line in result.stderr.splitlines() if line.strip() and not line[:4].isdigit()]


@pytest.mark.parametrize(
    ("args", "status", "expected"),
    [
        (("events", "--url", "x"), 2, f"'x' is not a database URL; write it as {URL_HELP}"),
        (("events", "--url", "mysql://podium@localhost/podium"), 2, "Podium cannot use 'mysql' databases"),
        (("export", "1", "--url", "sqlite+aiosqlite:///missing/podium.db"), 1, "There is no Podium database at"),
        (("db", "upgrade", "--url", "sqlite+aiosqlite:///missing/podium.db"), 2, "The folder missing does not exist"),
        (("db", "upgrade", "--url", UNREACHABLE_POSTGRESQL), 1, "Podium could not reach the database at"),
        (("events", "--url", UNREACHABLE_POSTGRESQL), 1, "Podium could not reach its database just now"),
        (("events",), 1, "create it with `podium db upgrade --url sqlite+aiosqlite:///podium.db`"),
        (("export", "1"), 1, "There is no Podium database at podium.db"),
        (("jobs", "1"), 1, "There is no Podium database at podium.db"),
    ],
)
def test_a_wrong_or_missing_database_is_one_line_that_says_what_to_do(tmp_path, args, status, expected):
    result = podium(*args, cwd=tmp_path)
    assert "Traceback" not in result.stdout + result.stderr
    assert result.returncode == status, result.stderr
    [line] = said(result)
    assert expected in line
    assert not (tmp_path / "podium.db").exists(), "a command that reads must not create an empty database"


def test_a_database_without_podiums_tables_says_to_upgrade_it(tmp_path):
    (tmp_path / "other.db").write_bytes(b"")  # an empty SQLite file: a database with no tables
    result = podium("events", "--url", f"sqlite+aiosqlite:///{tmp_path / 'other.db'}", cwd=tmp_path)
    assert result.returncode == 1
    [line] = said(result)
    assert "has no Podium tables yet; run `podium db upgrade` first." in line


def test_a_missing_report_file_says_it_does_not_exist(tmp_path):
    result = podium("report", "add", "1", "nope.pdf", cwd=tmp_path)
    assert result.returncode == 2
    assert "nope.pdf does not exist." in result.stderr
    assert "Traceback" not in result.stderr


def test_podium_run_with_discord_unreachable_says_so_in_one_line(tmp_path):
    podium("db", "upgrade", cwd=tmp_path)
    result = podium(
        "run",
        cwd=tmp_path,
        env={"DISCORD_TOKEN": "not-a-real-token", "DISCORD_API_BASE": "http://127.0.0.1:9/api"},
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    [line] = said(result)
    assert line.startswith("Podium could not reach Discord (")


@pytest.fixture
def without_the_model(tmp_path):
    """An install whose ``wordllama`` package has lost its weights and tokenizer files."""
    shadow = tmp_path / "site"
    (shadow / "wordllama").mkdir(parents=True)
    (shadow / "wordllama" / "__init__.py").write_text("")
    return {"PYTHONPATH": f"{shadow}{os.pathsep}{ROOT}"}


def test_a_rehearsal_without_the_models_files_names_the_package_in_one_line(tmp_path, without_the_model):
    script = tmp_path / "script.jsonl"
    script.write_text('{"t": 0, "action": "ask", "user": "u1", "text": "Who pays?"}\n')
    result = podium("rehearse", script, "--report", EXAMPLES / "report.md", cwd=tmp_path, env=without_the_model)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    # The database's migrations log first; the rehearsal's own word is the last line.
    line = result.stderr.strip().splitlines()[-1]
    assert "package 'wordllama'" in line
    assert "SIMILARITY_BACKEND=lexical" in line


def test_podium_run_without_the_models_files_says_so_before_connecting(tmp_path, without_the_model):
    podium("db", "upgrade", cwd=tmp_path)
    # Discord's address is one where nothing listens: reaching for it would be another message.
    discord = {"DISCORD_TOKEN": "not-a-real-token", "DISCORD_API_BASE": "http://127.0.0.1:9/api"}
    result = podium("run", cwd=tmp_path, env=without_the_model | discord)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    [line] = said(result)
    assert "package 'wordllama'" in line


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('{"t": 1e300, "action": "ask", "user": "u1", "text": "Who pays?"}', "t must be a number of seconds"),
        ('{"t": 1' + "0" * 400 + ', "action": "ask", "user": "u1", "text": "Who pays?"}', "t must be a number of"),
        ("[" * 100_000 + "]" * 100_000, "its JSON is nested too deeply"),
    ],
)
def test_a_rehearsal_line_out_of_range_or_nested_too_deeply_is_named_not_a_traceback(tmp_path, line, expected):
    script = tmp_path / "script.jsonl"
    script.write_text(line + "\n")
    result = podium("rehearse", script, "--report", EXAMPLES / "report.md", "--out", tmp_path / "out")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    [said_line] = said(result)
    assert said_line.startswith(f"{script}: line 1: ")
    assert expected in said_line
