"""A question's public card: the embed, its vote buttons, and the board that keeps cards current.

Votes can arrive by the thousand, so card edits are coalesced: a card is edited at most once per
``interval_s`` (2 s by default) and each edit shows the question as it is when the edit is made,
so the last vote is always shown and a burst costs a bounded number of API calls.
"""

import asyncio
import logging
import time
from datetime import datetime
from typing import TYPE_CHECKING

import discord

from bot.discord import safe
from bot.discord.render import quote
from bot.services.cards import card_facts, questions_without_cards
from bot.services.questions import describe_status, set_card_message
from bot.services.votes import VOTABLE
from cogs.audience.views import VoteButton
from db.engine import Database
from db.models import Event, Question, QuestionStatus

if TYPE_CHECKING:
    from bot.app import PodiumBot

log = logging.getLogger(__name__)

_COLOURS = {
    QuestionStatus.PUBLISHED: discord.Colour.blurple(),
    QuestionStatus.LIVE: discord.Colour.gold(),
    QuestionStatus.ANSWERED: discord.Colour.green(),
}
_REMOVED = {QuestionStatus.DISMISSED, QuestionStatus.WITHDRAWN, QuestionStatus.MERGED}


def asked_by(question: Question, askers: int = 1) -> str:
    """Who asked, as the audience may see it: never the name behind an anonymous question."""
    if askers > 1:
        return f"Asked by {askers} people"
    return "Asked anonymously" if question.anonymous else f"Asked by {question.author_name}"


def render_card(question: Question, event: Event, *, askers: int = 1) -> tuple[discord.Embed, discord.ui.View]:
    """The card as the audience sees it now; ``askers`` counts everyone credited after merges."""
    embed = discord.Embed(
        title=f"Question #{question.id}", colour=_COLOURS.get(question.status, discord.Colour.greyple())
    )
    if question.status in _REMOVED:
        embed.description = f"*This question is {describe_status(question)}.*"
    else:
        embed.description = quote(question.text)
        embed.set_author(name=asked_by(question, askers))
    status = {QuestionStatus.LIVE: "🎙️ Being answered now", QuestionStatus.ANSWERED: "✅ Answered"}
    embed.set_footer(text=status.get(question.status, f"{event.title} · upvote the questions you want answered"))
    view = discord.ui.View(timeout=None)
    votable = question.status in VOTABLE
    view.add_item(VoteButton(question.id, "up", count=question.votes_up, disabled=not votable))
    if event.allow_downvotes:
        view.add_item(VoteButton(question.id, "down", count=question.votes_down, disabled=not votable))
    return embed, view


class CardBoard:
    """Posts question cards in the event's channel and keeps them current."""

    def __init__(self, bot: "PodiumBot", db: Database, *, interval_s: float) -> None:
        self.bot, self.db, self.interval_s = bot, db, interval_s
        self._pending: dict[int, asyncio.Task[None]] = {}
        self._last_edit: dict[int, float] = {}

    async def post(self, question: Question) -> None:
        """Post the card of a newly published question and remember its message."""
        facts = await card_facts(self.db, question.id or 0)
        if facts.event.channel_id is None:
            log.info("Event %s has no channel; question %s gets no card", facts.event.id, question.id)
            return
        embed, view = render_card(facts.question, facts.event, askers=facts.askers)
        # One nonce per question: a card posted by a bot that died before remembering it is
        # returned, not posted again, when the next run posts the cards it finds missing.
        channel = self.bot.get_partial_messageable(facts.event.channel_id)
        message = await safe.post(channel, embed=embed, view=view, nonce=f"podium-card-{question.id}")
        if message is not None:
            await set_card_message(self.db, question.id or 0, message.id)

    async def post_missing(self, guilds: list[int], *, asked_before: datetime) -> int:
        """Post the cards a stopped bot left unposted in these servers; returns how many."""
        missing = await questions_without_cards(self.db, guilds, asked_before=asked_before)
        for question in missing:
            await self.post(question)
        if missing:
            log.info("Posted %s cards left unposted when the bot last stopped", len(missing))
        return len(missing)

    def refresh(self, question_id: int) -> None:
        """Bring the card up to date soon; many calls in a burst make one edit."""
        if question_id not in self._pending:
            self._pending[question_id] = asyncio.create_task(self._edit_when_due(question_id))

    async def flush(self) -> None:
        """Wait for every scheduled card edit (at shutdown, and in tests)."""
        while self._pending:
            await asyncio.gather(*list(self._pending.values()), return_exceptions=True)

    async def _edit_when_due(self, question_id: int) -> None:
        try:
            due = self._last_edit.get(question_id, float("-inf")) + self.interval_s
            await asyncio.sleep(max(0.0, due - time.monotonic()))
        finally:
            # Anything that happens from here on schedules a new edit, which will show it.
            del self._pending[question_id]
        facts = await card_facts(self.db, question_id)
        question, event = facts.question, facts.event
        if question.card_message_id is None:
            if question.status is QuestionStatus.PUBLISHED:
                await self.post(question)
            return
        if event.channel_id is None:
            return
        embed, view = render_card(question, event, askers=facts.askers)
        message = self.bot.get_partial_messageable(event.channel_id).get_partial_message(question.card_message_id)
        self._last_edit[question_id] = time.monotonic()
        await safe.edit(message, embed=embed, view=view)
