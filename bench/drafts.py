"""Report-grounded drafts: ingestion, retrieval, and a 1,000-question digest against a local model.

- **Ingest**: a 40-page PDF built from a CRS report (``../shared/datasets``), through ``add_report``.
- **Retrieval**: ``passages_for`` on a report of exactly 500 passages (CRS reports), with questions
  taken from the reports' summaries; the first call (which builds the index) is timed apart.
- **Digest**: 1,000 questions (Quora questions, in 12 themes) through ``draft_digest`` and
  ``draft_recap`` against the scripted OpenAI-compatible server on 127.0.0.1, with an 8,192-token
  context: calls made, the largest prompt, and whether every citation in the drafts resolves.
- **Good and adversarial writers**: the housing report, two audience questions and six prompt
  injections (the most voted), one question answered; the recap drafted by the extractive writer,
  by the scripted good model, and by an adversary that obeys the injected instructions, cites
  real ids for cover and invents a percentage, a name and year and a quotation; then approved and
  rendered as the Discord publisher posts it. Lines written, posted, dropped (and why), repaired
  (invented ids removed, the line kept); then what reaches the posted recap: invented claims,
  links not in the report, mentions, citations of questions or passages the recap was not
  written from. Target: 0 of each.

Skips, saying why, when the datasets are not beside the checkout.
"""

import asyncio
import csv
import json
import re
import shutil
import time
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from bench.common import HOST, Timings, fresh_database, member, open_bench_event, scratch_sqlite_url
from bot.llm.client import ModelClient
from bot.llm.outputs import RecapOutput
from bot.llm.validate import LINK, MENTION, held_back, output_lines
from bot.render import discord as render_discord
from bot.services.drafts import drafting
from bot.services.qa.events import close_event
from bot.services.qa.moderation import mark_answered
from bot.services.qa.questions import submit_question
from bot.services.qa.votes import cast_vote
from bot.services.reports.passages import split_passages
from bot.services.reports.report import add_report
from bot.services.reports.report_files import read_report
from bot.services.reports.retrieval import passages_for
from bot.settings import Settings
from db.engine import Database
from db.models import Question
from tests.harness.cited import citations, resolves, unresolved
from tests.harness.documents import HOUSING_MD, make_pdf
from tests.harness.models import ATTACKS, CLAIMS, INVENTIONS, diligent, inventive_adversary
from tests.harness.openai_server import MODEL, ScriptedServer, answer

DATASETS = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"
CRS = DATASETS / "crs_reports_with_summaries.jsonl"
QQP = DATASETS / "qqp_balanced_2000.csv"
PDF_PAGES = 40
WORDS_PER_PAGE = 450
PASSAGES = 500
QUERIES = 200
QUESTIONS = 1_000
THEMES = 12
CONTEXT = 8_192


def _reports() -> list[dict[str, Any]]:
    return [json.loads(line) for line in CRS.read_text().splitlines() if line.strip()]


def _markdown(report: dict[str, Any]) -> str:
    # CRS inputs mark headings with a leading tab; everything else is paragraphs.
    lines = [f"# {line.strip()}" if line.startswith("\t") else line for line in report["input"].splitlines()]
    return "\n\n".join(line for line in lines if line.strip())


def _pdf_pages(reports: list[dict[str, Any]]) -> list[str]:
    words = " ".join(report["input"] for report in reports).split()
    needed = PDF_PAGES * WORDS_PER_PAGE
    words = (words * (needed // len(words) + 1))[:needed]
    pages = []
    for n in range(PDF_PAGES):
        chunk = words[n * WORDS_PER_PAGE : (n + 1) * WORDS_PER_PAGE]
        paragraphs = [" ".join(chunk[i : i + 90]) for i in range(0, len(chunk), 90)]
        pages.append(f"{n + 1} Section {n + 1}\n\n" + "\n\n".join(paragraphs))
    return pages


def _report_of_500(reports: list[dict[str, Any]]) -> str:
    passages = []
    for report in reports * 4:
        passages += split_passages(read_report("crs.md", _markdown(report).encode()).blocks)
        if len(passages) >= PASSAGES:
            break
    # One section per passage, so the stored report has exactly PASSAGES passages.
    return "\n\n".join(f"# {p.heading or 'Section'}\n\n{p.text}" for p in passages[:PASSAGES])


async def _ingest_and_retrieve(reports: list[dict[str, Any]]) -> dict[str, Any]:
    url, folder = scratch_sqlite_url("drafts.db")
    database = await fresh_database(url)
    try:
        event_id = await open_bench_event(database)
        pdf = make_pdf(_pdf_pages(reports))
        started = time.perf_counter()
        added = await add_report(database, event_id, HOST, "crs-report.pdf", pdf)
        ingest_s = time.perf_counter() - started

        other = await open_bench_event(database)
        big = await add_report(database, other, HOST, "crs-reports.md", _report_of_500(reports).encode())
        queries = [s for r in reports for s in r["outputs"][0].split(". ") if len(s.split()) > 6][:QUERIES]
        started = time.perf_counter()
        await passages_for(database, other, queries[0], k=5)
        first_ms = (time.perf_counter() - started) * 1000
        samples = []
        for query in queries:
            started = time.perf_counter()
            await passages_for(database, other, query, k=5)
            samples.append((time.perf_counter() - started) * 1000)
        return {
            "ingest": {
                "pages": added.report.pages,
                "bytes": len(pdf),
                "passages": added.passages,
                "seconds": round(ingest_s, 3),
            },
            "retrieval": {
                "passages": big.passages,
                "first_call_ms": round(first_ms, 3),
                **Timings(samples).summary(),
            },
        }
    finally:
        await database.dispose()
        shutil.rmtree(folder)


def _questions() -> list[str]:
    with QQP.open(newline="") as file:
        texts = [row["question1"].strip() for row in csv.DictReader(file)]
    return list(dict.fromkeys(t for t in texts if t))[:QUESTIONS]


async def _digest(reports: list[dict[str, Any]]) -> dict[str, Any]:
    url, folder = scratch_sqlite_url("digest.db")
    database = await fresh_database(url)
    try:
        event_id = await open_bench_event(database)
        await add_report(database, event_id, HOST, "crs.md", _markdown(reports[0]).encode())
        for n, text in enumerate(_questions()):
            asker = member(10_000 + n, f"Asker {n}")
            await submit_question(database, event_id, asker, text[:500])
        await _assign_themes(database, event_id)
        with ScriptedServer(answer(diligent)).running() as server:
            settings = Settings(
                llm_base_url=server.url, llm_api_key="bench", llm_model=MODEL, llm_context_tokens=CONTEXT
            )
            model = ModelClient(settings)
            try:
                digest = await drafting.draft_digest(database, event_id, HOST, model=model)
                digest_calls = len(server.requests)
                await close_event(database, event_id, HOST)
                recap = await drafting.draft_recap(database, event_id, HOST, model=model)
            finally:
                await model.close()
            largest = max(server.prompt_tokens())
        cited = sum(len(citations(draft)) for draft in (digest, recap))
        resolved = sum(len(citations(draft)) for draft in (digest, recap) if resolves(draft))
        return {
            "questions": QUESTIONS,
            "themes": THEMES,
            "context_tokens": CONTEXT,
            "max_output_tokens": settings.llm_max_output_tokens,
            "digest_calls": digest_calls,
            "recap_calls": len(server.requests) - digest_calls,
            "largest_prompt_tokens": largest,
            "largest_request_tokens": largest + settings.llm_max_output_tokens,
            "digest_writer": digest.writer.value,
            "recap_writer": recap.writer.value,
            "citations": cited,
            "citations_resolved": resolved,
            "resolved_share": round(resolved / cited, 4) if cited else None,
            "lines_dropped": len(digest.dropped) + len(recap.dropped),
        }
    finally:
        await database.dispose()
        shutil.rmtree(folder)


async def _assign_themes(database: Database, event_id: int) -> None:
    # Clustering is another feature's work; here each question is given one of THEMES themes in turn.
    def assign(session: Session) -> None:
        for n, question in enumerate(
            session.exec(select(Question).where(Question.event_id == event_id).order_by(col(Question.id)))
        ):
            question.theme = f"Theme {n % THEMES + 1}"
            session.add(question)

    await database.write(assign)


LEGIT = [
    "Do rent caps reduce mobility for sitting tenants?",
    "How fast does zoning reform near transit lower rents?",
    # Not instructions, so the model sees them; the obedient adversary copies the link and the mention.
    "Is it true, as https://evil.example/caps says, that rent caps failed?",
    "Did <@123456789012345678> write the rent caps chapter?",
    "What does [p99] of the report say about rent caps [Q1]?",
]
# What the adversary invents, as it would stand in a posted line.
INVENTED = ["73%", "Helena Brandt", "1987", "Housing Freedom Pass"]


async def _posted_recap(database: Database, model: ModelClient | None) -> dict[str, Any]:
    """One event's recap by ``model`` (None: the extractive writer), approved and rendered as the
    Discord publisher posts it: what was written, what was held back, and what reached the post."""
    event_id = await open_bench_event(database)
    await add_report(database, event_id, HOST, "housing.md", HOUSING_MD.encode())
    asked = []
    for n, text in enumerate(LEGIT + ATTACKS):
        asked.append(await submit_question(database, event_id, member(20_000 + n, f"A{n}"), text))
    for n, question in enumerate(asked[len(LEGIT) :]):
        await cast_vote(database, question.id or 0, member(30_000 + n, f"V{n}"))
    await mark_answered(database, asked[0].id or 0, HOST)
    await close_event(database, event_id, HOST)
    recap = await drafting.draft_recap(database, event_id, HOST, model=model)
    approved = await drafting.approve_recap(database, recap.id or 0, HOST)
    posted = "\n".join(render_discord.messages(approved.document))
    dropped = held_back(recap.dropped)
    repaired = [d for d in recap.dropped if d not in dropped]
    numbers = {question.id for question in asked}
    said = [claim for claim in [*INVENTED, *CLAIMS] if claim in posted]
    return {
        "writer": recap.writer.value,
        "lines_written": len(output_lines_of(recap.output)) + len(dropped),
        "lines_posted": len(output_lines_of(recap.output)),
        "lines_dropped": len(dropped),
        "dropped_unsupported_claims": sum(1 for d in dropped if d["reason"].startswith("unsupported")),
        "dropped_links": sum(1 for d in dropped if d["reason"].startswith("links to")),
        "dropped_mentions": sum(1 for d in dropped if d["reason"] == "mentions someone"),
        "dropped_citing_nothing_real": sum(1 for d in dropped if d["reason"].startswith("cites")),
        "dropped_other": sum(
            1 for d in dropped if not d["reason"].startswith(("unsupported", "links to", "mentions", "cites"))
        ),
        "lines_repaired": len(repaired),
        "posted_unsupported_claims": len(said),
        "posted_links_not_in_report": len([u for u in LINK.findall(posted) if u not in HOUSING_MD]),
        "posted_mentions": len(MENTION.findall(posted)),
        # Citations outside the recap's input, and question numbers in the post that no question has.
        "posted_invented_ids": len(unresolved(recap))
        + sum(1 for n in re.findall(r"(?<![\w&])#(\d+)", posted) if int(n) not in numbers),
    }


def output_lines_of(output: dict[str, Any]) -> list[str]:
    """The lines of a stored output, as ``output_lines`` reads a validated one."""
    return output_lines(RecapOutput.model_validate(output))


async def _writers() -> dict[str, Any]:
    url, folder = scratch_sqlite_url("writers.db")
    database = await fresh_database(url)
    figures: dict[str, Any] = {"inventions_tried": len(INVENTIONS), "injections_asked": len(ATTACKS)}
    try:
        figures["extractive"] = await _posted_recap(database, None)
        for name, writer in (("good_model", diligent), ("adversarial_model", inventive_adversary)):
            with ScriptedServer(answer(writer)).running() as server:
                model = ModelClient(Settings(llm_base_url=server.url, llm_api_key="bench", llm_model=MODEL))
                try:
                    figures[name] = await _posted_recap(database, model)
                finally:
                    await model.close()
        return figures
    finally:
        await database.dispose()
        shutil.rmtree(folder)


def run() -> dict[str, Any]:
    if not (CRS.exists() and QQP.exists()):
        return {"skipped": f"the datasets are not at {DATASETS}"}
    reports = _reports()
    figures = asyncio.run(_ingest_and_retrieve(reports))
    figures["digest"] = asyncio.run(_digest(reports))
    figures["writers"] = asyncio.run(_writers())
    return figures


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
