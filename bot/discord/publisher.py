"""The flows' port on Discord: every message a flow or the clock sends goes out here, through
``safe`` (limits, no mentions). It owns the card board, and is built once in ``setup_hook``."""

import asyncio
import io
import logging
from collections.abc import Coroutine
from typing import Any

import discord

from bot.discord import embeds, safe
from bot.discord.board import BoardKeeper
from bot.discord.buttons import ask_button, decision_buttons, unkept
from bot.discord.cards import CardBoard
from bot.discord.desk import DeskBoard
from bot.discord.guild_events import GuildEvents
from bot.discord.notices import Notifier
from bot.discord.stage import StageTopics
from bot.domain.enums import EventState
from bot.domain.transitions import Decision
from bot.flows.port import Posted
from bot.render import discord as render_discord
from bot.services.drafts.drafting import ApprovedRecap
from bot.services.qa.events import get_event
from bot.services.qa.questions import get_question
from bot.services.surfaces.notices import News
from db.engine import Database
from db.models import Draft, Event, Question

log = logging.getLogger(__name__)

# A review request offers what a moderator usually decides at once.
REVIEW_DECISIONS = [Decision.APPROVE, Decision.SET_ASIDE, Decision.EDIT]


class DiscordPublisher:
    """Posts and edits Podium's messages in the server's channels."""

    def __init__(
        self, client: discord.Client, db: Database, *, card_edit_interval_s: float, board_edit_interval_s: float = 1.0
    ) -> None:
        self.client, self.db = client, db
        self.cards = CardBoard(client, db, interval_s=card_edit_interval_s)
        self.boards = BoardKeeper(client, db, interval_s=board_edit_interval_s)
        self.notices = Notifier(client, db)
        self.guild_events = GuildEvents(client, db)
        self.stage = StageTopics(client)
        self.desk = DeskBoard(client, db, interval_s=card_edit_interval_s)
        self._posting: set[asyncio.Task[None]] = set()
        # Which event each question belongs to (it never moves), and which events also give
        # each question a card of its own (re-read whenever the event changes).
        self._event_of: dict[int, int] = {}
        self._cards_in: dict[int, bool] = {}

    def question_changed(self, question_id: int, *, votes_only: bool = False) -> None:
        event_id = self._event_of.get(question_id)
        if event_id is not None and event_id in self._cards_in:
            self._follow(event_id, question_id, votes_only=votes_only)
        else:
            self._in_background(self._find_then_follow(question_id, votes_only=votes_only))
        if not votes_only:
            self.desk.question_changed(question_id)

    def event_changed(self, event_id: int) -> None:
        self._cards_in.pop(event_id, None)
        self._in_background(self._event_changed(event_id))

    def notify(self, question_id: int, news: News) -> None:
        self._in_background(self.notices.send(question_id, news))

    async def schedule_in_discord(self, event: Event) -> str | None:
        return await self.guild_events.keep_in_step(event)

    async def end_in_discord(self, event: Event, before: EventState) -> None:
        await self.guild_events.end(event, before)

    async def publish(self, question: Question) -> None:
        event_id = question.event_id
        self._event_of[question.id or 0] = event_id
        if await self._with_cards(event_id):
            # In a burst the card waits its turn in the channel's lane (5 posts a second): the
            # asker is answered meanwhile, not after it.
            self._in_background(self.cards.post(question))
        self.boards.refresh(event_id)
        self.desk.refresh(event_id)

    async def request_review(self, channel_id: int, question: Question) -> None:
        view = decision_buttons(question.id or 0, REVIEW_DECISIONS)
        self._in_background(safe.post(self._channel(channel_id), embed=embeds.review_request(question), view=view))
        self.desk.refresh(question.event_id)

    async def announce_live(self, channel_id: int, question: Question) -> None:
        await safe.post(self._channel(channel_id), embed=embeds.now_answering(question))

    async def show_on_stage(self, question: Question) -> str | None:
        return await self.stage.show(await get_event(self.db, question.event_id), question)

    async def open_panel(self, channel_id: int, event: Event) -> bool:
        # The board is the event's panel: its Ask button, and the questions to vote on.
        self._cards_in[event.id or 0] = event.question_cards
        return await self.boards.post(event.id or 0)

    async def remind(self, channel_id: int, event: Event) -> bool:
        starts = f"<t:{int(event.starts_at.timestamp())}:R>" if event.starts_at else "soon"
        return await self._post_panel(
            channel_id, event, content=f"Questions open {starts}: ask yours as soon as they do."
        )

    async def deliver(self, channel_id: int, heading: str, draft: Draft) -> bool:
        return await safe.post(self._channel(channel_id), heading, **embeds.draft_message(draft)) is not None

    async def post_recap(self, channel_id: int, recap: ApprovedRecap, chart: bytes, *, posted: Posted) -> bool:
        # The renderer has quoted the recap's data and added the markup: its messages go out as they
        # are. Each carries a nonce, so one Discord took before a failure is not posted twice.
        draft_id = recap.draft.id or 0
        chunks = render_discord.messages(recap.document)
        for number, chunk in enumerate(chunks, start=1):
            if number <= recap.posted:
                continue
            file = discord.File(io.BytesIO(chart), filename="timeline.png") if number == len(chunks) else None
            if (
                await safe.post(self._channel(channel_id), chunk, file=file, nonce=f"podium-r{draft_id}-{number}")
                is None
            ):
                return False
            await posted(number, number == len(chunks))
        return True

    async def flush(self) -> None:
        """Wait for every post and card edit in flight (at shutdown, and in tests)."""
        while self._posting:
            await asyncio.gather(*list(self._posting), return_exceptions=True)
        await self.cards.flush()
        await self.boards.flush()
        await self.desk.flush()

    def _follow(self, event_id: int, question_id: int, *, votes_only: bool) -> None:
        self.boards.refresh(event_id)
        if self._cards_in[event_id]:
            self.cards.refresh(question_id, votes_only=votes_only)

    async def _find_then_follow(self, question_id: int, *, votes_only: bool) -> None:
        event_id = self._event_of.get(question_id) or (await get_question(self.db, question_id)).event_id
        self._event_of[question_id] = event_id
        await self._with_cards(event_id)
        self._follow(event_id, question_id, votes_only=votes_only)

    async def _with_cards(self, event_id: int) -> bool:
        if event_id not in self._cards_in:
            self._cards_in[event_id] = (await get_event(self.db, event_id)).question_cards
        return self._cards_in[event_id]

    async def _event_changed(self, event_id: int) -> None:
        await self._with_cards(event_id)
        self.boards.refresh(event_id)

    def _in_background(self, sending: Coroutine[Any, Any, object]) -> None:
        task = asyncio.create_task(sending)
        self._posting.add(task)
        task.add_done_callback(self._sent)

    def _sent(self, task: asyncio.Task[None]) -> None:
        self._posting.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            log.error("A post in the background failed", exc_info=error)

    async def _post_panel(self, channel_id: int, event: Event, *, content: str | None) -> bool:
        view = discord.ui.View(timeout=None)
        view.add_item(ask_button(event.id or 0))
        message = await safe.post(self._channel(channel_id), content, embed=embeds.panel(event), view=unkept(view))
        if message is None:
            return False
        await safe.pin(message)
        return True

    def _channel(self, channel_id: int) -> discord.PartialMessageable:
        return self.client.get_partial_messageable(channel_id)
