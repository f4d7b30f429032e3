"""The Discord client: Podium's Bot, built from settings and a database."""

import logging

import discord
from discord.ext import commands

from bot.discord.errors import PodiumTree
from bot.discord.render import NO_MENTIONS
from bot.services.events import get_event
from bot.services.guilds import guild_settings
from bot.settings import Settings
from cogs.audience.cards import CardBoard
from cogs.audience.views import AskButton, VoteButton
from cogs.moderation.queue import QuestionPicker, QueuePageButton
from cogs.moderation.views import ModerateButton, ReasonSelect, post_for_review
from db.engine import Database
from db.migrate import upgrade
from db.models import Question, QuestionStatus

log = logging.getLogger(__name__)

EXTENSIONS = ("cogs.audience", "cogs.moderation", "cogs.events", "cogs.admin")
DYNAMIC_ITEMS = (VoteButton, AskButton, ModerateButton, ReasonSelect, QuestionPicker, QueuePageButton)


def intents() -> discord.Intents:
    """Slash commands, buttons and modals need no privileged intent: guilds alone (for roles)."""
    return discord.Intents(guilds=True)


class PodiumMixin:
    """What every Podium bot has, sharded or not: the database, the cards, the wiring."""

    db: Database
    cards: CardBoard
    settings: Settings

    def _init_podium(self, settings: Settings, db: Database) -> None:
        self.settings, self.db = settings, db
        self.cards = CardBoard(self, db, interval_s=settings.card_edit_interval_s)  # type: ignore[arg-type]

    async def setup_hook(self) -> None:
        await upgrade(self.db)
        for extension in EXTENSIONS:
            await self.load_extension(extension)  # type: ignore[attr-defined]
        self.add_dynamic_items(*DYNAMIC_ITEMS)  # type: ignore[attr-defined]

    async def show_question(self, question: Question) -> None:
        """Put a new question where it belongs: a public card, or the moderators' review channel."""
        if question.status is QuestionStatus.PUBLISHED:
            await self.cards.post(question)
            return
        event = await get_event(self.db, question.event_id)
        channel_id = (await guild_settings(self.db, event.guild_id)).moderators_channel_id
        if channel_id is not None:
            await post_for_review(self, question, channel_id)  # type: ignore[arg-type]

    async def close(self) -> None:
        await self.cards.flush()
        await super().close()  # type: ignore[misc]
        await self.db.dispose()


class PodiumBot(PodiumMixin, commands.Bot):
    def __init__(self, settings: Settings, db: Database) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned, intents=intents(), allowed_mentions=NO_MENTIONS, tree_cls=PodiumTree
        )
        self._init_podium(settings, db)


class ShardedPodiumBot(PodiumMixin, commands.AutoShardedBot):
    def __init__(self, settings: Settings, db: Database) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents(),
            allowed_mentions=NO_MENTIONS,
            tree_cls=PodiumTree,
            shard_count=settings.shard_count,
            shard_ids=settings.shard_ids,
        )
        self._init_podium(settings, db)


def create_bot(settings: Settings, db: Database | None = None) -> commands.Bot:
    """The bot for these settings: sharded when SHARD_COUNT is set."""
    database = db or Database(settings.database_url)
    if settings.shard_count:
        return ShardedPodiumBot(settings, database)
    return PodiumBot(settings, database)
