"""A question's public card: the embed, its vote buttons, and the board that keeps cards current.

The board belongs to the Discord publisher (``bot.discord.publisher``), which the flows post through.

A vote clicked on a card is answered by redrawing that card (the interaction's UPDATE_MESSAGE
response), which Discord does not count against the channel's rate limit or the bot's global
one; so under a burst most cards are kept current by the votes themselves, at no cost.

What a vote's response cannot cover, the board edits (PATCH, which the channel's bucket limits
to a few a second): a vote whose response failed, votes from elsewhere than the card, a
moderator's change, redraws that crossed (Discord applies requests in flight at once in an order
the bot does not know). The board remembers what each card last showed, and only while no other
redraw of it was in flight. So the votes clicked on a card answer it one at a time (a late vote,
acknowledged already, leaves its redraw to a newer one waiting behind it, which shows it too),
and the card is not looked at for its counts while votes clicked on it are being counted (their
answers will show newer counts than a look could read; on PostgreSQL a burst's hot cards always
had some, and were edited again and again, each edit queued at the channel's pace). After each
change it looks at the card, at most once per card per ``interval_s`` (2 s by default): one read
of the question as it is then, and an edit only if the card may show something else. So the last
vote is always shown, and a burst costs a bounded number of reads and API calls. The counts of
the cards due a look at once are one read (``_CountReader``): a burst's looks at a thousand cards
cost a few reads a second, not hundreds.

A channel's card posts go out one at a time, and so do its card edits. discord.py spaces requests
by the rate-limit headers, but when a bucket's window renews it takes the first answer's
``Remaining`` as it is, not counting the requests already in flight, and sends a few too many;
with one request in flight its count is exact, and Discord refuses none.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime
from typing import Any

import discord

from bot.discord import safe
from bot.discord.buttons import vote_buttons
from bot.discord.render import fit_embed, quote
from bot.domain.credit import credit_for
from bot.domain.enums import QuestionStatus
from bot.domain.errors import PodiumError
from bot.domain.transitions import VOTABLE
from bot.services.qa.questions import describe_status, set_card_message
from bot.services.qa.votes import VoteTally, vote_counts
from bot.services.surfaces.cards import card_facts, questions_without_cards
from db.engine import Database
from db.models import Event, Question

log = logging.getLogger(__name__)

_COLOURS = {
    QuestionStatus.PUBLISHED: discord.Colour.blurple(),
    QuestionStatus.LIVE: discord.Colour.gold(),
    QuestionStatus.ANSWERED: discord.Colour.green(),
}
_REMOVED = {QuestionStatus.DISMISSED, QuestionStatus.WITHDRAWN, QuestionStatus.MERGED}


def asked_by(question: Question, askers: int = 1) -> str:
    """Who asked, as the audience may see it (``bot.domain.credit``), ``askers`` counting everyone
    credited after merges."""
    return credit_for(question.author_name, anonymous=question.anonymous, askers=askers).line


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
    votable = question.status in VOTABLE
    counts = (question.votes_up, question.votes_down if event.allow_downvotes else None)
    return embed, vote_buttons(question.id or 0, *counts, votable=votable)


def _buttons(message: discord.Message) -> list[discord.Button]:
    return [
        c
        for row in message.components
        if isinstance(row, discord.ActionRow)
        for c in row.children
        if isinstance(c, discord.Button)
    ]


Drawing = tuple[tuple[int, int], dict[str, Any], list[dict[str, Any]]]


def _drawing(question: Question | VoteTally, embed: discord.Embed, view: discord.ui.View) -> Drawing:
    """What a card shows, comparable with what it showed before: the counts, the embed as sent
    (fitted to Discord's limits, which sending would do anyway) and the buttons."""
    return (question.votes_up, question.votes_down), fit_embed(embed).to_dict(), view.to_components()


class _CountReader:
    """The vote counts of the cards looked at, read together: the looks that want counts while a
    read is in flight wait for the next one, which reads them all."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._wanted: dict[int, list[asyncio.Future[tuple[int, int] | None]]] = {}
        self._reading: asyncio.Task[None] | None = None

    async def counts(self, question_id: int) -> tuple[int, int] | None:
        """The question's (upvotes, downvotes) now, or None if it no longer exists."""
        wanted: asyncio.Future[tuple[int, int] | None] = asyncio.get_running_loop().create_future()
        self._wanted.setdefault(question_id, []).append(wanted)
        if self._reading is None:
            self._reading = asyncio.create_task(self._read_all())
        return await wanted

    async def _read_all(self) -> None:
        try:
            while self._wanted:
                wanted, self._wanted = self._wanted, {}
                try:
                    counts = await vote_counts(self.db, wanted)
                except Exception as error:
                    for futures in wanted.values():
                        for future in futures:
                            if not future.done():
                                future.set_exception(error)
                    continue
                for question_id, futures in wanted.items():
                    for future in futures:
                        if not future.done():
                            future.set_result(counts.get(question_id))
        finally:
            self._reading = None


class _Answers:
    """The votes of one card waiting to redraw it, taking turns: ``asked`` counts them all, so a
    redraw knows whether a newer one waits behind it."""

    def __init__(self) -> None:
        self.turn = asyncio.Lock()
        self.asked = 0
        self.waiting = 0


class CardBoard:
    """Posts question cards in the event's channel and keeps them current."""

    def __init__(self, bot: discord.Client, db: Database, *, interval_s: float) -> None:
        self.bot, self.db, self.interval_s = bot, db, interval_s
        self._pending: dict[int, asyncio.Task[None]] = {}
        self._last_look: dict[int, float] = {}
        # What each card shows now, as far as the board knows; absent when it does not know.
        self._shown: dict[int, Drawing] = {}
        self._drawing_now: dict[int, int] = {}
        self._overlapped: set[int] = set()
        # Each card's votes being answered: one redraw of a card in flight at a time.
        self._answers: dict[int, _Answers] = {}
        # Votes clicked on each card and not yet answered; the cards whose look waits for them.
        self._counting: dict[int, int] = {}
        self._put_off: set[int] = set()
        self._posting: set[int] = set()
        self._lanes: dict[tuple[str, int], asyncio.Lock] = {}
        # Cards whose question changed in more than its counts since the board last looked.
        self._changed: set[int] = set()
        self._counts = _CountReader(db)

    async def post(self, question: Question) -> None:
        """Post the card of a newly published question and remember its message."""
        question_id = question.id or 0
        self._posting.add(question_id)
        try:
            facts = await card_facts(self.db, question_id)
            if facts.event.channel_id is None:
                log.info("Event %s has no channel; question %s gets no card", facts.event.id, question_id)
                return
            embed, view = render_card(facts.question, facts.event, askers=facts.askers)
            drawing = _drawing(facts.question, embed, view)
            channel = self.bot.get_partial_messageable(facts.event.channel_id)
            # In a busy channel the post may wait behind others for a while, so the card
            # is looked at again once it is up (an edit only if something changed meanwhile).
            async with self._lane("post", facts.event.channel_id):
                # One nonce per question: a card posted by a bot that died before remembering it
                # is returned, not posted again, when the next run posts the cards it finds missing.
                message = await safe.post(channel, embed=embed, view=view, nonce=f"podium-card-{question_id}")
            if message is None:
                return
            await set_card_message(self.db, question_id, message.id)
            self._shown[question_id] = drawing
            self._last_look[question_id] = time.monotonic()
        except PodiumError as error:
            # The look an interval later posts the card, or remembers the one posted (its nonce
            # returns it).
            self._last_look[question_id] = time.monotonic()
            self._look_again(question_id, error, "not posted")
            return
        finally:
            self._posting.discard(question_id)
        self.refresh(question_id)

    async def answer_vote(self, interaction: discord.Interaction, tally: VoteTally) -> bool:
        """Answer a vote clicked on the question's card by redrawing the card with the new counts.

        The vote changed only the counts, so the card is the one clicked with new buttons: no read.
        A coalesced look follows (a read at most once per card per interval), which edits the card
        only if it may show something else (votes crossing, a moderator's change meanwhile).
        Returns False, having answered nothing, when the button was not on the card (an ephemeral
        suggestion, say): the caller replies.
        """
        clicked = interaction.message
        title = f"Question #{tally.question_id}"
        if clicked is None or clicked.flags.ephemeral or not clicked.embeds or clicked.embeds[0].title != title:
            return False
        downvotes = any(c.custom_id.endswith(":down") for c in _buttons(clicked))
        view = vote_buttons(tally.question_id, tally.votes_up, tally.votes_down if downvotes else None)
        embed = clicked.embeds[0]
        drawing = _drawing(tally, embed, view)
        answers = self._answers.setdefault(tally.question_id, _Answers())
        answers.asked += 1
        ticket = answers.asked
        answers.waiting += 1
        try:
            async with answers.turn:
                # A click acknowledged already (a late vote) needs no redraw of its own when a
                # newer one of the same card waits behind it: that one, counted after, shows
                # this vote too. A click not yet answered is answered, with its own counts.
                if ticket == answers.asked or not interaction.response.is_done():
                    async with self._drawing_of(tally.question_id) as shows:
                        if await safe.update_message(interaction, embed=embed, view=view):
                            shows(drawing)
        finally:
            answers.waiting -= 1
            if not answers.waiting:
                del self._answers[tally.question_id]
        self.refresh(tally.question_id, votes_only=True)
        return True

    @contextlib.contextmanager
    def counting(self, question_id: int) -> Iterator[None]:
        """Around a vote clicked on the question's card, from the click to its answer. Meanwhile
        the card's looks leave its counts to the votes' answers, and the look put off comes once
        the last of them is done."""
        self._counting[question_id] = self._counting.get(question_id, 0) + 1
        try:
            yield
        finally:
            self._counting[question_id] -= 1
            if not self._counting[question_id]:
                del self._counting[question_id]
                if question_id in self._put_off:
                    self._put_off.discard(question_id)
                    self.refresh(question_id, votes_only=True)

    async def post_missing(self, guilds: list[int], *, asked_before: datetime) -> int:
        """Post the cards a stopped bot left unposted in these servers; returns how many."""
        missing = await questions_without_cards(self.db, guilds, asked_before=asked_before)
        for question in missing:
            await self.post(question)
        if missing:
            log.info("Posted %s cards left unposted when the bot last stopped", len(missing))
        return len(missing)

    def refresh(self, question_id: int, *, votes_only: bool = False) -> None:
        """Bring the card up to date soon; many calls in a burst make one edit.

        ``votes_only``: only the question's counts may have changed (a vote), so a card known to
        show the counts as they are needs no other read.
        """
        if not votes_only:
            self._changed.add(question_id)
        if question_id not in self._pending:
            self._pending[question_id] = asyncio.create_task(self._edit_when_due(question_id))

    async def flush(self) -> None:
        """Wait for every scheduled card edit (at shutdown, and in tests)."""
        while self._pending:
            await asyncio.gather(*list(self._pending.values()), return_exceptions=True)

    async def _edit_when_due(self, question_id: int) -> None:
        try:
            due = self._last_look.get(question_id, float("-inf")) + self.interval_s
            await asyncio.sleep(max(0.0, due - time.monotonic()))
        finally:
            # Anything that happens from here on schedules a new edit, which will show it.
            del self._pending[question_id]
        try:
            await self._edit(question_id)
        except PodiumError as error:
            # The card keeps what it shows.
            self._look_again(question_id, error, "not redrawn")

    def _look_again(self, question_id: int, error: PodiumError, outcome: str) -> None:
        """The database is in trouble (a burst crowding its pool, a restart): look at the card
        again an interval after its last look, as if it had changed."""
        log.warning("card of question %s: %s (%s); looking again", question_id, outcome, type(error).__name__)
        self._changed.add(question_id)
        self.refresh(question_id)

    async def _edit(self, question_id: int) -> None:
        if question_id in self._posting:
            return  # the post looks again once its card is up
        changed = question_id in self._changed
        if self._put_off_for_votes(question_id, changed):
            return
        self._last_look[question_id] = time.monotonic()
        shown = self._shown.get(question_id)
        self._changed.discard(question_id)
        if not changed and shown is not None and shown[0] == await self._counts.counts(question_id):
            return
        facts = await card_facts(self.db, question_id)
        question, event = facts.question, facts.event
        if question.card_message_id is None or event.channel_id is None:
            if question.card_message_id is None and question.status is QuestionStatus.PUBLISHED:
                await self.post(question)
            return
        if self._shown.get(question_id) == _drawing(question, *render_card(question, event, askers=facts.askers)):
            return
        async with self._lane("edit", event.channel_id):
            # The edit may have waited its turn behind others while votes came.
            if self._put_off_for_votes(question_id, changed):
                return
            await self._redraw(question_id)
        if question_id not in self._shown:
            self.refresh(question_id)  # another redraw crossed this one: look again

    def _put_off_for_votes(self, question_id: int, changed: bool) -> bool:
        """Whether to leave the card's counts to the votes clicked on it that are being counted:
        their answers will redraw it with counts newer than a look could read, and an edit now
        would only cross them (and, crossed, leave the card unknown, to be edited again). The
        look comes once the last of them is done. A change besides the counts is shown now."""
        if changed or question_id not in self._counting:
            return False
        self._put_off.add(question_id)
        return True

    async def _redraw(self, question_id: int) -> None:
        """Edit the card to show its question as it is now, unless it shows that already."""
        async with self._drawing_of(question_id) as shows:
            # Read again: the edit may have waited its turn, and a vote may have redrawn the card.
            facts = await card_facts(self.db, question_id)
            embed, view = render_card(facts.question, facts.event, askers=facts.askers)
            drawing = _drawing(facts.question, embed, view)
            if self._shown.get(question_id) == drawing:
                shows(drawing)
                return
            channel = self.bot.get_partial_messageable(facts.event.channel_id or 0)
            message = channel.get_partial_message(facts.question.card_message_id or 0)
            if await safe.edit(message, embed=embed, view=view):
                shows(drawing)

    def _lane(self, route: str, channel_id: int) -> asyncio.Lock:
        """One request at a time per channel and route (see the module's docstring)."""
        return self._lanes.setdefault((route, channel_id), asyncio.Lock())

    @contextlib.asynccontextmanager
    async def _drawing_of(self, question_id: int) -> AsyncIterator[Callable[[Any], None]]:
        """Around reading a card's question and showing it: afterwards the board knows what the
        card shows, unless this redraw failed or another of the same card was in flight at the
        same time (Discord may have applied them in either order)."""
        shown: list[Any] = []
        if self._drawing_now.get(question_id):
            self._overlapped.add(question_id)
        self._drawing_now[question_id] = self._drawing_now.get(question_id, 0) + 1
        try:
            yield shown.append
        finally:
            self._drawing_now[question_id] -= 1
            if not self._drawing_now[question_id]:
                del self._drawing_now[question_id]
            if question_id in self._overlapped or not shown:
                self._shown.pop(question_id, None)
                if question_id not in self._drawing_now:
                    self._overlapped.discard(question_id)
            else:
                self._shown[question_id] = shown[-1]
