"""Runs a real Podium bot against ``FakeDiscord`` and feeds it interactions."""

import asyncio
import dataclasses
from typing import Any

import discord
from discord.http import Route

from bot.app import create_bot
from bot.domain.actors import Actor
from bot.services.qa.guilds import update_guild_settings
from bot.settings import Settings
from bot.web.server import SERVER_TASK
from db.engine import LISTENER_TASK, Database
from tests.harness.fake_discord import FakeDiscord, RemoteFakeDiscord, Request
from tests.harness.limits import assert_within_limits, every_component
from tests.harness.payloads import GUILD_ID, HOST, guild_create


class DiscordHarness:
    """A Podium bot logged in to a fake Discord, with the test server in its cache."""

    def __init__(
        self,
        db: Database,
        *,
        card_edit_interval_s: float = 0.0,
        board_edit_interval_s: float = 0.0,
        question_cards: bool = False,
        fake: FakeDiscord | RemoteFakeDiscord | None = None,
        **settings: Any,
    ) -> None:
        self.db = db
        self.fake = fake or FakeDiscord()
        # The server's choice of a card per question besides the board (``/podium-setup cards``).
        self.question_cards = question_cards
        self.settings = Settings(
            database_url=str(db.url),
            discord_token="fake-token",
            card_edit_interval_s=card_edit_interval_s,
            board_edit_interval_s=board_edit_interval_s,
            # The bot's presenter screen on a free port, so test runs side by side never collide.
            presenter_port=0,
            presenter_public_url=None,
            **settings,
        )
        self.bot: Any = None

    async def __aenter__(self) -> "DiscordHarness":
        self.fake.start()
        self._base, Route.BASE = Route.BASE, self.fake.base_url
        self.bot = create_bot(self.settings, self.db)
        try:
            await self.bot.login("fake-token")  # runs setup_hook: migrations, cogs, dynamic items
            self.bot._connection.parse_guild_create(guild_create())
            if self.question_cards:
                await use_question_cards(self.db)
            await self.settle()
        except BaseException:
            await self.__aexit__()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.bot.close()
        Route.BASE = self._base
        self.fake.stop()

    def use_model(self, model: Any) -> None:
        """From now on the bot drafts with ``model`` (a ``ModelClient``), as if configured with it."""
        self.bot.model = model
        self.bot.podium = dataclasses.replace(self.bot.podium, model=model)

    async def send(self, payload: dict[str, Any]) -> list[Request]:
        """Deliver an INTERACTION_CREATE as the gateway would; return what the bot sent for it."""
        mark = self.fake.mark()
        self.deliver(payload)
        await self.settle()
        sent = self.fake.since(mark)
        for request in sent:
            assert_within_limits(request)
        return sent

    def deliver(self, payload: dict[str, Any]) -> None:
        """Deliver an INTERACTION_CREATE without waiting for the bot to handle it, through the
        parser the gateway hands it to."""
        self.bot._connection.parsers["INTERACTION_CREATE"](payload)

    async def settle(self, *, ignoring: tuple[asyncio.Task, ...] = ()) -> None:
        """Wait until every task the bot started (handlers, card edits) has finished.

        A view or modal waiting out its timeout, the web server waiting for requests or serving
        a browser's, and a browser driven from this loop are not work in progress, so they are
        not waited for; nor are the caller's own long-running tasks named in ``ignoring``.
        """
        skip = {asyncio.current_task(), *ignoring}
        while pending := [t for t in asyncio.all_tasks() if t not in skip and not t.done() and not _idle(t)]:
            await asyncio.wait(pending, timeout=10)

    def message(self, message_id: int | str) -> dict[str, Any]:
        """A message the bot posted, as it is now (after any edits)."""
        return self.fake.messages[int(message_id)]

    def board(self, event_id: int) -> dict[str, Any]:
        """The public board of an event (the one message with its Browse button)."""
        boards = [
            m
            for m in self.fake.messages.values()
            if f"podium:browse:{event_id}" in custom_ids(m) and not is_ephemeral(m) and int(m["channel_id"])
        ]
        assert len(boards) == 1, f"expected one board for event #{event_id}, found {len(boards)}"
        return boards[0]

    def card(self, question_id: int) -> dict[str, Any]:
        """The public card of a question."""
        title = f"Question #{question_id}"
        cards = [
            m
            for m in self.fake.messages.values()
            if m["embeds"] and m["embeds"][0].get("title") == title and int(m["channel_id"])
        ]
        assert len(cards) == 1, f"expected one card for #{question_id}, found {len(cards)}"
        return cards[0]


async def use_question_cards(db: Database) -> None:
    """The server's owner chooses a public card per question for its events (as ``/podium-setup``)."""
    host = Actor(user_id=HOST.user_id, display_name=HOST.name, guild_id=GUILD_ID, manages_guild=True)
    await update_guild_settings(db, GUILD_ID, host, event_defaults={"question_cards": True})


def _idle(task: asyncio.Task) -> bool:
    # A request to the bot's web server (a console's event stream stays open) is the browser's
    # doing, not work the bot started; what it starts (a card post) is waited for.
    # Nor is a browser driven from the same loop (Playwright's connection to it).
    coroutine = task.get_coro()
    code = getattr(coroutine, "cr_code", None)
    if code is not None and "/playwright/" in code.co_filename:
        return True
    name = coroutine.__qualname__
    if name.endswith(("__timeout_task_impl", "RequestResponseCycle.run_asgi")):
        return True
    # Starlette streams a response (an event stream) from tasks of its own; the database listens
    # for other processes' writes (PostgreSQL) for as long as it is open.
    if task.get_name() in (SERVER_TASK, LISTENER_TASK):
        return True
    return task.get_name().startswith("starlette.responses.StreamingResponse")


def callback(sent: list[Request]) -> dict[str, Any]:
    """The interaction response (the first answer to an interaction)."""
    [response] = [r.json for r in sent if r.path.endswith("/callback")]
    return response


def replies(sent: list[Request]) -> list[dict[str, Any]]:
    """Every message body sent in answer: the response's data, then any follow-ups."""
    bodies = []
    for request in sent:
        if request.path.endswith("/callback") and request.json["type"] in (4, 7):
            bodies.append(request.json["data"])
        elif request.path.startswith("/webhooks/"):
            bodies.append(request.json)
    return bodies


def reply_text(sent: list[Request]) -> str:
    """All the text the member was shown: content, embed titles, descriptions and fields."""
    parts = []
    for body in replies(sent):
        parts.append(body.get("content") or "")
        for embed in body.get("embeds") or []:
            parts += [embed.get("title", ""), embed.get("description", "")]
            parts += [f"{f['name']} {f['value']}" for f in embed.get("fields", [])]
    return "\n".join(parts)


def is_ephemeral(body: dict[str, Any]) -> bool:
    return bool((body.get("flags") or 0) & discord.MessageFlags.ephemeral.flag)


def custom_ids(message: dict[str, Any]) -> list[str]:
    """Every custom_id on a message, in the order drawn, however deep (rows, containers, sections)."""
    return [c["custom_id"] for c in components(message) if "custom_id" in c]


def components(message: dict[str, Any]) -> list[dict[str, Any]]:
    """Every component of a message, nested ones included, in the order drawn."""
    return every_component(message.get("components") or [])


def button(message: dict[str, Any], custom_id: str) -> dict[str, Any]:
    """The component with this custom_id on the message."""
    [found] = [c for c in components(message) if c.get("custom_id") == custom_id]
    return found


def texts(message: dict[str, Any]) -> str:
    """All the text of a layout message's text displays."""
    return "\n".join(c["content"] for c in components(message) if c.get("type") == 10)


def posted(sent: list[Request], channel_id: int) -> list[dict[str, Any]]:
    return [r.json for r in sent if r.method == "POST" and r.path == f"/channels/{channel_id}/messages"]


def review_requests(sent: list[Request], channel_id: int) -> list[dict[str, Any]]:
    """The review requests posted in the moderators' channel (not the desk beside them)."""
    return [m for m in posted(sent, channel_id) if m["embeds"][0]["title"].startswith("Waiting for review")]
