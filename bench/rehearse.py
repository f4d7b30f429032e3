"""A 100,000-line rehearsal on a SQLite file: the replay rate of ``podium rehearse``.

The script is made up here, deterministically: a two-hour event where, for every 100,000 lines,
2,500 members ask 3,000 questions (from templates of topics, places and phrasings, so repeats and
themes occur as they do in real events), 20,000 members cast votes and take a few back, askers
withdraw a few questions, and two moderators work the queue: the next question live every minute
or so, merges, dismissals, pins and edits. The mix is the same at every size (a script ten times
longer has ten times the questions, askers, voters and moderators' actions in the same two
hours), so the cost of a line at two sizes compares like with like. It goes through the same path
as the command: ``read_script``, ``rehearse`` (every line through the services, themes refreshed
each minute of event time), ``write_outputs``.
"""

import asyncio
import bisect
import itertools
import json
import random
import shutil
import time
from datetime import UTC, datetime
from typing import Any

from bench.common import cpu_stolen, fresh_database, scratch_sqlite_url
from bot.flows.context import similarity_index
from bot.rehearsal.outputs import write_outputs
from bot.rehearsal.replay import rehearse
from bot.rehearsal.script import read_plan, read_script
from bot.settings import Settings
from tests.harness.documents import HOUSING_MD

LINES = 100_000
# The cost of a line at three sizes, each with the same mix of lines.
SIZES = (10_000, 100_000, 1_000_000)
# For every LINES lines: questions, askers, voters, the next question taken live (one a minute
# at LINES), and moderators' other actions and askers' withdrawals (about 8 a minute at LINES).
QUESTIONS = 3_000
ASKERS = 2_500
VOTERS = 20_000
NEXTS = 118
MODERATIONS = 944
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
    """A script of exactly ``lines`` lines, the same for the same seed, in the mix of every size."""
    rng = random.Random(seed)
    questions, askers, voters = (max(1, round(count * lines / LINES)) for count in (QUESTIONS, ASKERS, VOTERS))
    ask_at = sorted(rng.uniform(0, EVENT_S * 0.85) for _ in range(questions))
    actions: list[tuple[float, dict[str, Any]]] = []
    for n, t in enumerate(ask_at):
        topic = f"{rng.choice(TOPICS)} {rng.choice(PLACES)}"
        text = rng.choice(PHRASINGS).format(topic=topic)
        actions.append((t, {"action": "ask", "user": f"u{rng.randrange(askers)}", "text": text, "ref": f"q{n}"}))
    popularity = [rng.paretovariate(1.2) for _ in range(questions)]
    # Summed once: choices() would sum the weights again for every vote (the same draws either way).
    cumulative = list(itertools.accumulate(popularity))
    nexts, moderations = (round(count * lines / LINES) for count in (NEXTS, MODERATIONS))
    moderation = _moderation(rng, ask_at, nexts, moderations, askers)
    votes = lines - len(actions) - len(moderation)
    for _ in range(votes):
        n = rng.choices(range(questions), cum_weights=cumulative)[0]
        t = min(EVENT_S, ask_at[n] + rng.expovariate(1 / 600))
        voter = f"v{rng.randrange(voters)}"
        action = "unvote" if rng.random() < 0.02 else "vote"
        actions.append((t, {"action": action, "user": voter, "q": f"q{n}"}))
    actions += moderation
    actions.sort(key=lambda action: action[0])
    return [json.dumps({"t": round(t, 2), **fields}) for t, fields in actions]


def _moderation(
    rng: random.Random, ask_at: list[float], nexts: int, count: int, askers: int
) -> list[tuple[float, dict[str, Any]]]:
    """``nexts`` times the next question live, evenly from the second minute, and ``count`` other
    moderators' actions (and askers' withdrawals) spread over that time, each on a question asked
    before it."""
    first, last = 120.0, EVENT_S - 60.0
    step = (last - first) / max(1, nexts)
    actions: list[tuple[float, dict[str, Any]]] = [
        (first + n * step, {"action": "next", "moderator": "m1"}) for n in range(nexts)
    ]
    for _ in range(count):
        at = rng.uniform(first, last)
        n = rng.randrange(max(1, bisect.bisect_left(ask_at, at)))
        kind = rng.choice(("merge", "dismiss", "pin", "edit", "withdraw", "approve"))
        if kind == "merge" and n > 0:
            actions.append((at, {"action": "merge", "moderator": "m2", "q": f"q{n}", "into": f"q{n - 1}"}))
        elif kind == "dismiss":
            actions.append((at, {"action": "dismiss", "moderator": "m2", "q": f"q{n}", "reason": "off_topic"}))
        elif kind == "withdraw":
            actions.append((at, {"action": "withdraw", "user": f"u{rng.randrange(askers)}", "q": f"q{n}"}))
        elif kind == "edit":
            actions.append((at, {"action": "edit", "moderator": "m2", "q": f"q{n}", "text": "Edited: a question"}))
        elif kind != "merge":
            actions.append((at, {"action": kind, "moderator": "m1", "q": f"q{n}"}))
    return actions


async def measure(lines: int) -> dict[str, Any]:
    url, folder = scratch_sqlite_url("rehearse.db")
    script_path = folder / "script.jsonl"
    script_path.write_text("\n".join(make_script(lines)) + "\n")
    # As `podium rehearse` opens its own database: scratch, commits not waiting for the disk.
    database = await fresh_database(url, scratch=True)
    settings = Settings(_env_file=None)
    stolen = cpu_stolen()
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
            "replay_s": round(result.replay_s, 2),
            "lines_per_s": round(result.lines_per_s, 1),
            "theme_refreshes": result.theme_refreshes,
            "themes_s": round(result.themes_s, 2),
            "seconds_by_action": {action: round(seconds, 2) for action, seconds in sorted(result.action_s.items())},
            "drafts_s": round(result.drafts_s, 2),
            "outputs_s": round(outputs_s, 2),
            "refused": len(result.refused),
            "accepted": dict(sorted(result.done.items())),
            "questions": export.ledger.received,
            "answered": export.ledger.answered,
            "cpu_stolen_pct": stolen(),
        }
    finally:
        await database.dispose()
        shutil.rmtree(folder)


def run(sizes: tuple[int, ...] = SIZES) -> dict[str, Any]:
    """The headline size's figures, and how the cost of a line grows with the script."""
    by_size = {lines: asyncio.run(measure(lines)) for lines in sizes}
    results = dict(by_size.get(LINES) or by_size[sizes[-1]])
    results["growth"] = {
        f"{lines:,}": {
            "replay_s": figures["replay_s"],
            "lines_per_s": figures["lines_per_s"],
            "us_per_line": round(figures["replay_s"] / lines * 1e6, 1),
            "themes_s": figures["themes_s"],
            "us_per_line_besides_themes": round((figures["replay_s"] - figures["themes_s"]) / lines * 1e6, 1),
            "cpu_stolen_pct": figures["cpu_stolen_pct"],
        }
        for lines, figures in by_size.items()
    }
    return results


if __name__ == "__main__":
    import sys

    print(run(tuple(int(size) for size in sys.argv[1:]) or SIZES))
