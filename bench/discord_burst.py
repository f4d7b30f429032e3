"""A burst through the real bot, under Discord's rate limits: 1,000 members ask 1,000 questions and
cast 10,000 votes, once with the board (the default) and once with a card per question.

With the board (``board_burst``), members vote on the board as the last look at it showed it (a
long tail over its ten questions), and a fifth of the votes come from fifty members who opened
Browse; measured besides: public messages per 1,000 questions, board edits, how long after the
last vote the board showed the true top ten (order and counts), and the first response to a
vote on the board and in Browse (an acknowledgement counts: a late vote is acknowledged first)
and when the member saw their vote counted on the message they clicked (the redraw, in the
response or in an edit of it), and how long after a question's publication (its asker's
confirmation) the board counted it (and listed it, when it made the top ten; Browse reads the
database whenever it is opened, turned or voted in). ``python -m bench.discord_burst board`` (or
``cards``) runs one mode on SQLite alone; ``--database URL`` on PostgreSQL instead, ``--load-cpu``
with a process spinning on one CPU beside it, ``--members N`` with N members casting ten votes each.
The board's burst is also run with 5,000 members (50,000 votes in the same minute), to show how it
grows.

Every interaction is a raw Discord payload fed into discord.py's own dispatch (the harness in
tests/harness), answered over real HTTP by the fake Discord in a process of its own, with the
rate limits Discord documents switched on (per-route buckets of 5 requests a second per channel,
the global 50 a second; see tests/harness/fake_discord.py). The asks come over the first 30% of a
"minute", the votes over the rest, once every card is up.

Measured, for a SQLite file and (with ``PODIUM_BENCH_DATABASE_URL``) PostgreSQL, each burst in a
fresh process so that its peak RSS is the bot's own: the time from a payload's arrival to the
bot's first response to it, for asks and votes; the longest stall of the event loop (a 10 ms
ticker's worst lateness); card posts and card edits (PATCH); the requests Discord would have
refused (429); how long the card posts took to drain after the last ask (one channel takes 5 a
second, so 1,000 cards take over three minutes whatever the bot does); how long after the last
vote arrived every card showed the true count; and the process's peak RSS.
"""

import asyncio
import multiprocessing
import os
import random
import re
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from bench.common import cpu_stolen, fresh_database, scratch_sqlite_url
from bot.domain.enums import QuestionStatus
from bot.services.qa.ranking import queue_order
from bot.services.surfaces.board import BOARD_SIZE
from db.models import Question
from tests.harness.driver import DiscordHarness, components, custom_ids, texts
from tests.harness.fake_discord import RateLimits, RemoteFakeDiscord, Request, blank_message
from tests.harness.payloads import HOST, QA_CHANNEL_ID, audience, click, slash

MEMBERS = 1_000
QUESTIONS = 1_000
VOTES_PER_MEMBER = 10
VOTES = MEMBERS * VOTES_PER_MEMBER
# The board's burst again with five times the members (and their votes), to show how it grows.
LARGER_AUDIENCE = 5_000
SPREAD_S = 60.0  # the burst's "minute"
ASK_SHARE = 0.3
ASK_SPAN_S = SPREAD_S * ASK_SHARE  # the asks' part of the minute; the votes take the rest
CONVERGENCE_POLL_S = 0.25


async def _loop_lag(stop: asyncio.Event, worst: list[float]) -> None:
    while not stop.is_set():
        started = time.monotonic()
        await asyncio.sleep(0.01)
        worst[0] = max(worst[0], time.monotonic() - started - 0.01)


def _answered(mode: str, latency: dict[str, list[float]], stall_s: float, *, members: int = MEMBERS) -> dict[str, Any]:
    """What both modes report first: the burst's shape, each kind of click's first response
    (p50, p99, max, in ms) and the event loop's longest stall."""
    return {
        "mode": mode,
        "members": members,
        "questions": QUESTIONS,
        "votes": members * VOTES_PER_MEMBER,
        "spread_s": SPREAD_S,
        "answered": sum(len(v) for v in latency.values()),
        **{
            f"{kind.replace(' ', '_')}_first_response_ms": _spread(samples)
            for kind, samples in latency.items()
            if samples
        },
        "longest_loop_stall_ms": round(stall_s * 1000, 1),
    }


def _spread(samples: list[float]) -> dict[str, float]:
    """p50, p99 and max of figures in ms."""
    return {
        "p50": round(statistics.median(samples), 1),
        "p99": round(_percentile(samples, 0.99), 1),
        "max": round(max(samples), 1),
    }


def _percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def _shown_counts(fake: RemoteFakeDiscord) -> dict[int, int]:
    """Each card's upvote count as the channel shows it now."""
    shown = {}
    for message in fake.messages_in(QA_CHANNEL_ID).values():
        title = message["embeds"][0].get("title", "") if message["embeds"] else ""
        if title.startswith("Question #"):
            label = message["components"][0]["components"][0]["label"]
            shown[int(title.removeprefix("Question #"))] = int(label.removeprefix("▲ "))
    return shown


def _true_counts(session: Session) -> dict[int, int]:
    """Each carded question's upvotes as stored (a question held for review has no card)."""
    carded = sa.select(Question.id, Question.votes_up).where(Question.card_message_id.is_not(None))
    return dict(session.connection().execute(carded).all())


async def _watch_cards(fake: RemoteFakeDiscord, stop: asyncio.Event, seen: list[tuple[float, dict[int, int]]]) -> None:
    """Poll what the cards show (off the loop, as a member's client would see it) until stopped."""
    while not stop.is_set():
        seen.append((time.monotonic(), await asyncio.to_thread(_shown_counts, fake)))
        await asyncio.sleep(CONVERGENCE_POLL_S)


async def _ask_all(deliver: Callable[[dict[str, Any], str], None]) -> float:
    """Deliver the burst's questions, spread evenly over their share of the minute; returns when
    the last one went."""
    started = time.monotonic()
    for n in range(QUESTIONS):
        await asyncio.sleep(max(0.0, started + ASK_SPAN_S * n / QUESTIONS - time.monotonic()))
        deliver(slash(audience(n % MEMBERS), "ask", text=f"Question {n}: what does the report say about {n}?"), "ask")
    return time.monotonic()


async def burst(url: str, *, card_edit_interval_s: float = 2.0) -> dict[str, Any]:
    rng = random.Random(7)
    database = await fresh_database(url)
    fake = RemoteFakeDiscord(rate_limits=RateLimits())
    wall_started = time.monotonic()
    async with DiscordHarness(
        database, card_edit_interval_s=card_edit_interval_s, question_cards=True, fake=fake
    ) as bot:
        await bot.send(slash(HOST, "event create", title="Burst"))
        await bot.send(slash(HOST, "event settings", event=1, questions_per_window=5))
        await bot.send(slash(HOST, "event open", event=1))
        mark = bot.fake.mark()
        sent_at: dict[str, tuple[str, float]] = {}
        stop, worst = asyncio.Event(), [0.0]
        ticker = asyncio.create_task(_loop_lag(stop, worst))

        def deliver(payload: dict[str, Any], kind: str) -> None:
            sent_at[payload["id"]] = (kind, time.monotonic())
            bot.deliver(payload)

        last_ask = await _ask_all(deliver)
        await bot.settle(ignoring=(ticker,))
        cards = sorted(_cards(fake))
        weights = [1 / (rank + 1) for rank in range(len(cards))]
        fake.longest_stall_ms(reset=True)
        votes_start = time.monotonic()
        for n in range(VOTES):
            await asyncio.sleep(max(0.0, votes_start + (SPREAD_S - ASK_SPAN_S) * n / VOTES - time.monotonic()))
            qid, card = rng.choices(cards, weights)[0]
            voter = audience(rng.randrange(MEMBERS))
            deliver(click(voter, card, f"podium:vote:{qid}:up"), "vote")
        last_vote = time.monotonic()
        watch_stop, seen = asyncio.Event(), []
        watcher = asyncio.create_task(_watch_cards(fake, watch_stop, seen))
        await bot.settle(ignoring=(ticker, watcher))
        truth = await database.read(_true_counts)
        # Keep watching a little past the last edit, so a card that changes late is caught.
        await asyncio.sleep(2 * CONVERGENCE_POLL_S)
        watch_stop.set()
        stop.set()
        await asyncio.gather(ticker, watcher)
        # One last look once everything has settled, however long a look takes.
        seen.append((time.monotonic(), await asyncio.to_thread(_shown_counts, fake)))
        final = seen[-1][1]
        wall_s = time.monotonic() - wall_started
        peak_rss_mb = _peak_rss_mb()
        requests = bot.fake.since(mark, bodies=False)

    first: dict[str, float] = {}
    for request in requests:
        if request.path.startswith("/interactions/"):
            first.setdefault(request.path.split("/")[2], request.at)
    latency: dict[str, list[float]] = {"ask": [], "vote": []}
    for interaction_id, (kind, at) in sent_at.items():
        latency[kind].append((first[interaction_id] - at) * 1000)
    channel = f"/channels/{QA_CHANNEL_ID}/messages"
    posts = [r for r in requests if r.method == "POST" and r.path == channel and r.status == 200]
    edits = [r for r in requests if r.method == "PATCH" and r.path.startswith(channel) and r.status == 200]
    return {
        **_answered("a card per question", latency, worst[0]),
        "card_posts": len(posts),
        "card_edits": len(edits),
        "cards_edited": len({r.path for r in edits}),
        "card_edit_interval_s": card_edit_interval_s,
        "refused_429": sum(r.status == 429 for r in requests),
        "card_backlog_drained_s": round(max(r.at for r in posts) - last_ask, 1),
        "convergence_s": _convergence(seen, truth, last_vote),
        "cards_wrong_at_end": sum(final.get(qid) != count for qid, count in truth.items()),
        "convergence_looks": len(seen),
        "peak_rss_mb": round(peak_rss_mb, 1),
        "sentence_transformers_imported": "sentence_transformers" in sys.modules,
        "wall_s": round(wall_s, 1),
    }


def _convergence(seen: list[tuple[float, dict[int, int]]], truth: dict[int, int], last_vote: float) -> float | None:
    """Seconds from the last vote's delivery to the first look from which every card showed its
    true count for good; None if the last look still differed. The cards are those ``truth`` holds
    (their message ids stored): a card posted while the database failed to store its id is not
    among them, and comparing the whole channel held it against every look (None, in runs whose
    asks met database trouble)."""
    converged_at = None
    for at, shown in seen:
        true = all(shown.get(qid) == count for qid, count in truth.items())
        converged_at = (converged_at or at) if true else None
    return None if converged_at is None else round(max(0.0, converged_at - last_vote), 2)


def _peak_rss_mb() -> float:
    """This process's own peak resident memory. Not ``ru_maxrss``: Linux carries it across
    ``execve``, so a child started by a large parent would report the parent's peak."""
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"^VmHWM:\s+(\d+) kB", status, re.M).group(1)) / 1024


def _cards(fake: RemoteFakeDiscord) -> list[tuple[int, dict[str, Any]]]:
    found = []
    for message in fake.messages_in(QA_CHANNEL_ID).values():
        title = message["embeds"][0].get("title", "") if message["embeds"] else ""
        if title.startswith("Question #"):
            found.append((int(title.removeprefix("Question #")), message))
    return found


BROWSING_MEMBERS = 50
BROWSE_VOTE_SHARE = 0.2
EPHEMERAL_IDS = 1_000_000_000_000_000_000


def _board(fake: RemoteFakeDiscord) -> dict[str, Any]:
    [board] = [m for m in fake.messages_in(QA_CHANNEL_ID).values() if "podium:browse:1" in custom_ids(m)]
    return board


def _board_shows(board: dict[str, Any]) -> list[tuple[int, int]]:
    """The questions on the board, in order, with the count each shows."""
    return [
        (int(c["custom_id"].rsplit(":", 1)[1]), int(c["label"].removeprefix("▲ ")))
        for c in components(board)
        if c.get("custom_id", "").startswith("podium:board:")
    ]


def _board_waiting(board: dict[str, Any]) -> int:
    """How many questions the board says are waiting (its footer: "Top 10 of 734 waiting")."""
    found = re.search(r"Top \d+ of (\d+) waiting", texts(board))
    return int(found[1]) if found else 0


# A look at the board: when, the questions it showed with their counts, how many it said wait.
Look = tuple[float, tuple[tuple[int, int], ...], int]


def _look_at_board(fake: RemoteFakeDiscord) -> tuple[dict[str, Any], tuple[tuple[int, int], ...], int]:
    """The board as a member's client sees it now, and what the figures read of it."""
    board = _board(fake)
    return board, tuple(_board_shows(board)), _board_waiting(board)


def _publication_to_board(seen: list[Look], published: list[float]) -> dict[str, float] | None:
    """Seconds from each publication (the k-th confirmation an asker got) until the board counted
    k questions waiting (listing it too, if it made the top ten): p50 / p95 / max."""
    delays, at = [], 0
    counted = [(when, waiting) for when, _, waiting in seen]
    for k, confirmed in enumerate(sorted(published), start=1):
        while at < len(counted) and counted[at][1] < k:
            at += 1
        if at == len(counted):
            return None
        delays.append(max(0.0, counted[at][0] - confirmed))
    if not delays:
        return None
    return {
        "p50": round(statistics.median(delays), 2),
        "p95": round(_percentile(delays, 0.95), 2),
        "max": round(max(delays), 2),
    }


def _true_top(session: Session) -> list[tuple[int, int]]:
    query = queue_order(sa.select(Question.id, Question.votes_up).where(Question.status == QuestionStatus.PUBLISHED))
    return [tuple(row) for row in session.connection().execute(query.limit(BOARD_SIZE)).all()]


async def _watch_board(
    fake: RemoteFakeDiscord, stop: asyncio.Event, seen: list[Look], latest: list[dict[str, Any]]
) -> None:
    """Poll the board as a member's client would see it (off the loop) until stopped: ``latest``
    holds the board as the last look saw it (the message members click), and ``seen`` what the
    figures read of each drawing, from the first look that showed it. The drawings themselves
    are not kept: the bot's process, which this shares, would have a heap of them (a few hundred
    objects each) for its garbage collector to walk in every full collection."""
    while not stop.is_set():
        board, shows, waiting = await asyncio.to_thread(_look_at_board, fake)
        if not latest or latest[0] != board:
            latest[:] = [board]
            seen.append((time.monotonic(), shows, waiting))
        await asyncio.sleep(CONVERGENCE_POLL_S)


async def board_burst(url: str, *, members: int = MEMBERS) -> dict[str, Any]:
    """The same burst with the board (the default): votes clicked on the board as members see it
    at that moment, a fifth of them in Browse by fifty members who opened it; ``members`` cast
    ``VOTES_PER_MEMBER`` votes each."""
    rng = random.Random(7)
    votes = members * VOTES_PER_MEMBER
    database = await fresh_database(url)
    fake = RemoteFakeDiscord(rate_limits=RateLimits())
    wall_started = time.monotonic()
    async with DiscordHarness(database, board_edit_interval_s=1.0, fake=fake) as bot:
        await bot.send(slash(HOST, "event create", title="Burst"))
        await bot.send(slash(HOST, "event settings", event=1, questions_per_window=5))
        await bot.send(slash(HOST, "event open", event=1))
        mark = bot.fake.mark()
        sent_at: dict[str, tuple[str, float]] = {}
        stop, worst = asyncio.Event(), [0.0]
        ticker = asyncio.create_task(_loop_lag(stop, worst))
        watch_stop, seen, latest = asyncio.Event(), [], []
        watcher = asyncio.create_task(_watch_board(fake, watch_stop, seen, latest))

        tokens: dict[str, str] = {}  # an interaction's token -> its id

        def deliver(payload: dict[str, Any], kind: str) -> None:
            sent_at[payload["id"]] = (kind, time.monotonic())
            tokens[payload["token"]] = payload["id"]
            bot.deliver(payload)

        last_ask = await _ask_all(deliver)
        await bot.settle(ignoring=(ticker, watcher))
        # When each asker was told their question is up for everyone (a question held for
        # review, or an ask refused by the rate limit, is not published).
        published = [
            r.at
            for r in bot.fake.since(mark)
            if r.path.startswith("/webhooks/") and r.method == "POST" and "Everyone can see it" in r.json["content"]
        ]
        # Fifty members open Browse (Popular); their page is the message they vote on.
        pages = []
        for n in range(BROWSING_MEMBERS):
            member = audience(members - 1 - n)
            opened = bot.fake.mark()
            bot.deliver(click(member, _board(fake), "podium:browse:1"))
            await bot.settle(ignoring=(ticker, watcher))
            [page] = [r.json["data"] for r in bot.fake.since(opened) if r.path.endswith("/callback")]
            # An ephemeral message's id, as the member's client knows it (none the fake gave out).
            message = {**blank_message(QA_CHANNEL_ID), **page, "id": str(EPHEMERAL_IDS + n)}
            pages.append((member, message))
        fake.longest_stall_ms(reset=True)
        votes_start = time.monotonic()
        for n in range(votes):
            await asyncio.sleep(max(0.0, votes_start + (SPREAD_S - ASK_SPAN_S) * n / votes - time.monotonic()))
            if rng.random() < BROWSE_VOTE_SHARE:
                member, page = rng.choice(pages)
                ids = [c for c in custom_ids(page) if ":vote" in c]
                deliver(click(member, page, rng.choice(ids)), "browse vote")
            else:
                board = latest[0]  # the board as it was drawn at the last look, as a member sees it
                ids = [c for c in custom_ids(board) if c.startswith("podium:board:")]
                weights = [1 / (rank + 1) for rank in range(len(ids))]
                choice = rng.choices(ids, weights)[0]
                deliver(click(audience(rng.randrange(members - BROWSING_MEMBERS)), board, choice), "board vote")
        last_vote = time.monotonic()
        await bot.settle(ignoring=(ticker, watcher))
        fake_stall_ms = fake.longest_stall_ms()
        truth = await database.read(_true_top)
        await asyncio.sleep(2 * CONVERGENCE_POLL_S)
        watch_stop.set()
        stop.set()
        await asyncio.gather(ticker, watcher)
        _, shows, waiting = await asyncio.to_thread(_look_at_board, fake)
        seen.append((time.monotonic(), shows, waiting))
        wall_s = time.monotonic() - wall_started
        peak_rss_mb = _peak_rss_mb()
        requests = bot.fake.since(mark, bodies=False)

    first: dict[str, float] = {}
    for request in requests:
        if request.path.startswith("/interactions/"):
            first.setdefault(request.path.split("/")[2], request.at)
    latency: dict[str, list[float]] = {"ask": [], "board vote": [], "browse vote": []}
    for interaction_id, (kind, at) in sent_at.items():
        if interaction_id in first:
            latency[kind].append((first[interaction_id] - at) * 1000)
    seen_counted, deferred = _votes_seen_counted(requests, sent_at, tokens)
    channel = f"/channels/{QA_CHANNEL_ID}/messages"
    posts = [r for r in requests if r.method == "POST" and r.path == channel and r.status == 200]
    edits = [r for r in requests if r.method == "PATCH" and r.path.startswith(channel) and r.status == 200]
    # A question is in Browse from its publication (Browse reads the database when opened); on the
    # board, from the first look that showed it, for the questions that reached it.
    # (A vote refused after it was acknowledged follows up too: only the asks' follow-ups count.)
    confirmed = [
        r
        for r in requests
        if r.path.startswith("/webhooks/")
        and r.method == "POST"
        and sent_at.get(tokens.get(r.path.split("/")[3], ""), ("",))[0] == "ask"
    ]
    on_board: dict[int, float] = {}
    for at, shows, _ in seen:
        for qid, _ in shows:
            on_board.setdefault(qid, at)
    return {
        **_answered("the board", latency, worst[0], members=members),
        **{
            f"{kind.replace(' ', '_')}_seen_counted_ms": _spread(samples)
            for kind, samples in seen_counted.items()
            if samples
        },
        **{f"{kind.replace(' ', '_')}s_acknowledged_first": count for kind, count in deferred.items()},
        # Requests are stamped when the fake handles them: its own stalls show in every figure above.
        "fake_discord_longest_stall_ms": fake_stall_ms,
        "public_messages": len(posts),
        "public_messages_per_1000_questions": round(len(posts) * 1000 / QUESTIONS, 1),
        "board_edits": len(edits),
        "refused_429": sum(r.status == 429 for r in requests),
        "questions_that_reached_the_board": len(on_board),
        "asks_confirmed": len(confirmed),
        "last_ask_to_board_settled_s": round(max(r.at for r in edits if r.at < votes_start) - last_ask, 2)
        if any(r.at < votes_start for r in edits)
        else None,
        "asks_published": len(published),
        "publication_to_board_s": _publication_to_board(seen, published),
        "last_vote_to_true_top_ten_s": _board_convergence(seen, truth, last_vote),
        "peak_rss_mb": round(peak_rss_mb, 1),
        "wall_s": round(wall_s, 1),
    }


def _votes_seen_counted(
    requests: list[Request], sent_at: dict[str, tuple[str, float]], tokens: dict[str, str]
) -> tuple[dict[str, list[float]], dict[str, int]]:
    """For the votes on the board and in Browse: ms from each click's arrival until the message
    clicked showed it counted (the UPDATE_MESSAGE that redrew it, or, for a vote acknowledged
    first with DEFERRED_UPDATE_MESSAGE, the edit of the original response); and how many were
    acknowledged first. A vote refused shows nothing counted and is left out."""
    redrawn: dict[str, float] = {}
    deferred: dict[str, int] = {"board vote": 0, "browse vote": 0}
    for request in requests:
        parts = request.path.split("/")
        if request.path.endswith("/callback") and request.status < 300:
            kind = sent_at.get(parts[2], ("", 0.0))[0]
            if kind in deferred and (request.json or {}).get("type") == 6:
                deferred[kind] += 1
            elif (request.json or {}).get("type") == 7:
                redrawn.setdefault(parts[2], request.at)
        elif request.method == "PATCH" and request.path.endswith("/messages/@original") and request.status == 200:
            redrawn.setdefault(tokens.get(parts[3], ""), request.at)
    counted: dict[str, list[float]] = {kind: [] for kind in deferred}
    for interaction_id, at in redrawn.items():
        kind, clicked_at = sent_at.get(interaction_id, ("", 0.0))
        if kind in counted:
            counted[kind].append((at - clicked_at) * 1000)
    return counted, deferred


def _board_convergence(seen: list[Look], truth: list[tuple[int, int]], last_vote: float):
    """Seconds from the last vote to the first look from which the board showed the true top ten
    (order and counts) for good; None if the last look still differed."""
    converged_at = None
    for at, shows, _ in seen:
        converged_at = (converged_at or at) if list(shows) == truth else None
    return None if converged_at is None else round(max(0.0, converged_at - last_vote), 2)


def _burst_in_child(url: str, results: Any, mode: str, members: int) -> None:
    results.put(asyncio.run(board_burst(url, members=members) if mode == "board" else burst(url)))


def _spin() -> None:
    while True:
        pass


def _fresh_process_burst(
    url: str, mode: str = "board", *, load_cpu: bool = False, members: int = MEMBERS
) -> dict[str, Any]:
    """One burst in a process of its own, so its peak RSS is the bot's through that burst only;
    with ``load_cpu``, a process spinning on one CPU beside it all along (another program on the
    same machine); the board's with ``members`` members."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    spinner = context.Process(target=_spin, daemon=True) if load_cpu else None
    if spinner is not None:
        spinner.start()
    child = context.Process(target=_burst_in_child, args=(url, results, mode, members))
    stolen = cpu_stolen()
    child.start()
    try:
        figures = results.get()
    finally:
        child.join()
        if spinner is not None:
            spinner.kill()
            spinner.join()
    return figures | {"cpu_stolen_pct": stolen()} | ({"cpu_loaded_beside": True} if load_cpu else {})


def run(postgresql: str | None = None) -> dict[str, Any]:
    """The burst on a fresh SQLite file, then on the PostgreSQL database named (its schema is
    reset), in both modes; then the board on PostgreSQL again with a CPU-bound process beside it,
    and the board with ``LARGER_AUDIENCE`` members on each backend."""
    figures: dict[str, Any] = {}
    for mode in ("board", "cards"):
        figures[f"sqlite, {mode}"] = _sqlite_burst(mode)
        figures[f"postgresql, {mode}"] = (
            _fresh_process_burst(postgresql, mode) if postgresql else "not measured: set PODIUM_BENCH_DATABASE_URL"
        )
    if postgresql:
        figures["postgresql, board, CPU loaded"] = _fresh_process_burst(postgresql, "board", load_cpu=True)
    larger = f"board, {LARGER_AUDIENCE:,} members"
    figures[f"sqlite, {larger}"] = _sqlite_burst("board", members=LARGER_AUDIENCE)
    if postgresql:
        figures[f"postgresql, {larger}"] = _fresh_process_burst(postgresql, "board", members=LARGER_AUDIENCE)
    return figures


def _sqlite_burst(mode: str, *, members: int = MEMBERS, load_cpu: bool = False) -> dict[str, Any]:
    """One burst on a fresh SQLite file of its own, removed afterwards."""
    url, folder = scratch_sqlite_url("burst.db")
    try:
        return _fresh_process_burst(url, mode, members=members, load_cpu=load_cpu)
    finally:
        shutil.rmtree(folder)


if __name__ == "__main__":
    import json

    # ``board`` or ``cards``, then optionally ``--database URL`` (PostgreSQL), ``--load-cpu`` and
    # (the board) ``--members N``.
    args = sys.argv[1:]
    if args[:1] in (["board"], ["cards"]):
        mode, load_cpu = args[0], "--load-cpu" in args
        database = args[args.index("--database") + 1] if "--database" in args else None
        members = int(args[args.index("--members") + 1]) if "--members" in args else MEMBERS
        backend = "postgresql" if database else "sqlite"
        figures = (
            _fresh_process_burst(database, mode, load_cpu=load_cpu, members=members)
            if database
            else _sqlite_burst(mode, members=members, load_cpu=load_cpu)
        )
        name = f"{backend}, {mode}{', CPU loaded' if load_cpu else ''}, {members:,} members"
        print(json.dumps({name: figures}, indent=2))
    else:
        print(json.dumps(run(os.environ.get("PODIUM_BENCH_DATABASE_URL")), indent=2))
