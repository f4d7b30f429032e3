"""A moderator triaging 200 waiting questions in the web console by keyboard, in real Chromium.

``python -m bench console_triage``: the bot runs in the test harness (its web server on
127.0.0.1, the fake Discord beside it), an event pre-moderates and 200 questions wait for review.
The moderator signs in with their ``/console`` link in Debian's headless Chromium and works the
queue from the top: ``p`` (publish) four times in five, ``1`` (set aside as off-topic) the fifth,
each key pressed as soon as the decided question has left the view. Measured: decisions per
minute over the whole run; the time from the key press to the question leaving the console's
view (the request, the flow, the stream, the redraw); and, for each publish, the time from the
key press to its card reaching the board (the fake Discord receiving the card's post).
"""

import asyncio
import shutil
import time
from pathlib import Path
from typing import Any

from bench.common import Timings, scratch_sqlite_url
from bot.domain.actors import Actor
from bot.services.qa.questions import submit_question
from db.engine import Database
from tests.cogs.steps import open_event, set_up_server
from tests.harness.chromium import CHROMIUM, FIRST_ROW, chromium, open_console, triage
from tests.harness.driver import DiscordHarness, reply_text
from tests.harness.payloads import GUILD_ID, HOST, MODERATOR, QA_CHANNEL_ID, slash

QUESTIONS = 200
KEYS = ["p", "p", "p", "p", "1"]


async def measure() -> dict[str, Any]:
    url, folder = scratch_sqlite_url("console.db")
    try:
        database = Database(url)
        async with DiscordHarness(database) as bot:
            await set_up_server(bot)
            event_id = await open_event(bot, premoderation=True)
            for person in (HOST, MODERATOR):
                bot.fake.members[person.user_id] = {k: v for k, v in person.member().items() if k != "permissions"}
            for n in range(QUESTIONS):
                asker = Actor(user_id=10_000 + n, display_name=f"Member {n}", guild_id=GUILD_ID)
                await submit_question(database, event_id, asker, f"Question {n}: what will the levy cost renters?")
            sent = await bot.send(slash(MODERATOR, "console"))
            link = reply_text(sent).split("\n")[1].split()[0]
            async with chromium(Path(folder) / "profile") as browser:
                page = await browser.new_page()
                await open_console(page, link, f"{bot.bot.presenter.base_url}/console/events/{event_id}")
                started = time.monotonic()
                decided = await triage(page, [KEYS[n % len(KEYS)] for n in range(QUESTIONS)], clock=time.monotonic)
                gone_at = time.monotonic()
                await bot.settle()
                left = await page.evaluate(FIRST_ROW)
            await database.dispose()
            posted = {
                request.json["embeds"][0]["title"]: request.at
                for request in bot.fake.requests
                if request.method == "POST" and request.path == f"/channels/{QA_CHANNEL_ID}/messages"
            }
    finally:
        shutil.rmtree(folder)
    to_view = [(gone - pressed) * 1000 for _, _, pressed, gone in decided]
    to_board = [(posted[f"Question #{q}"] - pressed) * 1000 for q, key, pressed, _ in decided if key == "p"]
    return {
        "questions": QUESTIONS,
        "decisions": len(decided),
        "left_waiting": int(bool(left)),
        "decisions_per_minute": round(len(decided) / (gone_at - started) * 60, 1),
        "key_to_question_leaving_the_view_ms": Timings(to_view).summary(),
        "publish_to_card_on_board_ms": Timings(to_board).summary(),
    }


def run() -> dict[str, Any]:
    if not CHROMIUM.exists():
        return {"skipped": f"needs Debian's chromium at {CHROMIUM}"}
    return asyncio.run(measure())
