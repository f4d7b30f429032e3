"""The board's buttons and Browse's controls: parse the custom_id, call the flow, redraw.

Each answers a template of ``bot.discord.buttons``, so a board posted, or a Browse page opened,
before a restart keeps working. The votes (``vote_on_board``, ``vote_in_browse``) are the
burst's clicks: they are answered from the payload (``bot.discord.clicks``, registered in
``setup``); the others are ``DynamicItem``s, through discord.py's dispatch.
"""

import re
from typing import Any, cast

import discord

from bot.discord import buttons, safe
from bot.discord.actors import actor_from
from bot.discord.browse import (
    ALL_THEMES,
    my_questions_embed,
    render_browse,
    search_filter,
    theme_filter,
    vote_redrawn,
)
from bot.discord.clicks import DRAWN, answer_click, update_components
from bot.discord.client import podium_of
from bot.discord.errors import PodiumModal, guarded
from bot.discord.publisher import DiscordPublisher
from bot.discord.render import quote
from bot.flows import audience
from bot.services.qa.events import get_event
from bot.services.qa.questions import my_questions
from bot.services.surfaces.board import SEARCH_MAX, BrowseOrder, browse_page


async def vote_on_board(interaction: discord.Interaction, match: re.Match[str]) -> None:
    """Upvote a question from the board: the answer is the board redrawn, nothing else."""
    event_id, question_id = int(match["event"]), int(match["question"])
    podium = podium_of(interaction)
    vote = audience.vote(podium, question_id, actor_from(interaction), 1)
    # The board is public, so it cannot show whose vote it was: Browse marks the member's own.
    await cast(DiscordPublisher, podium.publisher).boards.answer_vote(interaction, event_id, vote)


async def vote_in_browse(interaction: discord.Interaction, match: re.Match[str]) -> None:
    """Upvote a question from a Browse page: the answer is the page redrawn in place, the vote's
    button showing the count and the member's vote (the page read again only if the button is not
    on what the member sees)."""
    control = _BrowseControl()
    control._parse(match)

    async def vote() -> list[dict[str, Any]]:
        tally = await audience.vote(podium_of(interaction), control.question_id or 0, actor_from(interaction), 1)
        custom_id = match.string  # the clicked button's, which the template matched
        redrawn = vote_redrawn(interaction.extras[DRAWN], custom_id, tally.votes_up, tally.my_vote)
        if redrawn is not None:
            return redrawn
        return (await control.page(interaction, control.order, control.page_no, control.filter)).to_components()

    await answer_click(interaction, vote(), lambda components: update_components(interaction, components))


class BrowseButton(discord.ui.DynamicItem[discord.ui.Button], template=buttons.BROWSE):
    """The board's "Browse all": the first page, Popular, for this member alone."""

    def __init__(self, event_id: int, item: discord.ui.Button | None = None) -> None:
        super().__init__(item or buttons.board_buttons(event_id, can_ask=True)[1])
        self.event_id = event_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> "BrowseButton":
        return cls(int(match["event"]), item)

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        page = await browse_page(podium_of(interaction).db, self.event_id, actor_from(interaction))
        await safe.reply_layout(interaction, render_browse(page, BrowseOrder.POPULAR, None))


class MineButton(discord.ui.DynamicItem[discord.ui.Button], template=buttons.MINE):
    """The board's "My questions": the member's own, where each stands and why."""

    def __init__(self, event_id: int, item: discord.ui.Button | None = None) -> None:
        super().__init__(item or buttons.board_buttons(event_id, can_ask=True)[2])
        self.event_id = event_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> "MineButton":
        return cls(int(match["event"]), item)

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        db = podium_of(interaction).db
        event = await get_event(db, self.event_id, guild_id=interaction.guild_id)
        questions = list(await my_questions(db, self.event_id, actor_from(interaction)))
        if not questions:
            await safe.reply(interaction, f"You have not asked anything in “{quote(event.title)}” yet.")
            return
        await safe.reply(interaction, embed=my_questions_embed(event, questions))


class _BrowseControl:
    """What every Browse control knows from its custom_id: the page it sits on."""

    event_id: int
    order: BrowseOrder
    page_no: int
    action: str
    question_id: int | None
    filter: str | None

    def _parse(self, match: re.Match[str]) -> None:
        self.event_id, self.order, self.page_no = int(match["event"]), BrowseOrder(match["order"]), int(match["page"])
        self.action, self.filter = match["action"], match["filter"]
        self.question_id = int(match["question"]) if match["question"] else None

    async def show(self, interaction: discord.Interaction, order: BrowseOrder, page: int, filter_: str | None) -> None:
        """Redraw the Browse message in place with this order, page and filter."""
        await safe.update_layout(interaction, await self.page(interaction, order, page, filter_))

    async def page(
        self, interaction: discord.Interaction, order: BrowseOrder, page: int, filter_: str | None
    ) -> discord.ui.LayoutView:
        """The Browse page with this order, page and filter, for the member clicking."""
        kind, _, value = (filter_ or "").partition("=")
        found = await browse_page(
            podium_of(interaction).db,
            self.event_id,
            actor_from(interaction),
            order=order,
            page=page,
            theme=value if kind == "t" else None,
            search=value if kind == "q" else None,
        )
        return render_browse(found, order, filter_)


class BrowsePageButton(_BrowseControl, discord.ui.DynamicItem[discord.ui.Button], template=buttons.BROWSE_PAGE):
    """A button on a Browse page: turn the page, search, clear the filter (a vote: ``vote_in_browse``)."""

    def __init__(self, match: re.Match[str], item: discord.ui.Button) -> None:
        super().__init__(item)
        self._parse(match)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> "BrowsePageButton":
        return cls(match, item)

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        if self.action == "find":
            await safe.open_modal(interaction, SearchModal(self))
        else:
            await self.show(interaction, self.order, self.page_no, None if self.action == "clear" else self.filter)


class BrowseSelect(_BrowseControl, discord.ui.DynamicItem[discord.ui.Select], template=buttons.BROWSE_MENU):
    """A menu on a Browse page: the order, or the theme."""

    def __init__(self, match: re.Match[str], item: discord.ui.Select) -> None:
        super().__init__(item)
        self._parse(match)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Select, match: re.Match[str], /
    ) -> "BrowseSelect":
        return cls(match, item)

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        [value] = cast(discord.ui.Select, self.item).values or [None]
        if self.action == "sort" and value is not None:
            await self.show(interaction, BrowseOrder(value), 0, self.filter)
        else:
            await self.show(interaction, self.order, 0, None if value in (None, ALL_THEMES) else theme_filter(value))


class SearchModal(PodiumModal):
    """Browse's search: the words a question must contain."""

    def __init__(self, control: _BrowseControl) -> None:
        super().__init__(title="Search the questions", timeout=15 * 60)
        self.control = control
        self.words = discord.ui.TextInput(label="Words in the question", max_length=SEARCH_MAX)
        self.add_item(self.words)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        words = self.words.value.strip()
        await self.control.show(interaction, self.control.order, 0, search_filter(words) if words else None)
