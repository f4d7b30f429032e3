"""The embeds Podium posts beside questions' cards: the event's panel, a draft for moderators,
"now answering", a review request. Every field that holds user or model text is quoted."""

from typing import Any

import discord

from bot.discord.buttons import recap_buttons
from bot.discord.moderators import question_embed
from bot.discord.render import EMBED_DESCRIPTION_MAX, clip, quote
from bot.domain.enums import DraftKind, DraftWriter
from bot.llm.validate import held_back
from bot.render import markdown
from db.models import Draft, Event, Question

# The preview shows the start of a long recap; the whole of it is posted on approval.
PREVIEW_MAX = 3_500


def panel(event: Event) -> discord.Embed:
    """The event's panel: what it is, and how to ask (its button is ``buttons.ask_button``)."""
    embed = discord.Embed(title=f"Ask the panel: {event.title}", colour=discord.Colour.blurple())
    embed.description = (quote(event.description) + "\n\n" if event.description else "") + (
        "Press **Ask a question** (or type `/ask`), then upvote the questions you most want answered."
    )
    return embed


def draft_embed(draft: Draft) -> discord.Embed:
    """A draft as moderators see it: model text shown as data, with how it was written."""
    writer = "written by the model" if draft.writer is DraftWriter.MODEL else "extractive (no model)"
    embed = discord.Embed(title=f"{draft.kind.value.capitalize()} #{draft.id} · {writer}", colour=discord.Colour.teal())
    # The draft's text is Markdown whose data the renderer already quoted (or a moderator's own
    # Markdown): quoting it again would show every heading's asterisks escaped.
    text = markdown.as_written(draft.text)
    if len(text) > PREVIEW_MAX:
        text = clip(text, PREVIEW_MAX) + f"\n\n*…{len(draft.text):,} characters in all; all of it is posted.*"
    embed.description = clip(text, EMBED_DESCRIPTION_MAX)
    notes = []
    if draft.fallback_reason:
        notes.append(
            f"The extractive writer drafted this because the language model could not: {draft.fallback_reason}"
        )
    held = held_back(draft.dropped)
    if held:
        unsupported = sum(1 for d in held if d["reason"].startswith("unsupported: "))
        notes.append(f"{len(held)} line(s) held back by the check ({unsupported} with unsupported claims)")
    if len(held) < len(draft.dropped):
        notes.append(f"{len(draft.dropped) - len(held)} line(s) kept without the ids they invented")
    if notes:
        embed.set_footer(text=" · ".join(notes))
    return embed


def now_answering(question: Question) -> discord.Embed:
    """The event channel's note that the panel is answering this question now."""
    embed = discord.Embed(title=f"🎙️ Now answering #{question.id}", description=quote(question.text))
    embed.colour = discord.Colour.gold()
    return embed


def review_request(question: Question) -> discord.Embed:
    """A question waiting for review, as the moderators' channel shows it."""
    embed = question_embed(question)
    embed.title = f"Waiting for review: question #{question.id}"
    return embed


def draft_message(draft: Draft) -> dict[str, Any]:
    """A draft shown to moderators (``safe.reply``'s or ``safe.post``'s keyword arguments): its
    embed, and the recap's Approve / Regenerate / Edit buttons when it is a recap."""
    view = recap_buttons(draft.id or 0) if draft.kind is DraftKind.RECAP else None
    return {"embed": draft_embed(draft), "view": view}
