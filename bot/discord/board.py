"""The event's board on Discord: one message drawn with layout components, and the keeper that
keeps it current.

Why layout components ("Components V2", flag ``IS_COMPONENTS_V2``) rather than an embed: the
board is a list with a vote button beside each question, which only a section (a text display
with a button as its accessory) can draw; an embed's buttons all sit below it, in at most five
rows, away from the questions they vote on. Discord's limits for such a message: 40 components
in all (nested ones counted), at most 4,000 characters of text across its text displays (as
discord.py's ``LayoutView.content_length`` documents), no ``content`` or ``embeds``. The board
is drawn to fit them whatever the questions hold: ten questions at most, each clipped to its share.

A vote clicked on the board is answered by redrawing the board in the interaction's response
(UPDATE_MESSAGE), which Discord does not count against the channel's rate limit: from the board
the keeper last drew, with the new count, in the same order (``services.surfaces.board``: never
re-sorted under a click). That drawing is kept as the JSON components it is sent as
(``Drawing``), so a vote changes one label and sends it, without a view built, walked or
serialised per click (``bot.discord.clicks``). A late vote (its write waiting on the database)
acknowledges the click first and sends the same redraw as an edit of the interaction's original
response, which is the board. Everything else (asks, moderators' changes, votes from Browse,
the re-sort once the clicking calms down) is an edit of the message, at most one per
``interval_s``, made only when the board would look different from what the keeper knows it shows.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import discord

from bot.discord import safe
from bot.discord.buttons import ARROWS, board_buttons, board_vote_button, unkept, vote_custom_id
from bot.discord.cards import asked_by
from bot.discord.clicks import answer_click, update_components
from bot.discord.render import clip, quote
from bot.domain.enums import EventState
from bot.domain.errors import PodiumError
from bot.services.qa.votes import VoteTally
from bot.services.surfaces.board import Board, next_resort_at, read_board, resort_due, set_board_message
from db.engine import Database

log = logging.getLogger(__name__)

COMPONENTS_MAX = 40
TEXT_MAX = 4_000
QUESTION_TEXT_MAX = 280
LIVE_TEXT_MAX = 300
CROSSING_WAIT_S = 0.5
_COLOURS = {
    EventState.OPEN: discord.Colour.green(),
    EventState.PAUSED: discord.Colour.orange(),
    EventState.CLOSED: discord.Colour.dark_grey(),
    EventState.ARCHIVED: discord.Colour.dark_grey(),
}


def render_board(board: Board) -> discord.ui.LayoutView:
    """The board as everyone sees it, within Discord's limits for a layout message."""
    event, rules = board.event, board.lifecycle
    event_id = event.id or 0
    header = f"## {quote(clip(event.title, 100))}\n{rules.line}"
    if board.recap_channel_id is not None:
        header += f"\n📝 The recap is posted in <#{board.recap_channel_id}>."
    fixed = [header]
    if board.live is not None:
        fixed.append(f"🎙️ **Now answering #{board.live.id}**\n{clip(quote(board.live.text), LIVE_TEXT_MAX)}")
    shown = len(board.questions)
    if shown:
        footer = f"-# Top {shown} of {board.waiting} waiting. Browse all for every question, your votes and search."
    else:
        footer = "No questions yet: be the first to ask." if rules.can_ask else "No questions are waiting."
    fixed.append(footer)
    lines = [f"**#{q.id}** · {quote(asked_by(q))}" for q in board.questions]
    # Each question's text gets an equal share of what the fixed parts leave of the 4,000.
    spare = TEXT_MAX - sum(map(len, fixed)) - sum(len(line) + 1 for line in lines)
    share = min(QUESTION_TEXT_MAX, spare // shown) if shown else 0
    container = discord.ui.Container(accent_colour=_COLOURS.get(event.state, discord.Colour.blurple()))
    container.add_item(discord.ui.TextDisplay(header))
    if board.live is not None:
        container.add_item(discord.ui.TextDisplay(fixed[1]))
    container.add_item(discord.ui.Separator())
    for question, line in zip(board.questions, lines, strict=True):
        text = discord.ui.TextDisplay(f"{line}\n{clip(quote(question.text), max(1, share))}")
        vote = board_vote_button(event_id, question.id or 0, count=question.votes_up, disabled=not rules.can_vote)
        container.add_item(discord.ui.Section(text, accessory=vote))
    container.add_item(discord.ui.TextDisplay(footer))
    row = discord.ui.ActionRow()
    for button in board_buttons(event_id, can_ask=rules.can_ask):
        row.add_item(button)
    container.add_item(row)
    view = discord.ui.LayoutView(timeout=None)
    view.add_item(container)
    return unkept(view)


def drawing(view: discord.ui.LayoutView) -> list[dict[str, Any]]:
    """What a board shows, comparable with what it showed before."""
    return view.to_components()


@dataclass(frozen=True, slots=True)
class Drawing:
    """A board as the JSON components it is sent as, with its buttons by custom_id (the same
    dictionaries, so a vote changes a label in place)."""

    components: list[dict[str, Any]]
    buttons: dict[str, dict[str, Any]]

    @classmethod
    def of(cls, view: discord.ui.LayoutView) -> "Drawing":
        components = drawing(view)
        buttons: dict[str, dict[str, Any]] = {}

        def walk(component: dict[str, Any]) -> None:
            if "custom_id" in component:
                buttons[component["custom_id"]] = component
            for child in component.get("components") or ():
                walk(child)
            if accessory := component.get("accessory"):
                walk(accessory)

        for component in components:
            walk(component)
        return cls(components, buttons)


class BoardKeeper:
    """Posts each event's board and keeps it current, one message per event."""

    def __init__(self, client: discord.Client, db: Database, *, interval_s: float) -> None:
        self.client, self.db, self.interval_s = client, db, interval_s
        self._boards: dict[int, Board] = {}  # the board last drawn, per event
        self._drawings: dict[int, Drawing] = {}  # and its drawing, which votes update
        # What the message shows, when known: a drawing's components (a vote's response changes
        # them in place, and then they are what it shows).
        self._shown: dict[int, list[dict[str, Any]]] = {}
        self._drawing_now: dict[int, int] = {}
        self._overlapped: set[int] = set()
        self._sorted_at: dict[int, float] = {}
        self._clicked_at: dict[int, float] = {}
        self._last_look: dict[int, float] = {}
        self._pending: dict[int, asyncio.Task[None]] = {}
        self._due: dict[int, float] = {}
        self._waited_since: dict[int, float] = {}
        self._wake: dict[int, asyncio.Event] = {}
        self._lanes: dict[int, asyncio.Lock] = {}

    async def post(self, event_id: int) -> bool:
        """Post (and pin) the event's board if it has none, else redraw it; True if it is up."""
        board = await read_board(self.db, event_id)
        event = board.event
        if event.channel_id is None:
            return False
        view = render_board(board)
        channel = self.client.get_partial_messageable(event.channel_id)
        async with self._lane(event_id):
            if event.board_message_id is not None:
                ok = await safe.edit_layout(channel.get_partial_message(event.board_message_id), view)
                if ok:
                    self._remember(event_id, board, view, sorted_=True)
                    return True
            # One nonce per event: a board posted by a bot that died before storing its id is
            # returned rather than posted twice.
            message = await safe.post_layout(channel, view, nonce=f"podium-board-{event_id}")
            if message is None:
                return False
            await set_board_message(self.db, event_id, message.id)
            self._remember(event_id, board, view, sorted_=True)
        await safe.pin(message)
        return True

    def clicked(self, event_id: int) -> None:
        """Someone is clicking the board: its order stays put for a while (``services.surfaces.board``)."""
        self._clicked_at[event_id] = time.monotonic()

    async def answer_vote(self, interaction: discord.Interaction, event_id: int, vote: Awaitable[VoteTally]) -> None:
        """Answer a vote clicked on the board by redrawing it with the new count, in place: in the
        click's response, or after acknowledging the click if the vote is late (``answer_click``)."""
        self.clicked(event_id)  # before the vote: the look it schedules must not re-sort
        counted = self._counted(event_id, vote)
        await answer_click(interaction, counted, lambda drawn: self._show(interaction, event_id, drawn))
        self.refresh(event_id)

    async def _counted(self, event_id: int, vote: Awaitable[VoteTally]) -> Drawing:
        """The board as last drawn, with the vote's new count on its button."""
        tally = await vote
        custom_id = vote_custom_id(event_id, tally.question_id)
        drawn = self._drawings.get(event_id)
        if drawn is None or custom_id not in drawn.buttons:
            board = await read_board(self.db, event_id, shown=self._shown_ids(event_id), resort=False)
            drawn = Drawing.of(render_board(board))
            self._boards[event_id], self._drawings[event_id] = board, drawn
        # The board as last drawn, with this one count changed: in a burst, building a new
        # drawing for every click costs more than everything else a vote does.
        if (button := drawn.buttons.get(custom_id)) is not None:
            button["label"] = f"{ARROWS['up']} {tally.votes_up}"
        return drawn

    async def _show(self, interaction: discord.Interaction, event_id: int, drawn: Drawing) -> None:
        # The click's response or its edit: either is a redraw of the board message.
        async with self._drawing_of(event_id) as shows:
            if await update_components(interaction, drawn.components):
                # The same components: a later click changes them (and shows them) or, failing,
                # makes the keeper forget what the board shows.
                shows(drawn.components)

    def refresh(self, event_id: int, *, at: float | None = None) -> None:
        """Bring the board up to date soon (not before ``at``, monotonic, if given); many calls in
        a burst make at most one edit per interval."""
        due = max(self._last_look.get(event_id, float("-inf")) + self.interval_s, at or float("-inf"))
        self._due[event_id] = min(due, self._due.get(event_id, due))
        if event_id in self._pending:
            self._wake[event_id].set()  # it may be due sooner than the look waiting for it
        else:
            self._wake[event_id] = asyncio.Event()
            self._pending[event_id] = asyncio.create_task(self._look_when_due(event_id))

    def forget(self, event_id: int) -> None:
        """Drop what is remembered of a board (its event was archived)."""
        for memory in (self._boards, self._drawings, self._shown, self._sorted_at, self._clicked_at, self._last_look):
            memory.pop(event_id, None)

    async def flush(self) -> None:
        """Wait for every scheduled board edit (at shutdown, and in tests)."""
        while self._pending:
            await asyncio.gather(*list(self._pending.values()), return_exceptions=True)

    async def _look_when_due(self, event_id: int) -> None:
        try:
            while (wait := self._due[event_id] - time.monotonic()) > 0:
                wake = self._wake[event_id]
                wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), wait)
        finally:
            # Anything that happens from here on schedules a new look, which will show it.
            del self._pending[event_id], self._due[event_id], self._wake[event_id]
        try:
            await self._look(event_id)
        except PodiumError as error:
            # The database is in trouble (a burst crowding its pool, a restart): the board keeps
            # what it shows, and looks again an interval later.
            log.warning("board of event %s: not redrawn (%s); looking again", event_id, type(error).__name__)
            self.refresh(event_id)

    async def _look(self, event_id: int) -> None:
        now = time.monotonic()
        if self._drawing_now.get(event_id) and now - self._waited_since.setdefault(event_id, now) < CROSSING_WAIT_S:
            # A vote's response is redrawing the board: an edit now would cross it. Wait for it,
            # a little (responses may never stop coming in a burst).
            self.refresh(event_id, at=now + CROSSING_WAIT_S / 10)
            return
        self._waited_since.pop(event_id, None)
        self._last_look[event_id] = now
        clicked_at = self._clicked_at.get(event_id, float("-inf"))
        resort = resort_due(now, self._sorted_at.get(event_id, float("-inf")), clicked_at)
        board = await read_board(self.db, event_id, shown=self._shown_ids(event_id), resort=resort)
        event = board.event
        if event.board_message_id is None or event.channel_id is None:
            return
        view = render_board(board)
        drawn = Drawing.of(view)
        if self._shown.get(event_id) != drawn.components:
            channel = self.client.get_partial_messageable(event.channel_id)
            async with self._lane(event_id), self._drawing_of(event_id) as shows:
                if await safe.edit_layout(channel.get_partial_message(event.board_message_id), view):
                    shows(drawn.components)
        self._boards[event_id], self._drawings[event_id] = board, drawn
        if resort:
            self._sorted_at[event_id] = now
        if event_id not in self._shown:
            self.refresh(event_id)  # another redraw crossed this one: look again
        elif not board.sorted:
            # The true order waits for the clicking to calm down: look again then.
            self.refresh(event_id, at=next_resort_at(self._sorted_at.get(event_id, now), clicked_at))

    def _shown_ids(self, event_id: int) -> list[int]:
        board = self._boards.get(event_id)
        return [q.id or 0 for q in board.questions] if board else []

    def _remember(self, event_id: int, board: Board, view: discord.ui.LayoutView, *, sorted_: bool) -> None:
        drawn = Drawing.of(view)
        self._boards[event_id], self._drawings[event_id], self._shown[event_id] = board, drawn, drawn.components
        if sorted_:
            self._sorted_at[event_id] = time.monotonic()

    def _lane(self, event_id: int) -> asyncio.Lock:
        # One request at a time per board: discord.py's count of a bucket is exact only so.
        return self._lanes.setdefault(event_id, asyncio.Lock())

    @contextlib.asynccontextmanager
    async def _drawing_of(self, event_id: int) -> AsyncIterator[Callable[[Any], None]]:
        """Around showing a board: afterwards the keeper knows what it shows, unless this redraw
        failed or another one crossed it (Discord may have applied them in either order)."""
        shown: list[Any] = []
        if self._drawing_now.get(event_id):
            self._overlapped.add(event_id)
        self._drawing_now[event_id] = self._drawing_now.get(event_id, 0) + 1
        try:
            yield shown.append
        finally:
            self._drawing_now[event_id] -= 1
            if not self._drawing_now[event_id]:
                del self._drawing_now[event_id]
            if event_id in self._overlapped or not shown:
                self._shown.pop(event_id, None)
                if event_id not in self._drawing_now:
                    self._overlapped.discard(event_id)
            else:
                self._shown[event_id] = shown[-1]
