"""How questions look to moderators: the queue page and one question in full."""

from typing import Any

import discord

from bot.discord.buttons import DECISIONS, decision_buttons
from bot.discord.render import SELECT_LABEL_MAX, SELECT_OPTIONS_MAX, clip, quote
from bot.domain.enums import QuestionStatus, TriageTag
from bot.domain.transitions import Decision
from bot.services.qa.moderation import allowed_actions
from bot.services.qa.questions import describe_status
from db.models import Event, Question

PAGE_SIZE = 10
_MARKS = {QuestionStatus.LIVE: "🎙️", QuestionStatus.PENDING_REVIEW: "⏳"}


def asker(question: Question) -> str:
    """Moderators see who asked, anonymous or not (as markdown-safe text)."""
    name = quote(question.author_name)
    return f"anonymous: {name}" if question.anonymous else name


TRIAGE_MARKS = {TriageTag.COVERED: "📗", TriageTag.CHALLENGES: "📙", TriageTag.BEYOND: "📕"}
TRIAGE_KEY = "📗 the report covers it · 📙 challenges it · 📕 beyond the report"


def queue_line(question: Question, *, with_theme: bool = False, tag: TriageTag | None = None) -> str:
    marks = ("📌" if question.pinned else "") + _MARKS.get(question.status, "") + TRIAGE_MARKS.get(tag, "")
    flag = " ⚠️ flagged" if question.flagged else ""
    similar = f" ≈#{question.similar_to}" if question.similar_to else ""
    # A question in no theme gets no tag: "other" is a remainder, not a theme (it sorts last).
    theme = f"[{quote(question.theme)}] " if with_theme and question.theme else ""
    text, who = quote(clip(question.text, 180)), asker(question)
    return f"`#{question.id}` ▲{question.score} {marks} {theme}{text} — *{who}*{similar}{flag}"


def queue_embed(
    event: Event,
    questions: list[Question],
    *,
    order: str,
    page: int,
    pages: int,
    triage: dict[int, TriageTag] | None = None,
) -> discord.Embed:
    embed = discord.Embed(title=f"Queue: {event.title}", colour=discord.Colour.blurple())
    tags = triage or {}
    lines = [queue_line(q, with_theme=order == "theme", tag=tags.get(q.id or 0)) for q in questions]
    embed.description = "\n".join(lines) or "*Nothing waiting.*"
    key = f" · {TRIAGE_KEY}" if tags else ""
    embed.set_footer(text=f"Sorted by {order} · page {page + 1} of {max(pages, 1)} · pick a question to act on it{key}")
    return embed


def question_options(questions: list[Question]) -> list[discord.SelectOption]:
    return [
        discord.SelectOption(label=clip(f"#{q.id} {q.text}", SELECT_LABEL_MAX), value=str(q.id))
        for q in questions[:SELECT_OPTIONS_MAX]
    ]


def question_embed(question: Question) -> discord.Embed:
    embed = discord.Embed(title=f"Question #{question.id}", description=quote(question.text))
    embed.add_field(name="Status", value=describe_status(question))
    embed.add_field(name="Votes", value=f"▲ {question.votes_up} ▼ {question.votes_down}")
    embed.add_field(name="Asked by", value=asker(question))
    if question.original_text:
        embed.add_field(name="Originally", value=quote(question.original_text), inline=False)
    if question.flagged:
        why = quote(question.flag_reason) if question.flag_reason else "a word on the profanity filter's list"
        embed.add_field(name="Flagged", value=f"Held for review: {why}.", inline=False)
    if question.reason:
        note = f": {quote(question.reason_note)}" if question.reason_note else ""
        embed.add_field(name="Reason", value=f"{question.reason.value.replace('_', ' ')}{note}", inline=False)
    return embed


def decisions_view(question: Question) -> discord.ui.View:
    """The decisions the question allows now, as buttons."""
    return decision_buttons(question.id or 0, allowed_actions(question))


def decided(question: Question, decision: Decision) -> dict[str, Any]:
    """The reply to a moderator's decision (``safe.reply``'s keyword arguments): that it is done, the
    question as it stands now, and the decisions that can follow."""
    return {
        "content": f"Question #{question.id} {DECISIONS[decision].done}.",
        "embed": question_embed(question),
        "view": decisions_view(question),
    }
