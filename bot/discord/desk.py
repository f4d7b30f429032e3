"""The moderators' desk on Discord: one live message in the moderators' channel per event.

It shows what waits for review (flagged first, with why) with one-click *Publish* and *Set
aside* buttons (a button per common reason; "other" asks for a note), the suggested merges with
a *Merge* button each, and the live question with *Answered* and *Next*: a decision is one click,
two with a note. The buttons are the same persistent ones as everywhere else
(``bot.discord.buttons``), so a click meets the same checks and flows.

The board is kept current like the cards: every change schedules a redraw of its event's desk,
at most one edit per ``interval_s``, drawn from the desk as it stands then; a desk whose message
is gone is posted again. Owned by the Discord publisher.
"""

import asyncio
import logging
import time

import discord

from bot.discord import safe
from bot.discord.buttons import (
    REASONS,
    decision_button,
    merge_into_button,
    next_button,
    set_aside_button,
    unkept,
)
from bot.discord.moderators import asker
from bot.discord.render import EMBED_DESCRIPTION_MAX, clip, quote
from bot.domain.enums import ReasonCode
from bot.domain.transitions import Decision
from bot.services.qa.routing import event_channels
from bot.services.surfaces.desk import Desk, event_of_question, moderators_desk, set_desk_message
from db.engine import Database

log = logging.getLogger(__name__)

# The reasons that fit beside Publish in a waiting question's row of five.
DESK_REASONS = [ReasonCode.OFF_TOPIC, ReasonCode.DUPLICATE, ReasonCode.INAPPROPRIATE, ReasonCode.OTHER]
# Rows 0-2 hold the waiting questions (services.qa.desk.WAITING_SHOWN), then the merges, then live.
MERGES_ROW, LIVE_ROW = 3, 4


def render_desk(desk: Desk) -> tuple[discord.Embed, discord.ui.View]:
    """The desk message: the embed says what is where, the buttons act on it."""
    embed = discord.Embed(title=f"Moderators' desk: {desk.event.title}", colour=discord.Colour.dark_teal())
    view = discord.ui.View(timeout=None)
    lines = [f"**Waiting for review: {desk.waiting_total}**"]
    for row, question in enumerate(desk.waiting):
        flag = f"\n  ⚠️ flagged: {quote(question.flag_reason or 'by the profanity filter')}" if question.flagged else ""
        lines.append(f"`#{question.id}` {quote(clip(question.text, 200))} — *{asker(question)}*{flag}")
        publish = decision_button(Decision.APPROVE, question.id or 0)
        publish.label = f"Publish #{question.id}"
        view.add_item(_on_row(publish, row))
        for reason in DESK_REASONS:
            view.add_item(_on_row(set_aside_button(reason, question.id or 0, label=_reason_label(reason)), row))
    if desk.waiting_total > len(desk.waiting):
        lines.append(f"*…and {desk.waiting_total - len(desk.waiting)} more: `/mod queue` has them all.*")
    if desk.merges:
        lines.append("\n**Suggested merges**")
        for merge in desk.merges:
            lines.append(f"#{merge.question.id} looks like #{merge.into.id}, {merge.similarity:.2f}")
            view.add_item(_on_row(merge_into_button(merge.question.id or 0, merge.into.id or 0), MERGES_ROW))
    lines.append("\n**Live now**")
    if desk.live is not None:
        lines.append(f"`#{desk.live.id}` {quote(clip(desk.live.text, 300))}")
        view.add_item(_on_row(decision_button(Decision.ANSWER, desk.live.id or 0), LIVE_ROW))
    else:
        lines.append("*Nothing is being answered.*")
    lines.append(f"{desk.queued} in the queue.")
    if desk.queued:
        view.add_item(_on_row(next_button(desk.event.id or 0), LIVE_ROW))
    embed.description = clip("\n".join(lines), EMBED_DESCRIPTION_MAX)
    return embed, unkept(view)


def _on_row(button: discord.ui.Button, row: int) -> discord.ui.Button:
    button.row = row
    return button


def _reason_label(reason: ReasonCode) -> str:
    return REASONS[reason] if reason is ReasonCode.OTHER else f"Set aside: {REASONS[reason].lower()}"


class DeskBoard:
    """Posts each event's desk in the moderators' channel and keeps it current."""

    def __init__(self, client: discord.Client, db: Database, *, interval_s: float) -> None:
        self.client, self.db, self.interval_s = client, db, interval_s
        self._pending: dict[int, asyncio.Task[None]] = {}
        self._again: set[int] = set()
        self._last_draw: dict[int, float] = {}
        self._events: dict[int, int] = {}
        self._lookups: set[asyncio.Task[None]] = set()

    def refresh(self, event_id: int) -> None:
        """Bring the event's desk up to date soon; a burst of changes makes one edit."""
        task = self._pending.get(event_id)
        if task is not None and not task.done():
            # A draw under way may have read the desk before this change: draw once more after.
            self._again.add(event_id)
            return
        self._pending[event_id] = asyncio.create_task(self._draw_when_due(event_id))

    def question_changed(self, question_id: int) -> None:
        """Refresh the desk of the question's event."""
        if (event_id := self._events.get(question_id)) is not None:
            self.refresh(event_id)
            return
        task = asyncio.create_task(self._refresh_for(question_id))
        self._lookups.add(task)
        task.add_done_callback(self._lookups.discard)

    async def flush(self) -> None:
        """Wait for every scheduled redraw (at shutdown, and in tests)."""
        while pending := [t for t in [*self._lookups, *self._pending.values()] if not t.done()]:
            await asyncio.gather(*pending, return_exceptions=True)

    async def _refresh_for(self, question_id: int) -> None:
        event_id = await event_of_question(self.db, question_id)
        if event_id is not None:
            self._events[question_id] = event_id
            self.refresh(event_id)

    async def _draw_when_due(self, event_id: int) -> None:
        while True:
            wait = self._last_draw.get(event_id, -self.interval_s) + self.interval_s - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            self._again.discard(event_id)
            self._last_draw[event_id] = time.monotonic()
            try:
                await self._draw(event_id)
            except Exception:
                log.exception("The desk of event %s could not be drawn", event_id)
            if event_id not in self._again:
                return

    async def _draw(self, event_id: int) -> None:
        channel_id = (await event_channels(self.db, event_id)).moderators
        if channel_id is None:
            return
        desk = await moderators_desk(self.db, event_id)
        embed, view = render_desk(desk)
        channel = self.client.get_partial_messageable(channel_id)
        if desk.event.desk_message_id is not None:
            message = channel.get_partial_message(desk.event.desk_message_id)
            if await safe.edit(message, embed=embed, view=view):
                return
        posted = await safe.post(channel, embed=embed, view=view)
        if posted is not None:
            await set_desk_message(self.db, event_id, posted.id)
