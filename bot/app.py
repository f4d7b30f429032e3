"""The Discord client: Podium's Bot, built from settings and a database."""

import asyncio
import ctypes
import gc
import logging
import sys
from datetime import datetime

import discord
import yarl
from discord.ext import commands
from discord.gateway import DiscordWebSocket
from discord.http import Route
from discord.state import ConnectionState

from bot.discord.clicks import Clicks
from bot.discord.errors import PodiumTree
from bot.discord.forms import answer_unclaimed
from bot.discord.members import DiscordMembers
from bot.discord.publisher import DiscordPublisher
from bot.discord.render import NO_MENTIONS
from bot.domain.clock import utcnow
from bot.flows.context import Podium, similarity_index
from bot.llm.client import ModelClient
from bot.scheduling.clock import EventClock
from bot.services.qa.text import valid_payload
from bot.services.sense.screening import load_classifier
from bot.services.sense.similarity import SimilarityIndex
from bot.settings import Settings
from bot.web.console import Console
from bot.web.server import PresenterServer
from db.engine import Database
from db.migrate import upgrade

log = logging.getLogger(__name__)

# How long a thread may hold the interpreter while another waits for it (Python's default: 5 ms).
THREAD_SWITCH_INTERVAL_S = 0.001
# How many malloc arenas the process's threads share (glibc's default: eight per CPU).
MALLOC_ARENAS = 2
M_ARENA_MAX = -8  # glibc's malloc.h
MESSAGE_COMPONENT = 3  # the interaction type of a click on a button or a menu

# Each cog registers its own persistent buttons (dynamic items) when it loads.
EXTENSIONS = ("cogs.audience", "cogs.moderation", "cogs.events", "cogs.drafts", "cogs.admin", "cogs.presenter")


def intents() -> discord.Intents:
    """Slash commands, buttons and modals need no privileged intent: guilds alone (for roles)."""
    return discord.Intents(guilds=True)


class PodiumMixin:
    """What every Podium bot has, sharded or not: the database, the flows' context and its Discord
    publisher, the presenter screen, the event's clock."""

    db: Database
    presenter: PresenterServer
    settings: Settings
    # The configured language model, or None for the extractive writer.
    model: ModelClient | None
    publisher: DiscordPublisher
    podium: Podium  # built in setup_hook, before the cogs load
    clock: EventClock  # started in setup_hook, once the cogs are loaded
    clicks: Clicks  # the clicks answered from the payload, registered by the cogs

    def _init_podium(self, settings: Settings, db: Database, similar: SimilarityIndex | None) -> None:
        self.settings, self.db = settings, db
        # The bot's loop shares the interpreter with the database's thread (and the similarity
        # work's): a thread back from a round trip to the server waits for the one holding the
        # interpreter to hand it over, by default every 5 ms. In a burst that wait, after every
        # statement, was most of a vote's time (py-spy: 45% of the database thread's samples).
        sys.setswitchinterval(THREAD_SWITCH_INTERVAL_S)
        # Each thread that allocates takes a malloc arena of its own while there are fewer than
        # the cap, and keeps its freed memory there: the bot's threads (database, similarity,
        # the executor's) each held one, mostly empty. Two shared arenas hold the same work in
        # about 20 MB less (peak RSS through the burst benchmark's board, 241 and 221 MB).
        _limit_malloc_arenas(MALLOC_ARENAS)
        self.clicks = Clicks()
        # Given when the command line has loaded the similarity model already (to say in one line
        # what to install if it is missing, before connecting); otherwise built in setup_hook.
        self._similar = similar
        _repair_interaction_text(self._connection, self.clicks)  # type: ignore[attr-defined]
        if settings.discord_api_base:
            use_discord_api(settings.discord_api_base)
        self.presenter = PresenterServer(db, settings)
        self.model = ModelClient.from_settings(settings)
        # Questions asked from now on get their cards from the ask itself.
        self._started_at: datetime | None = utcnow()

    async def setup_hook(self) -> None:
        if self.settings.discord_api_base:
            # discord.py connects to Discord's own gateway without asking where it is; behind
            # another API, ask it (GET /gateway/bot), as Discord's documentation tells clients to.
            _, url, _ = await self.http.get_bot_gateway()  # type: ignore[attr-defined]
            DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
        await upgrade(self.db)
        # Loading the abuse classifier takes seconds: start it now, in a thread, not at the first ask.
        asyncio.get_running_loop().run_in_executor(None, load_classifier)
        settings = self.settings
        self.publisher = DiscordPublisher(
            self,  # type: ignore[arg-type]
            self.db,
            card_edit_interval_s=settings.card_edit_interval_s,
            board_edit_interval_s=settings.board_edit_interval_s,
        )
        self.podium = Podium(
            db=self.db,
            similar=self._similar if self._similar is not None else similarity_index(settings),
            model=self.model,
            publisher=self.publisher,
        )
        self.presenter.console = Console(self.podium, DiscordMembers(self))  # type: ignore[arg-type]
        # On the bot's own loop; if it cannot start, the Q&A goes on without it (start logs why).
        await self.presenter.start()
        self.clock = EventClock.from_settings(settings, self.db, publisher=self.publisher, model=self.model)
        for extension in EXTENSIONS:
            await self.load_extension(extension)  # type: ignore[attr-defined]
        await self.clock.start()
        # Everything loaded so far lives as long as the bot: keep it out of the garbage collector's
        # full collections, which otherwise pause the event loop for a few hundred milliseconds
        # on a heap this size, in the middle of a burst of votes. Collected first, so the start's
        # own garbage is freed rather than kept for good.
        gc.collect()
        gc.freeze()

    async def on_ready(self) -> None:
        """Once connected (the first time only), post the cards the last run confirmed but never posted."""
        if self._started_at is None:
            return
        started_at, self._started_at = self._started_at, None
        guilds = [guild.id for guild in self.guilds]  # type: ignore[attr-defined]
        await self.publisher.cards.post_missing(guilds, asked_before=started_at)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        # A form opened before a restart is answered as the form that opened it would have been.
        answer_unclaimed(interaction)

    async def close(self) -> None:
        if hasattr(self, "clock"):
            await self.clock.shutdown()
        if hasattr(self, "publisher"):
            await self.publisher.flush()
        await self.presenter.stop()
        await super().close()  # type: ignore[misc]
        if self.model is not None:
            await self.model.close()
        await self.db.dispose()


class PodiumBot(PodiumMixin, commands.Bot):
    def __init__(self, settings: Settings, db: Database, similar: SimilarityIndex | None = None) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned, intents=intents(), allowed_mentions=NO_MENTIONS, tree_cls=PodiumTree
        )
        self._init_podium(settings, db, similar)


class ShardedPodiumBot(PodiumMixin, commands.AutoShardedBot):
    def __init__(self, settings: Settings, db: Database, similar: SimilarityIndex | None = None) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents(),
            allowed_mentions=NO_MENTIONS,
            tree_cls=PodiumTree,
            shard_count=settings.shard_count,
            shard_ids=settings.shard_ids,
        )
        self._init_podium(settings, db, similar)


def _limit_malloc_arenas(arenas: int) -> None:
    """Cap the malloc arenas of threads started from now on (glibc's ``mallopt``); where the C
    library has no ``mallopt`` (macOS), leave it as it is."""
    mallopt = getattr(ctypes.CDLL(None), "mallopt", None)
    if mallopt is not None:
        mallopt(M_ARENA_MAX, arenas)


def _repair_interaction_text(state: ConnectionState, clicks: Clicks) -> None:
    """Make every string of every interaction valid Unicode before discord.py reads it, and hand
    the clicks Podium answers from the payload to ``clicks`` (``bot.discord.clicks``).

    This is the door for all text a member sends (options, form fields, a forwarded message,
    their name): the gateway hands each INTERACTION_CREATE to ``state.parsers``, and a lone
    surrogate in one (a JSON escape Discord passes on) would otherwise reach native code.
    """
    parse = state.parsers["INTERACTION_CREATE"]

    def repaired(data: dict) -> None:
        if data.get("type") == MESSAGE_COMPONENT and "message" in data:
            # A click carries the message it was on: Podium's own (a board of forty components),
            # whose text was checked when it was stored. Walking it on every vote of a burst
            # cost more than the vote itself.
            own = data["message"]
            checked = {**valid_payload({k: v for k, v in data.items() if k != "message"}), "message": own}
            if not clicks.take(state, checked):
                parse(checked)
        else:
            parse(valid_payload(data))

    state.parsers["INTERACTION_CREATE"] = repaired


def use_discord_api(base: str) -> None:
    """Send every request for Discord's HTTP API to ``base`` (a rate-limit proxy, say). discord.py
    keeps the address on a class, so it holds for the whole process, which is the bot's."""
    Route.BASE = base.rstrip("/")


def create_bot(settings: Settings, db: Database | None = None, similar: SimilarityIndex | None = None) -> commands.Bot:
    """The bot for these settings: sharded when SHARD_COUNT is set. ``similar``: the similarity
    index, if it is built already (``similarity_index(settings)`` in setup_hook otherwise)."""
    database = db or Database(settings.database_url, retries=settings.database_retries)
    if settings.shard_count:
        return ShardedPodiumBot(settings, database, similar)
    return PodiumBot(settings, database, similar)
