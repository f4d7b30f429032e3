"""A 100,000-line rehearsal on a SQLite file: the replay rate of ``podium rehearse``.

The script is made up here, deterministically: a two-hour event where 2,500 members ask 3,000
questions (from templates of topics, places and phrasings, so repeats and themes occur as they
do in real events), 20,000 members cast votes and take a few back, askers withdraw a few questions, and two
moderators work the queue: the next question live every minute or so, merges, dismissals, pins
and edits. It goes through the same path as the command: ``read_script``, ``rehearse`` (every
line through the services, themes refreshed each minute of event time), ``write_outputs``.
"""

import asyncio
import json
import random
import shutil
import time
from datetime import UTC, datetime
from typing import Any

from bench.common import fresh_database, scratch_sqlite_url
from bot.flows.context import similarity_index
from bot.rehearsal.outputs import write_outputs
from bot.rehearsal.replay import rehearse
from bot.rehearsal.script import read_plan, read_script
from bot.settings import Settings
from tests.harness.documents import HOUSING_MD

LINES = 100_000
QUESTIONS = 3_000
ASKERS = 2_500
VOTERS = 20_000
EVENT_S = 7_200
SEED = 7
START = datetime(2025, 6, 12, 17, 0, tzinfo=UTC)

TOPICS = [
    "rent caps",
    "zoning reform near transit",
    "social housing waiting lists",
    "student housing",
    "short-term lets",
    "empty homes tax",
    "first-time buyers",
    "mortgage rates",
    "housing benefit",
    "homelessness services",
    "building safety after Grenfell",
    "planning permission delays",
    "green belt development",
    "modular construction",
    "energy efficiency retrofits",
    "bus lanes",
    "rail investment",
    "cycling infrastructure",
    "council tax reform",
    "land value capture",
    "leasehold reform",
    "tenant evictions",
    "landlord licensing",
    "build to rent",
    "affordable housing targets",
    "construction workforce shortages",
    "brownfield sites",
    "rural housing",
    "housing for older people",
    "community land trusts",
]
PLACES = [
    "in Leeds",
    "in rural Wales",
    "for families with children",
    "for young renters",
    "in London",
    "for pensioners",
    "in coastal towns",
    "for key workers",
    "in Glasgow",
    "for disabled tenants",
    "in new towns",
    "for students",
    "in Belfast",
    "for self-employed people",
    "in the Midlands",
    "for care leavers",
]
PHRASINGS = [
    "What does the report recommend on {topic}?",
    "How would {topic} change rents in the next five years?",
    "Why does the report say so little about {topic}?",
    "Who pays for {topic}, and is that fair?",
    "Is there evidence from other cities that {topic} works?",
    "Should the government act on {topic} before the next election?",
    "How will {topic} affect people on low incomes?",
    "What would you do first about {topic}?",
    "Has {topic} been tried before, and what happened?",
    "Can councils deliver {topic} without new money?",
]


def make_script(lines: int = LINES, seed: int = SEED) -> list[str]:
    """A script of exactly ``lines`` lines, the same for the same seed."""
    rng = random.Random(seed)
    ask_at = sorted(rng.uniform(0, EVENT_S * 0.85) for _ in range(QUESTIONS))
    actions: list[tuple[float, dict[str, Any]]] = []
    for n, t in enumerate(ask_at):
        topic = f"{rng.choice(TOPICS)} {rng.choice(PLACES)}"
        text = rng.choice(PHRASINGS).format(topic=topic)
        actions.append((t, {"action": "ask", "user": f"u{rng.randrange(ASKERS)}", "text": text, "ref": f"q{n}"}))
    popularity = [rng.paretovariate(1.2) for _ in range(QUESTIONS)]
    moderation = _moderation(rng, ask_at)
    votes = lines - len(actions) - len(moderation)
    for _ in range(votes):
        n = rng.choices(range(QUESTIONS), popularity)[0]
        t = min(EVENT_S, ask_at[n] + rng.expovariate(1 / 600))
        voter = f"v{rng.randrange(VOTERS)}"
        action = "unvote" if rng.random() < 0.02 else "vote"
        actions.append((t, {"action": action, "user": voter, "q": f"q{n}"}))
    actions += moderation
    actions.sort(key=lambda action: action[0])
    return [json.dumps({"t": round(t, 2), **fields}) for t, fields in actions]


def _moderation(rng: random.Random, ask_at: list[float]) -> list[tuple[float, dict[str, Any]]]:
    actions: list[tuple[float, dict[str, Any]]] = []

    def asked_before(t: float) -> int:
        return max(1, sum(1 for at in ask_at if at < t))

    for minute in range(2, EVENT_S // 60):
        t = minute * 60.0
        actions.append((t, {"action": "next", "moderator": "m1"}))
        for _ in range(8):
            at = t + rng.uniform(1, 59)
            n = rng.randrange(asked_before(at))
            kind = rng.choice(("merge", "dismiss", "pin", "edit", "withdraw", "approve"))
            if kind == "merge" and n > 0:
                actions.append((at, {"action": "merge", "moderator": "m2", "q": f"q{n}", "into": f"q{n - 1}"}))
            elif kind == "dismiss":
                actions.append((at, {"action": "dismiss", "moderator": "m2", "q": f"q{n}", "reason": "off_topic"}))
            elif kind == "withdraw":
                actions.append((at, {"action": "withdraw", "user": f"u{rng.randrange(ASKERS)}", "q": f"q{n}"}))
            elif kind == "edit":
                actions.append((at, {"action": "edit", "moderator": "m2", "q": f"q{n}", "text": "Edited: a question"}))
            else:
                actions.append((at, {"action": kind, "moderator": "m1", "q": f"q{n}"}))
    return actions


async def measure(lines: int) -> dict[str, Any]:
    url, folder = scratch_sqlite_url("rehearse.db")
    script_path = folder / "script.jsonl"
    script_path.write_text("\n".join(make_script(lines)) + "\n")
    database = await fresh_database(url)
    settings = Settings(_env_file=None)
    try:
        started = time.perf_counter()
        script = read_script(script_path)
        parse_s = time.perf_counter() - started
        plan = read_plan(None, default_start=START)
        result = await rehearse(
            database,
            script,
            plan,
            report_name="housing.md",
            report=HOUSING_MD.encode(),
            similar=similarity_index(settings),
        )
        started = time.perf_counter()
        export = await write_outputs(database, result, folder / "out")
        outputs_s = time.perf_counter() - started
        return {
            "lines": result.lines,
            "read_s": round(parse_s, 2),
            "replay_s": round(result.replay_s, 1),
            "lines_per_s": round(result.lines_per_s, 1),
            "theme_refreshes": result.theme_refreshes,
            "themes_s": round(result.themes_s, 1),
            "drafts_s": round(result.drafts_s, 2),
            "outputs_s": round(outputs_s, 2),
            "refused": len(result.refused),
            "accepted": dict(sorted(result.done.items())),
            "questions": export.ledger.received,
            "answered": export.ledger.answered,
        }
    finally:
        await database.dispose()
        shutil.rmtree(folder)


def run(lines: int = LINES) -> dict[str, Any]:
    return asyncio.run(measure(lines))


if __name__ == "__main__":
    import sys

    print(run(int(sys.argv[1]) if len(sys.argv) > 1 else LINES))
