"""The flows' port on Discord: every message a flow or the clock sends goes out here, through
``safe`` (limits, no mentions). It owns the card board, and is built once in ``setup_hook``."""

import asyncio
import io
import logging
from collections.abc import Coroutine, Sequence
from typing import Any

import discord

from bot.discord import embeds, safe
from bot.discord.buttons import ask_button, decision_buttons, recap_buttons
from bot.discord.cards import CardBoard
from bot.discord.desk import DeskBoard
from bot.discord.render import quote, split_content
from bot.domain.enums import DraftKind
from bot.domain.transitions import Decision
from db.engine import Database
from db.models import Draft, Event, Question

log = logging.getLogger(__name__)

# A review request offers what a moderator usually decides at once.
REVIEW_DECISIONS = [Decision.APPROVE, Decision.SET_ASIDE, Decision.EDIT]


class DiscordPublisher:
    """Posts and edits Podium's messages in the server's channels."""

    def __init__(self, client: discord.Client, db: Database, *, card_edit_interval_s: float) -> None:
        self.client = client
        self.cards = CardBoard(client, db, interval_s=card_edit_interval_s)
        self.desk = DeskBoard(client, db, interval_s=card_edit_interval_s)
        self._posting: set[asyncio.Task[None]] = set()

    def question_changed(self, question_id: int, *, votes_only: bool = False) -> None:
        self.cards.refresh(question_id, votes_only=votes_only)
        if not votes_only:
            self.desk.question_changed(question_id)

    async def publish(self, question: Question) -> None:
        # In a burst the card waits its turn in the channel's lane (5 posts a second): the asker
        # is answered meanwhile, not after it.
        self._in_background(self.cards.post(question))
        self.desk.refresh(question.event_id)

    async def request_review(self, channel_id: int, question: Question) -> None:
        view = decision_buttons(question.id or 0, REVIEW_DECISIONS)
        self._in_background(safe.post(self._channel(channel_id), embed=embeds.review_request(question), view=view))
        self.desk.refresh(question.event_id)

    async def announce_live(self, channel_id: int, question: Question) -> None:
        await safe.post(self._channel(channel_id), embed=embeds.now_answering(question))

    async def open_panel(self, channel_id: int, event: Event) -> bool:
        return await self._post_panel(channel_id, event, content=None)

    async def remind(self, channel_id: int, event: Event) -> bool:
        starts = f"<t:{int(event.starts_at.timestamp())}:R>" if event.starts_at else "soon"
        return await self._post_panel(
            channel_id, event, content=f"Questions open {starts}: ask yours as soon as they do."
        )

    async def deliver(self, channel_id: int, heading: str, draft: Draft) -> bool:
        view = recap_buttons(draft.id or 0) if draft.kind is DraftKind.RECAP else None
        return (
            await safe.post(self._channel(channel_id), heading, embed=embeds.draft_embed(draft), view=view) is not None
        )

    async def post_recap(self, channel_id: int, messages: Sequence[str], chart: bytes) -> bool:
        # The recap's text is data (a model wrote most of it): made inert, then split again to fit.
        chunks = split_content(quote("\n".join(messages)))
        for number, chunk in enumerate(chunks, start=1):
            file = discord.File(io.BytesIO(chart), filename="timeline.png") if number == len(chunks) else None
            if await safe.post(self._channel(channel_id), chunk, file=file) is None:
                return False
        return True

    async def flush(self) -> None:
        """Wait for every post and card edit in flight (at shutdown, and in tests)."""
        while self._posting:
            await asyncio.gather(*list(self._posting), return_exceptions=True)
        await self.cards.flush()
        await self.desk.flush()

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
        message = await safe.post(self._channel(channel_id), content, embed=embeds.panel(event), view=view)
        if message is None:
            return False
        await safe.pin(message)
        return True

    def _channel(self, channel_id: int) -> discord.PartialMessageable:
        return self.client.get_partial_messageable(channel_id)
