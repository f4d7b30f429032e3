"""``podium report add EVENT FILE``: a local operator attaches an event's report from the shell."""

import asyncio
import os
import subprocess
import sys

import pytest

from bot.domain.enums import LedgerAction
from bot.services.records.ledger import event_ledger
from bot.services.reports.report import report_passages
from db.engine import Database
from db.migrate import upgrade
from tests.factories import host, make_event
from tests.harness.documents import HOUSING_MD, make_pdf


@pytest.fixture
def database_url(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'podium.db'}"

    async def prepare() -> int:
        database = Database(url)
        await upgrade(database)
        event = await make_event(database, host())
        await database.dispose()
        return event.id

    return url, asyncio.run(prepare())


def podium(*args, url):
    environment = os.environ | {"DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, check=False, env=environment
    )


async def stored(url, event_id):
    database = Database(url)
    try:
        return await report_passages(database, event_id), await event_ledger(database, event_id)
    finally:
        await database.dispose()


def test_report_add_reads_the_file_into_passages_and_records_the_operator(tmp_path, database_url):
    url, event_id = database_url
    report = tmp_path / "housing-report.pdf"
    report.write_bytes(make_pdf(["1 Rent caps\n\nRent caps reduce mobility.", "2 Zoning\n\nBuild near transit."]))
    result = podium("report", "add", str(event_id), str(report), url=url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        f"Added a report to event #{event_id}: housing-report.pdf (2 pages, 2 passages, cited p1 to p2)."
    )
    passages, ledger = asyncio.run(stored(url, event_id))
    assert [p.citation for p in passages] == ["p1", "p2"]
    assert (ledger[-1].action, ledger[-1].actor_name) == (LedgerAction.REPORT_ADD, "local operator (CLI)")


def test_report_add_replaces_and_says_so(tmp_path, database_url):
    url, event_id = database_url
    report = tmp_path / "housing.md"
    report.write_text(HOUSING_MD)
    podium("report", "add", str(event_id), str(report), url=url)
    result = podium("report", "add", str(event_id), str(report), url=url)
    assert result.stdout.startswith(f"Replaced the report of event #{event_id}: housing.md (4 passages")


def test_report_add_explains_a_refusal(tmp_path, database_url):
    url, event_id = database_url
    fake = tmp_path / "report.pdf"
    fake.write_text("not a pdf")
    result = podium("report", "add", str(event_id), str(fake), url=url)
    assert result.returncode == 1
    assert result.stderr.strip() == "report.pdf is named like a PDF but is not one."
    missing = podium("report", "add", "999", str(fake), url=url)
    assert missing.returncode == 1
    assert "There is no event #999" in missing.stderr
