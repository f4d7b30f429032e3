"""A small hostile report: a 3 KB PDF whose one page is 100,000 text operators takes about 3 s of
CPU to read (a real one took 23 s for 13 KB; 1,000 such pages would take hours). Reports are read
in a process of their own within REPORT_READ_CPU_S and REPORT_READ_MEMORY_MB, here one second, or
256 MB: the upload is refused with the reason, and members asking meanwhile are answered. So is a
62 KB PDF whose one string inflates to 60 MB, which takes far more than that to read.
"""

import io
import zlib

import pytest
from sqlmodel import select

from db.models import Report
from tests.cogs.steps import open_event, set_up_server
from tests.harness.driver import DiscordHarness, reply_text
from tests.harness.payloads import HOST, audience, slash, with_attachment


def slow_pdf(operators: int = 100_000) -> bytes:
    """A valid one-page PDF whose content stream is ``operators`` text operators."""
    return one_page_pdf(b"BT /F1 12 Tf 10 10 Td " + b"(a) Tj 1 0 Td " * operators + b"ET")


def inflating_pdf(megabytes: int = 60) -> bytes:
    """A valid one-page PDF of a few dozen KB whose one string inflates to ``megabytes`` MB."""
    return one_page_pdf(b"BT /F1 12 Tf 10 10 Td (" + b"a" * (megabytes << 20) + b") Tj ET")


def one_page_pdf(page_content: bytes) -> bytes:
    """A valid one-page PDF whose content stream, compressed, is ``page_content``."""
    content = zlib.compress(page_content, 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO(b"%PDF-1.4\n")
    out.seek(0, io.SEEK_END)
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


@pytest.fixture
async def strict_bot(db):
    async with DiscordHarness(db, report_read_cpu_s=1) as harness:
        yield harness


def upload(bot, name: str, data: bytes) -> dict:
    url = bot.fake.attach(name, data)
    return with_attachment(slash(HOST, "report add", event=1), "file", name, url, len(data))


async def test_a_pdf_that_takes_too_long_to_read_is_refused_with_the_reason(strict_bot):
    await set_up_server(strict_bot)
    await open_event(strict_bot)
    sent = await strict_bot.send(upload(strict_bot, "annex.pdf", slow_pdf()))
    assert reply_text(sent) == (
        "annex.pdf took more than 1 s of processor time to read, so Podium stopped reading it. "
        "Export it again (or as plain text) and upload that."
    )
    assert await strict_bot.db.read(lambda s: s.exec(select(Report)).all()) == []


async def test_a_pdf_that_needs_too_much_memory_to_read_is_refused_with_the_reason(db):
    bomb = inflating_pdf()
    assert len(bomb) < 100_000
    async with DiscordHarness(db, report_read_memory_mb=256) as lean_bot:
        await set_up_server(lean_bot)
        await open_event(lean_bot)
        sent = await lean_bot.send(upload(lean_bot, "annex.pdf", bomb))
        assert reply_text(sent) == (
            "annex.pdf needs more than 256 MB of memory to read, so Podium did not read it. "
            "Export it again (or as plain text) and upload that."
        )
        assert await lean_bot.db.read(lambda s: s.exec(select(Report)).all()) == []


async def test_members_asking_while_reports_are_read_are_answered_first(strict_bot):
    await set_up_server(strict_bot)
    await open_event(strict_bot)
    mark = strict_bot.fake.mark()
    for n in range(2):
        strict_bot.deliver(upload(strict_bot, f"annex{n}.pdf", slow_pdf()))
    asks = [slash(audience(n), "ask", text=f"Distinct topic q{n}x{n * 7919}?") for n in range(6)]
    for payload in asks:
        strict_bot.deliver(payload)
    await strict_bot.settle()
    answers = [r for r in strict_bot.fake.since(mark) if r.method in ("POST", "PATCH") and "/webhooks/" in r.path]
    said = [(r.json or {}).get("content") or "" for r in answers]
    thanks = [i for i, text in enumerate(said) if text.startswith("Thanks! Question #")]
    refusals = [i for i, text in enumerate(said) if "took more than 1 s of processor time to read" in text]
    assert len(thanks) == 6
    assert len(refusals) == 2
    # Every member was answered while the reports were still being read, not after.
    assert max(thanks) < min(refusals)


async def test_a_third_report_at_once_is_told_to_wait(strict_bot):
    await set_up_server(strict_bot)
    await open_event(strict_bot)
    mark = strict_bot.fake.mark()
    for n in range(3):
        strict_bot.deliver(upload(strict_bot, f"annex{n}.pdf", slow_pdf()))
    await strict_bot.settle()
    said = reply_text(strict_bot.fake.since(mark))
    assert said.count("Podium is already reading other reports; please try again in a minute.") == 1
    assert said.count("took more than 1 s of processor time to read") == 2
