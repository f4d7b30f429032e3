"""Podium's persistent buttons as they are drawn on a message.

Each custom_id says what its button acts on (``podium:vote:12:up``), so a click is understood on
any message, even one posted before a restart. The templates here are the one spelling of each:
the renderers draw buttons from them, and the cogs' ``DynamicItem``s, registered in ``setup_hook``,
parse the same templates to answer the clicks.
"""

from dataclasses import dataclass
from typing import Literal, TypeVar

import discord

from bot.discord.render import CUSTOM_ID_MAX, check_custom_id
from bot.domain.enums import ReasonCode
from bot.domain.transitions import Decision

VOTE = r"podium:vote:(?P<question>\d+):(?P<direction>up|down)"
ASK = r"podium:ask:(?P<event>\d+)"
MODERATE = r"podium:mod:(?P<action>[a-z]+):(?P<question>\d+)"
SET_ASIDE = r"podium:aside:(?P<reason>[a-z_]+):(?P<question>\d+)"
MERGE_INTO = r"podium:mergeinto:(?P<question>\d+):(?P<into>\d+)"
TAKE_NEXT = r"podium:next:(?P<event>\d+)"
RECAP = r"podium:recap:(?P<action>approve|regenerate|edit):(?P<draft>\d+)"
# Where a button sits is in its custom_id: a vote on the board is answered by redrawing the board.
BOARD_VOTE = r"podium:board:(?P<event>\d+):up:(?P<question>\d+)"
BROWSE = r"podium:browse:(?P<event>\d+)"
MINE = r"podium:mine:(?P<event>\d+)"
# A Browse page's controls carry the page's whole state (order, page, filter), so a page opened
# before a restart still turns, sorts and votes. Buttons: vote<question>, go (to the page named),
# find, clear; menus: sort, theme. ``filter`` is t=<a theme's first characters> or q=<words>.
_BROWSE_STATE = r"podium:br:(?P<event>\d+):(?P<order>[ptr]):(?P<page>\d+):"
_BROWSE_FILTER = r"(?::(?P<filter>[tq]=.*))?"
BROWSE_PAGE = _BROWSE_STATE + r"(?P<action>go|find|clear)(?P<question>)" + _BROWSE_FILTER
BROWSE_VOTE = _BROWSE_STATE + r"(?P<action>vote)(?P<question>\d+)" + _BROWSE_FILTER
BROWSE_MENU = _BROWSE_STATE + r"(?P<action>sort|theme)(?P<question>)" + _BROWSE_FILTER

Direction = Literal["up", "down"]
RecapAction = Literal["approve", "regenerate", "edit"]
ARROWS = {"up": "▲", "down": "▼"}


@dataclass(frozen=True)
class DecisionButton:
    """How a moderator's decision is drawn, and what the confirmation says once it is done."""

    label: str
    style: discord.ButtonStyle
    done: str


DECISIONS = {
    Decision.APPROVE: DecisionButton("Publish", discord.ButtonStyle.success, "published"),
    Decision.LIVE: DecisionButton("Go live", discord.ButtonStyle.primary, "is being answered now"),
    Decision.ANSWER: DecisionButton("Answered", discord.ButtonStyle.success, "marked answered"),
    Decision.PIN: DecisionButton("Pin", discord.ButtonStyle.secondary, "pinned to the top of the queue"),
    Decision.UNPIN: DecisionButton("Unpin", discord.ButtonStyle.secondary, "unpinned"),
    Decision.EDIT: DecisionButton("Edit", discord.ButtonStyle.secondary, "edited"),
    Decision.SET_ASIDE: DecisionButton("Set aside", discord.ButtonStyle.danger, "set aside"),
    Decision.RESTORE: DecisionButton("Restore", discord.ButtonStyle.secondary, "back in the queue"),
    Decision.MERGE: DecisionButton("Merge into…", discord.ButtonStyle.secondary, "merged"),
    Decision.UNMERGE: DecisionButton("Unmerge", discord.ButtonStyle.secondary, "unmerged and back as it was"),
}
# Why a question is set aside, as its buttons say it; "other" asks for a note.
REASONS = {
    ReasonCode.OFF_TOPIC: "Off-topic",
    ReasonCode.DUPLICATE: "Duplicate",
    ReasonCode.INAPPROPRIATE: "Inappropriate",
    ReasonCode.ALREADY_ANSWERED: "Already answered",
    ReasonCode.OTHER: "Other…",
}
RECAP_BUTTONS: dict[RecapAction, tuple[str, discord.ButtonStyle]] = {
    "approve": ("Approve and post", discord.ButtonStyle.success),
    "regenerate": ("Regenerate", discord.ButtonStyle.secondary),
    "edit": ("Edit", discord.ButtonStyle.secondary),
}


AnyView = TypeVar("AnyView", discord.ui.View, discord.ui.LayoutView)


def unkept(view: AnyView) -> AnyView:
    """``view`` as drawn only, for a message whose controls are answered by their custom_id
    templates (``DynamicItem``s and ``bot.discord.clicks``), so they work after a restart: stopped,
    so discord.py does not keep it for the message it goes out with. Kept, a view without a
    timeout stayed in memory for good, one for every card and every Browse page ever sent."""
    view.stop()
    return view


def vote_button(
    question_id: int, direction: Direction, *, count: int = 0, disabled: bool = False, label: str | None = None
) -> discord.ui.Button:
    """Upvote (or downvote) a question; a second click takes the vote back."""
    return discord.ui.Button(
        label=label or f"{ARROWS[direction]} {count}",
        style=discord.ButtonStyle.primary if direction == "up" else discord.ButtonStyle.secondary,
        custom_id=check_custom_id(f"podium:vote:{question_id}:{direction}"),
        disabled=disabled,
    )


def vote_buttons(question_id: int, up: int, down: int | None, *, votable: bool = True) -> discord.ui.View:
    """A card's buttons with its counts; no downvote button when ``down`` is None (not allowed)."""
    view = discord.ui.View(timeout=None)
    view.add_item(vote_button(question_id, "up", count=up, disabled=not votable))
    if down is not None:
        view.add_item(vote_button(question_id, "down", count=down, disabled=not votable))
    return unkept(view)


def ask_button(event_id: int) -> discord.ui.Button:
    """The event panel's "Ask a question" button: opens the ask form."""
    return discord.ui.Button(
        label="Ask a question",
        emoji="✋",
        style=discord.ButtonStyle.success,
        custom_id=check_custom_id(f"podium:ask:{event_id}"),
    )


def decision_button(decision: Decision, question_id: int) -> discord.ui.Button:
    """One moderator decision about one question."""
    spec = DECISIONS[decision]
    return discord.ui.Button(
        label=spec.label, style=spec.style, custom_id=check_custom_id(f"podium:mod:{decision.value}:{question_id}")
    )


def set_aside_button(reason: ReasonCode, question_id: int, *, label: str | None = None) -> discord.ui.Button:
    """Set a question aside for this reason in one click ("other" opens a form for the note)."""
    return discord.ui.Button(
        label=label or REASONS[reason],
        style=discord.ButtonStyle.danger if reason is ReasonCode.INAPPROPRIATE else discord.ButtonStyle.secondary,
        custom_id=check_custom_id(f"podium:aside:{reason.value}:{question_id}"),
    )


def decision_buttons(question_id: int, decisions: list[Decision]) -> discord.ui.View:
    """The decisions offered for a question, one button each; *set aside* is drawn as one button
    per reason, so taking a question out is one click wherever it is offered."""
    view = discord.ui.View(timeout=None)
    for decision in decisions:
        if decision is Decision.SET_ASIDE:
            for reason in REASONS:
                view.add_item(set_aside_button(reason, question_id, label=f"Set aside: {REASONS[reason]}"))
        else:
            view.add_item(decision_button(decision, question_id))
    return unkept(view)


def recap_button(action: RecapAction, draft_id: int) -> discord.ui.Button:
    """Approve and post, regenerate, or edit a recap draft; nothing is public until approved."""
    label, style = RECAP_BUTTONS[action]
    return discord.ui.Button(label=label, style=style, custom_id=check_custom_id(f"podium:recap:{action}:{draft_id}"))


def recap_buttons(draft_id: int) -> discord.ui.View:
    """A recap draft's three buttons."""
    view = discord.ui.View(timeout=None)
    for action in RECAP_BUTTONS:
        view.add_item(recap_button(action, draft_id))
    return unkept(view)


def board_buttons(event_id: int, *, can_ask: bool) -> list[discord.ui.Button]:
    """The board's own row: ask (while the event takes questions), browse all, my questions."""
    ask = ask_button(event_id)
    ask.disabled = not can_ask
    browse = discord.ui.Button(
        label="Browse all", emoji="📋", style=discord.ButtonStyle.primary, custom_id=f"podium:browse:{event_id}"
    )
    mine = discord.ui.Button(
        label="My questions", emoji="🙋", style=discord.ButtonStyle.secondary, custom_id=f"podium:mine:{event_id}"
    )
    return [ask, browse, mine]


def vote_custom_id(event_id: int, question_id: int) -> str:
    """The custom_id of a question's vote button on its event's board."""
    return check_custom_id(f"podium:board:{event_id}:up:{question_id}")


def board_vote_button(event_id: int, question_id: int, *, count: int, disabled: bool) -> discord.ui.Button:
    """Upvote a question from the board; a second click takes the vote back."""
    return discord.ui.Button(
        label=f"{ARROWS['up']} {count}",
        style=discord.ButtonStyle.primary,
        custom_id=vote_custom_id(event_id, question_id),
        disabled=disabled,
    )


def browse_custom_id(event_id: int, order: str, page: int, action: str, filter_: str | None = None) -> str:
    """A Browse control's custom_id (see ``BROWSE_PAGE``); the filter is cut to fit Discord's 100."""
    base = f"podium:br:{event_id}:{order}:{page}:{action}"
    if not filter_:
        return check_custom_id(base)
    return check_custom_id(f"{base}:{filter_}"[:CUSTOM_ID_MAX])


def merge_into_button(question_id: int, into_id: int) -> discord.ui.Button:
    """Merge a suggested repeat into the question it looks like, in one click."""
    return discord.ui.Button(
        label=f"Merge #{question_id} into #{into_id}",
        style=discord.ButtonStyle.secondary,
        custom_id=check_custom_id(f"podium:mergeinto:{question_id}:{into_id}"),
    )


def next_button(event_id: int) -> discord.ui.Button:
    """Take the top of the event's queue live (the live question, if any, marked answered)."""
    return discord.ui.Button(
        label="Next", emoji="⏭️", style=discord.ButtonStyle.primary, custom_id=check_custom_id(f"podium:next:{event_id}")
    )
