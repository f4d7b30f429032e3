"""Crash: the bot is killed (SIGKILL) in the middle of a burst and started again on the same database.

The bot runs as its operators run it, ``podium run`` in a process of its own, talking to a fake
Discord over HTTP and over the gateway's websocket. Members' asks and votes arrive through the
gateway as Discord sends them; what the bot had told a member before it died is read from the
requests the fake received. After the restart, every question and vote acknowledged is in the
database and every question has one card, the buttons of the cards posted before the crash still
work, and the clock's jobs that came due while the bot was down run once.
"""

import asyncio
import json
import random
import re
import urllib.request
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from bot.domain.clock import utcnow
from bot.domain.enums import EventState
from bot.scheduling.clock import EventClock
from bot.scheduling.plan import JobKind, Timing
from bot.services.qa.events import create_event, get_event, open_event, schedule_event, update_event
from bot.services.qa.questions import get_question, set_card_message, submit_question
from bot.settings import Settings
from db.engine import Database
from db.models import ScheduleRun, Vote
from tests.factories import GUILD_ID, host, member
from tests.harness.bot_process import TOKEN, BotProcess, bot_process, connected_bot, new_fake_discord, until
from tests.harness.driver import custom_ids, reply_text, use_question_cards
from tests.harness.fake_discord import FakeDiscord, Request
from tests.harness.payloads import HOST, QA_CHANNEL_ID, Person, audience, click, slash

WARM_UP_QUESTIONS = 4
BURST_ASKS = 60
BURST_VOTES = 240
WAVE_INTERVAL_S = 0.03
# The bot is killed once this share of the burst's questions and votes has been answered.
KILL_AT = 0.25


class Discord:
    """The fake Discord, REST and gateway, with what a member was told read back by interaction."""

    def __init__(self) -> None:
        self.fake = new_fake_discord()
        assert self.fake.gateway is not None
        self.gateway = self.fake.gateway

    def send(self, payload: dict[str, Any]) -> dict[str, Any]:
        self.gateway.dispatch("INTERACTION_CREATE", payload)
        return payload

    def told(self) -> dict[str, str]:
        """What each interaction's member was shown so far, by the interaction's token (which is in
        the path of every answer: the response, its edits and the follow-ups)."""
        answers: dict[str, list[Request]] = {}
        for request in self.fake.since(0):
            parts = request.path.strip("/").split("/")
            if parts[0] in ("interactions", "webhooks") and len(parts) > 2:
                answers.setdefault(parts[2], []).append(request)
        return {token: reply_text(sent) for token, sent in answers.items()}

    def told_about(self, payload: dict[str, Any]) -> str:
        return self.told().get(payload["token"], "")

    async def ask(self, bot: BotProcess, person: Person, text: str) -> int:
        """A member asks; returns the number of the question the bot confirmed."""
        payload = self.send(slash(person, "ask", text=text))
        await until(lambda: asked(self.told_about(payload)), what=f"an answer to {text!r}", bot=bot)
        return asked(self.told_about(payload)) or 0

    async def command(self, bot: BotProcess, person: Person, command: str, **options: Any) -> str:
        payload = self.send(slash(person, command, **options))
        await until(lambda: self.told_about(payload), what=f"an answer to /{command}", bot=bot)
        return self.told_about(payload)

    def card(self, question_id: int) -> dict[str, Any]:
        [card] = [m for m in self.fake.messages.values() if _title(m) == f"Question #{question_id}"]
        return card


def asked(text: str) -> int | None:
    """The question an ask's confirmation names ("Thanks! Question #12 is ...")."""
    found = re.search(r"Thanks! Question #(\d+)", text)
    return int(found.group(1)) if found else None


def voted(text: str) -> int | None:
    """The question a vote's answer names ("Your upvote on #12 counts. ...")."""
    found = re.search(r"Your upvote on #(\d+) counts", text)
    return int(found.group(1)) if found else None


def under_way(discord: "Discord", in_hand: dict[str, Any]) -> Callable[[dict[str, str]], bool]:
    """A quarter of the burst's questions and of its votes are answered, and the ask ``in_hand``
    is in the bot's hands: deferred, and its answer on its way, held by the fake so that its asker
    is not yet told whether it was stored. Held rather than waited for: a bot quick enough to
    answer the whole burst would otherwise never be seen mid-answer."""

    def enough(told: dict[str, str]) -> bool:
        questions = sum(1 for text in told.values() if asked(text))
        votes = sum(1 for text in told.values() if voted(text))
        answered_enough = questions >= WARM_UP_QUESTIONS + KILL_AT * BURST_ASKS and votes >= KILL_AT * BURST_VOTES
        return answered_enough and in_hand["token"] in discord.fake.holding

    return enough


async def _send_until(
    discord: Discord, bot: BotProcess, waves: list[list[dict[str, Any]]], enough: Callable[[dict[str, str]], bool]
) -> list[dict[str, Any]]:
    """Send wave after wave until what the members were told is ``enough``; returns what was sent."""
    sent: list[dict[str, Any]] = []
    for wave in waves:
        sent += [discord.send(payload) for payload in wave]
        if enough(discord.told()):
            return sent
        await asyncio.sleep(WAVE_INTERVAL_S)
    await until(lambda: enough(discord.told()), what="the burst to be answered in part", bot=bot)
    return sent


def _voters(wave: int, questions: list[int]) -> list[tuple[Person, int]]:
    """Who upvotes which question in a wave: each voter once, on one question."""
    per_wave = BURST_VOTES // BURST_ASKS
    voters = [1000 + wave * per_wave + v for v in range(per_wave)]
    return [(audience(voter), questions[voter % len(questions)]) for voter in voters]


def _member(payload: dict[str, Any]) -> int:
    return int(payload["member"]["user"]["id"])


def _title(message: dict[str, Any]) -> str:
    return (message.get("embeds") or [{}])[0].get("title", "")


def _up_label(message: dict[str, Any]) -> str:
    return message["components"][0]["components"][0]["label"]


def question_text(n: int) -> str:
    """Questions with no words in common, so none is offered as a repeat of another."""
    rng = random.Random(n)
    words = ["".join(rng.choice("bcdfghjklmnprstvz") + rng.choice("aeiou") for _ in range(3)) for _ in range(5)]
    return f"{words[0].capitalize()} {' '.join(words[1:])}?"


async def test_a_bot_killed_mid_burst_keeps_what_it_acknowledged_and_runs_its_clock_once(db: Database, tmp_path: Path):
    url = db.url.render_as_string(hide_password=False)
    discord = Discord()
    discord.fake.start()
    environment = {
        "DATABASE_URL": url,
        "DISCORD_TOKEN": TOKEN,
        "DISCORD_API_BASE": discord.fake.base_url,
        "PRESENTER_PORT": "0",
        "CARD_EDIT_INTERVAL_S": "0.5",
        "REMINDER_MINUTES": "0",
        "LOG_LEVEL": "WARNING",
    }
    settings = Settings(_env_file=None, **{name.lower(): value for name, value in environment.items()})
    try:
        with bot_process(environment, tmp_path, "before") as before:
            await until(lambda: discord.gateway.identified(), what="the bot to identify", bot=before)
            await use_question_cards(db)  # this test follows each question's card
            text = await discord.command(before, HOST, "event create", title="Launch of the Housing Report")
            assert "Created #1" in text
            assert "is taking questions" in await discord.command(before, HOST, "event open", event=1)
            assert "Created #2" in await discord.command(before, HOST, "event create", title="Evening session")
            warm_up = [await discord.ask(before, audience(n), question_text(n)) for n in range(WARM_UP_QUESTIONS)]
            await until(lambda: all(_cards(discord, warm_up)), what="the first cards", bot=before)
            cards = {qid: discord.card(qid) for qid in warm_up}

            # The burst: a wave every few hundredths of a second, each a new question from one member
            # and upvotes from four others on the cards posted. The bot dies once a quarter of both
            # have been answered, with a question in its hands and more on the way.
            waves = [
                [slash(audience(100 + n), "ask", text=question_text(100 + n))]
                + [click(voter, cards[qid], f"podium:vote:{qid}:up") for voter, qid in _voters(n, warm_up)]
                for n in range(BURST_ASKS)
            ]
            in_hand = waves[0][0]
            discord.fake.held.add(in_hand["token"])
            sent = await _send_until(discord, before, waves, under_way(discord, in_hand))
            before.kill()

        # What each member had been told when the bot died.
        told = discord.told()
        acknowledged_asks = {_member(p): qid for p in sent if (qid := asked(told.get(p["token"], ""))) is not None}
        acknowledged_votes = {(qid, _member(p)) for p in sent if (qid := voted(told.get(p["token"], ""))) is not None}

        # While the bot is down, the evening session's start comes: its reminder and its opening are
        # due. (Planned as /event schedule plans them, but to the second: the command takes minutes.)
        starts = utcnow() + timedelta(seconds=0.5)
        evening = await schedule_event(db, 2, host(), starts_at=starts, ends_at=starts + timedelta(hours=1))
        planner = EventClock(db, Timing.from_settings(settings))
        await planner.start()
        await planner.follow(evening)
        await planner.shutdown()

        with bot_process(environment, tmp_path, "after") as after:
            await until(lambda: len(discord.gateway.identified()) == 2, what="the bot to identify again", bot=after)

            # Every question and vote a member was told about is there.
            for user_id, qid in acknowledged_asks.items():
                question = await get_question(db, qid)
                assert question.author_id == user_id
                assert question.text == question_text(user_id - audience(0).user_id)
            # ... and has its card, even those the bot died before posting.
            await until(lambda: all(_cards(discord, list(acknowledged_asks.values()))), what="the cards", bot=after)
            assert all(discord.card(qid) for qid in acknowledged_asks.values())  # one card each
            stored_votes = await db.read(_votes, 1)
            assert {(qid, user) for qid, user, _ in stored_votes} >= acknowledged_votes
            # Each question's count is its votes' count: a vote and its counter commit together.
            for qid in warm_up:
                question = await get_question(db, qid)
                assert question.votes_up == sum(1 for q, _, value in stored_votes if q == qid and value == 1)

            # A card posted before the crash takes a vote, and is redrawn with the true count.
            qid = warm_up[0]
            counted = (await get_question(db, qid)).votes_up
            click_after = discord.send(click(audience(5000), cards[qid], f"podium:vote:{qid}:up"))
            await until(lambda: voted(discord.told_about(click_after)), what="the vote's answer", bot=after)
            assert f"Your upvote on #{qid} counts." in discord.told_about(click_after)
            await until(
                lambda: _up_label(discord.card(qid)) == f"▲ {counted + 1}", what="the card's new count", bot=after
            )

            # The jobs that came due while the bot was down ran, once each.
            await until(lambda: _opened(db, 2), what="the evening session to open", bot=after)
            await until(lambda: _panels(discord, 2), what="the evening session's reminder", bot=after)
            assert len(_panels(discord, 2)) == 1
            assert sorted(await db.read(_runs, 2)) == [JobKind.OPEN.value, JobKind.REMINDER.value]

        identified = discord.gateway.identified()
        assert [payload["token"] for payload in identified] == [TOKEN, TOKEN]
        assert not [p for s in discord.gateway.sessions for p in s.received if p["op"] == 6], "no session resumed"
    finally:
        discord.fake.stop()


async def test_the_cards_a_crash_left_unposted_are_posted_when_the_bot_is_back(db: Database):
    # What a crash can leave behind, once its askers were told "Question #N is published": #1 got
    # its card; #2 did not; #3's card was posted, but the bot died before remembering it.
    event = await create_event(db, GUILD_ID, host(), title="Town hall", channel_id=QA_CHANNEL_ID)
    await update_event(db, event.id, host(), question_cards=True)  # an event with a card per question
    await open_event(db, event.id, host())
    remembered, unposted, forgotten = [
        await submit_question(db, event.id, member(n), question_text(n)) for n in (1, 2, 3)
    ]
    await set_card_message(db, remembered.id, 123)
    fake = new_fake_discord()
    fake.start()
    try:
        posted_before = _post_card(fake, forgotten.id)
        async with connected_bot(db, fake) as _:
            await until(lambda: _card_remembered(db, unposted.id), what="the missing card")
            await until(lambda: _card_remembered(db, forgotten.id), what="the forgotten card")
            cards = _cards_posted(fake)
        assert [card["embeds"][0]["title"] for card in cards] == [
            f"Question #{q.id}" for q in (forgotten, unposted, forgotten)
        ]
        # The forgotten card was found again, not posted twice: its question now knows it.
        assert (await get_question(db, forgotten.id)).card_message_id == posted_before
        assert len([m for m in fake.messages.values() if int(m["channel_id"]) == QA_CHANNEL_ID]) == 2
    finally:
        fake.stop()


def _post_card(fake: FakeDiscord, question_id: int) -> int:
    """Post a card as the bot that died did: Create Message with the card's nonce."""
    body = {
        "embeds": [{"title": f"Question #{question_id}"}],
        "nonce": f"podium-card-{question_id}",
        "enforce_nonce": True,
    }
    request = urllib.request.Request(
        f"{fake.base_url}/channels/{QA_CHANNEL_ID}/messages",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return int(json.loads(response.read())["id"])


def _cards_posted(fake: FakeDiscord) -> list[dict[str, Any]]:
    return [r.json for r in fake.since(0) if r.route == f"POST /channels/{QA_CHANNEL_ID}/messages"]


async def _card_remembered(db: Database, question_id: int) -> bool:
    return (await get_question(db, question_id)).card_message_id is not None


def _cards(discord: Discord, question_ids: list[int]) -> list[bool]:
    titles = {_title(m) for m in discord.fake.messages.values() if int(m["channel_id"]) == QA_CHANNEL_ID}
    return [f"Question #{qid}" in titles for qid in question_ids]


def _panels(discord: Discord, event_id: int) -> list[dict[str, Any]]:
    return [m for m in discord.fake.messages.values() if custom_ids(m) == [f"podium:ask:{event_id}"]]


async def _opened(db: Database, event_id: int) -> bool:
    return (await get_event(db, event_id)).state is EventState.OPEN


def _votes(session: Session, event_id: int) -> list[tuple[int, int, int]]:
    rows = session.exec(select(Vote).where(Vote.event_id == event_id))
    return [(vote.question_id, vote.user_id, vote.value) for vote in rows]


def _runs(session: Session, event_id: int) -> list[str]:
    return list(session.exec(select(ScheduleRun.job).where(col(ScheduleRun.event_id) == event_id)))
