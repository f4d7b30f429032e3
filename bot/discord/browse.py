"""A member's own views of the queue, drawn for them alone: Browse all and My questions.

Browse is a layout message (a vote button beside each question, as on the board) sent
ephemerally; every control's custom_id carries the page's state (``buttons.BROWSE_PAGE``), so a
page opened before a restart still turns, sorts, filters and votes. It fits Discord's limits at
any size: eight questions a page (3 components each), three rows of controls, 35 components and
under 4,000 characters of text in all.
"""

from typing import Any

import discord

from bot.discord.buttons import browse_custom_id, unkept
from bot.discord.cards import asked_by
from bot.discord.render import SELECT_OPTIONS_MAX, clip, quote
from bot.domain.enums import QuestionStatus
from bot.services.surfaces.board import SEARCH_MAX, BrowseOrder, BrowsePage, where_it_stands
from db.models import Event, Question

ORDER_NAMES = {BrowseOrder.POPULAR: "Popular", BrowseOrder.TRENDING: "Trending", BrowseOrder.RECENT: "Recent"}
QUESTION_TEXT_MAX = 300
THEME_IN_ID_MAX = 40
ALL_THEMES = "*"


def theme_filter(theme: str) -> str:
    """The filter a theme travels as in a custom_id: its first characters (see ``browse_page``)."""
    return f"t={theme[:THEME_IN_ID_MAX]}"


def search_filter(words: str) -> str:
    """The filter searched words travel as in a custom_id."""
    return f"q={words.strip()[:SEARCH_MAX]}"


def render_browse(page: BrowsePage, order: BrowseOrder, filter_: str | None) -> discord.ui.LayoutView:
    """One page of Browse for one member: their own votes marked on each question."""
    event_id = page.event.id or 0
    page_no, pages = page.page, page.pages

    def cid(action: str, *, to_page: int = page_no) -> str:
        return browse_custom_id(event_id, order.value, to_page, action, filter_)

    narrowed = ""
    if filter_:
        kind, _, value = filter_.partition("=")
        narrowed = f" · theme “{quote(value)}…”" if kind == "t" else f" · containing “{quote(value)}”"
    header = (
        f"### Every open question in {quote(clip(page.event.title, 100))}\n"
        f"-# {ORDER_NAMES[order]}{narrowed} · page {page_no + 1} of {pages}"
    )
    if not page.lifecycle.can_vote:
        header += f"\n{page.lifecycle.line}"
    container = discord.ui.Container()
    container.add_item(discord.ui.TextDisplay(header))
    if not page.questions:
        container.add_item(discord.ui.TextDisplay("No question matches." if filter_ else "No open questions yet."))
    for question in page.questions:
        mine = page.my_votes.get(question.id or 0, 0)
        container.add_item(_question(question, mine, cid(f"vote{question.id}"), votable=page.lifecycle.can_vote))
    sort = discord.ui.Select(
        custom_id=cid("sort", to_page=0),
        options=[
            discord.SelectOption(label=name, value=o.value, default=o is order) for o, name in ORDER_NAMES.items()
        ],
    )
    container.add_item(discord.ui.ActionRow(sort))
    if page.themes:
        chosen = filter_[2:] if filter_ and filter_.startswith("t=") else None
        options = [discord.SelectOption(label="All themes", value=ALL_THEMES, default=chosen is None)]
        for theme in page.themes[: SELECT_OPTIONS_MAX - 1]:
            default = chosen is not None and theme.startswith(chosen)
            options.append(discord.SelectOption(label=clip(theme, 100), value=theme[:100], default=default))
        container.add_item(discord.ui.ActionRow(discord.ui.Select(custom_id=cid("theme", to_page=0), options=options)))
    turn = [
        discord.ui.Button(label="◀ Previous", custom_id=cid("go", to_page=max(0, page_no - 1)), disabled=page_no == 0),
        discord.ui.Button(label="Next ▶", custom_id=cid("go", to_page=page_no + 1), disabled=page_no >= pages - 1),
        discord.ui.Button(label="Search", emoji="🔎", custom_id=cid("find", to_page=0)),
    ]
    if filter_:
        turn.append(discord.ui.Button(label="Clear filter", custom_id=cid("clear", to_page=0)))
    container.add_item(discord.ui.ActionRow(*turn))
    view = discord.ui.LayoutView(timeout=None)
    view.add_item(container)
    return unkept(view)


def _question(question: Question, mine: int, custom_id: str, *, votable: bool) -> discord.ui.Section:
    live = " · 🎙️ being answered now" if question.status is QuestionStatus.LIVE else ""
    text = f"**#{question.id}** · {quote(asked_by(question))}{live}\n{clip(quote(question.text), QUESTION_TEXT_MAX)}"
    label, style = _vote_look(question.votes_up, mine)
    button = discord.ui.Button(label=label, style=style, custom_id=custom_id, disabled=not votable)
    return discord.ui.Section(discord.ui.TextDisplay(text), accessory=button)


def _vote_look(votes_up: int, mine: int) -> tuple[str, discord.ButtonStyle]:
    """A question's vote button on a member's page: its upvotes, and the member's own vote (the
    one place it is marked, so a vote redraws the button alone)."""
    if mine == 1:
        return f"✅ ▲ {votes_up}", discord.ButtonStyle.success
    if mine == -1:
        return f"▲ {votes_up} · you ▼", discord.ButtonStyle.secondary
    return f"▲ {votes_up}", discord.ButtonStyle.secondary


def vote_redrawn(drawn: list[dict[str, Any]], custom_id: str, votes_up: int, mine: int) -> list[dict[str, Any]] | None:
    """The page as the member sees it (``drawn``: the clicked message's components), with the
    vote button ``custom_id`` showing the question's upvotes and the member's vote now; the rest
    as it was, so a vote reads nothing else. None if the page has no such button."""
    label, style = _vote_look(votes_up, mine)
    redrawn, found = _with_button(drawn, custom_id, {"label": label, "style": style.value})
    return redrawn if found else None


def _with_button(
    components: list[dict[str, Any]], custom_id: str, change: dict[str, Any]
) -> tuple[list[dict[str, Any]], bool]:
    """``components`` with ``change`` made to the button ``custom_id`` (copied on its path only),
    and whether it was there."""
    out = []
    found = False
    for component in components:
        if not found:
            accessory = component.get("accessory")
            if component.get("custom_id") == custom_id:
                component, found = {**component, **change}, True
            elif isinstance(accessory, dict) and accessory.get("custom_id") == custom_id:
                component, found = {**component, "accessory": {**accessory, **change}}, True
            elif component.get("components"):
                inner, found = _with_button(component["components"], custom_id, change)
                if found:
                    component = {**component, "components": inner}
        out.append(component)
    return out, found


def my_questions_embed(event: Event, questions: list[Question]) -> discord.Embed:
    """The member's questions in the event, where each stands and why one was set aside."""
    embed = discord.Embed(title=clip(f"Your questions in {event.title}", 256))
    for question in questions[-25:]:
        anonymous = " (anonymous)" if question.anonymous else ""
        embed.add_field(
            name=clip(f"#{question.id}: {where_it_stands(question)}{anonymous}", 256),
            value=clip(quote(question.text), 1024),
            inline=False,
        )
    return embed
