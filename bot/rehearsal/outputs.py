"""What a rehearsal leaves in its output folder, for the moderators to read and for other tools.

``questions.csv`` and ``questions.json`` (every question, refs as the script named them, anonymous
askers as ``anonymous``), ``queue.md`` (the queue as ranked at the end, then what was answered
and the rest), ``digest.md`` and ``recap.md`` (the drafts; the recap rendered from the same
document as the Discord post, with the ledger's account), ``ledger.json`` (that summary and
every ledger entry), ``refused.csv`` (the lines the bot refused, and why), ``timeline.png`` and ``themes.png``.
"""

import asyncio
import json
from dataclasses import asdict
from pathlib import Path

from bot.rehearsal.replay import Rehearsal
from bot.render import markdown
from bot.services.records.charts import themes_chart, timeline_chart
from bot.services.records.exports import (
    EventExport,
    csv_text,
    export_event,
    ledger_document,
    ledger_rows,
    to_csv,
    to_json,
    to_markdown,
)
from db.engine import Database

FILES = (
    "questions.csv",
    "questions.json",
    "queue.md",
    "digest.md",
    "recap.md",
    "ledger.json",
    "refused.csv",
    "timeline.png",
    "themes.png",
)


async def write_outputs(db: Database, rehearsal: Rehearsal, out: Path) -> EventExport:
    """Write every file of ``FILES`` into ``out`` (created if needed); returns the export they hold."""
    export = await export_event(db, rehearsal.event_id, refs=rehearsal.refs)
    ledger = await ledger_rows(db, rehearsal.event_id, refs=rehearsal.refs)
    timeline, themes = await timeline_chart(db, rehearsal.event_id), await themes_chart(db, rehearsal.event_id)
    texts = {
        "questions.csv": to_csv(export),
        "questions.json": to_json(export),
        "queue.md": to_markdown(export),
        "digest.md": rehearsal.digest.text + "\n",
        "recap.md": markdown.render(rehearsal.recap.document) + "\n",
        "ledger.json": json.dumps(
            {"summary": ledger_document(export.ledger), "entries": [asdict(row) for row in ledger]},
            indent=2,
            ensure_ascii=False,
        )
        + "\n",
        "refused.csv": _refused_csv(rehearsal),
    }
    images = {"timeline.png": timeline, "themes.png": themes}

    def write() -> None:
        out.mkdir(parents=True, exist_ok=True)
        for name, text in texts.items():
            (out / name).write_text(text, encoding="utf-8")
        for name, data in images.items():
            (out / name).write_bytes(data)

    await asyncio.to_thread(write)
    return export


def _refused_csv(rehearsal: Rehearsal) -> str:
    return csv_text(("line", "reason"), ((refusal.line, refusal.reason) for refusal in rehearsal.refused))
