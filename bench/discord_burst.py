"""A burst through the real bot: 1,000 members ask 1,000 questions and cast 10,000 votes.

Every interaction is a raw Discord payload fed into discord.py's own dispatch (the harness in
tests/harness), answered over real HTTP to a local fake Discord. Measured: the time from a
payload's arrival to the bot's first response to it (reply or defer), for asks and votes; the
longest stall of the event loop (a 10 ms ticker's worst lateness); the card edits the burst
caused (coalesced to one per card per ``CARD_EDIT_INTERVAL_S``).
"""

import asyncio
import random
import shutil
import statistics
import time
from collections import Counter
from typing import Any

from bench.common import scratch_sqlite_url
from db.engine import Database
from tests.harness.driver import DiscordHarness
from tests.harness.fake_discord import RemoteFakeDiscord
from tests.harness.payloads import HOST, audience, click, slash

MEMBERS = 1_000
QUESTIONS = 1_000
VOTES = 10_000
SPREAD_S = 60.0  # the burst's "minute"


async def _loop_lag(stop: asyncio.Event, worst: list[float]) -> None:
    while not stop.is_set():
        started = time.monotonic()
        await asyncio.sleep(0.01)
        worst[0] = max(worst[0], time.monotonic() - started - 0.01)


def _percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


async def burst(url: str, *, card_edit_interval_s: float = 2.0) -> dict[str, Any]:
    rng = random.Random(7)
    fake = RemoteFakeDiscord()
    async with DiscordHarness(Database(url), card_edit_interval_s=card_edit_interval_s, fake=fake) as bot:
        await bot.send(slash(HOST, "event create", title="Burst"))
        await bot.send(slash(HOST, "event settings", event=1, questions_per_window=5))
        await bot.send(slash(HOST, "event open", event=1))
        mark = bot.fake.mark()
        sent_at: dict[str, tuple[str, float]] = {}
        stop, worst = asyncio.Event(), [0.0]
        ticker = asyncio.create_task(_loop_lag(stop, worst))

        def deliver(payload: dict[str, Any], kind: str) -> None:
            sent_at[payload["id"]] = (kind, time.monotonic())
            bot.bot._connection.parse_interaction_create(payload)

        started = time.monotonic()
        ask_span = SPREAD_S * 0.3
        for n in range(QUESTIONS):
            await asyncio.sleep(max(0.0, started + ask_span * n / QUESTIONS - time.monotonic()))
            deliver(
                slash(audience(n % MEMBERS), "ask", text=f"Question {n}: what does the report say about {n}?"), "ask"
            )
        await bot.settle(ignoring=(ticker,))
        cards = _cards(fake.messages)
        weights = [1 / (rank + 1) for rank in range(len(cards))]
        votes_start = time.monotonic()
        for n in range(VOTES):
            await asyncio.sleep(max(0.0, votes_start + (SPREAD_S - ask_span) * n / VOTES - time.monotonic()))
            qid, card = rng.choices(cards, weights)[0]
            voter = audience(rng.randrange(MEMBERS))
            deliver(click(voter, card, f"podium:vote:{qid}:up"), "vote")
        await bot.settle(ignoring=(ticker,))
        stop.set()
        await ticker
        requests = bot.fake.since(mark)

    first: dict[str, float] = {}
    for request in requests:
        if request.path.startswith("/interactions/"):
            first.setdefault(request.path.split("/")[2], request.at)
    latency: dict[str, list[float]] = {"ask": [], "vote": []}
    for interaction_id, (kind, at) in sent_at.items():
        latency[kind].append((first[interaction_id] - at) * 1000)
    edits = Counter(r.path for r in requests if r.method == "PATCH" and r.path.startswith("/channels/"))
    return {
        "members": MEMBERS,
        "questions": QUESTIONS,
        "votes": VOTES,
        "spread_s": SPREAD_S,
        "answered": sum(len(v) for v in latency.values()),
        **{
            f"{kind}_first_response_ms": {
                "p50": round(statistics.median(samples), 1),
                "p99": round(_percentile(samples, 0.99), 1),
                "max": round(max(samples), 1),
            }
            for kind, samples in latency.items()
        },
        "longest_loop_stall_ms": round(worst[0] * 1000, 1),
        "card_edits": sum(edits.values()),
        "cards_edited": len(edits),
        "card_edit_interval_s": card_edit_interval_s,
    }


def _cards(messages: dict[int, dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
    found = []
    for message in messages.values():
        title = message["embeds"][0].get("title", "") if message["embeds"] else ""
        if title.startswith("Question #") and int(message["channel_id"]):
            found.append((int(title.removeprefix("Question #")), message))
    return sorted(found)


def run() -> dict[str, Any]:
    url, folder = scratch_sqlite_url("burst.db")
    try:
        return asyncio.run(burst(url))
    finally:
        shutil.rmtree(folder)


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
