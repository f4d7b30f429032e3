"""Moderator buttons, selects and modals.

Every item is a ``DynamicItem`` whose custom_id names the question it acts on, so the queue and
the review requests keep working after a restart. Nothing here decides who may act: the services
check that the member moderates this server on every call, so a forged custom_id gets the same
polite refusal as a real click by a non-moderator.
"""

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, cast

import discord

from bot.discord import safe
from bot.discord.actors import actor_from
from bot.discord.errors import guarded
from bot.discord.forms import PersistentForm
from bot.discord.render import SELECT_OPTIONS_MAX, TEXT_INPUT_MAX, check_custom_id, quote
from bot.services import moderation
from bot.services.dedup import suggest_similar
from bot.services.events import get_event
from bot.services.merges import merge_questions, unmerge_question
from bot.services.questions import get_question
from bot.services.ranking import rank_questions
from cogs.audience.views import bot_of
from cogs.moderation.render import question_embed, question_options
from db.models import Question, QuestionStatus, ReasonCode

if TYPE_CHECKING:
    from bot.app import PodiumBot

Status = QuestionStatus


@dataclass(frozen=True)
class Action:
    label: str
    style: discord.ButtonStyle
    done: str


ACTIONS = {
    "approve": Action("Approve", discord.ButtonStyle.success, "approved and published"),
    "reject": Action("Reject", discord.ButtonStyle.danger, "rejected"),
    "live": Action("Go live", discord.ButtonStyle.primary, "is being answered now"),
    "answer": Action("Answered", discord.ButtonStyle.success, "marked answered"),
    "pin": Action("Pin", discord.ButtonStyle.secondary, "pinned to the top of the queue"),
    "unpin": Action("Unpin", discord.ButtonStyle.secondary, "unpinned"),
    "edit": Action("Edit", discord.ButtonStyle.secondary, "edited"),
    "dismiss": Action("Dismiss", discord.ButtonStyle.danger, "dismissed"),
    "restore": Action("Restore", discord.ButtonStyle.secondary, "back in the queue"),
    "merge": Action("Merge into…", discord.ButtonStyle.secondary, "merged"),
    "unmerge": Action("Unmerge", discord.ButtonStyle.secondary, "unmerged and back as it was"),
}
REASONS = {
    ReasonCode.OFF_TOPIC: "Off-topic",
    ReasonCode.DUPLICATE: "Duplicate",
    ReasonCode.INAPPROPRIATE: "Inappropriate",
    ReasonCode.ALREADY_ANSWERED: "Already answered",
    ReasonCode.OTHER: "Other (add a note)",
}


def actions_for(question: Question) -> list[str]:
    """The decisions that make sense for the question as it stands."""
    pin = "unpin" if question.pinned else "pin"
    return {
        Status.PENDING_REVIEW: ["approve", "reject", "edit", "merge"],
        Status.PUBLISHED: ["live", "answer", pin, "edit", "dismiss", "merge"],
        Status.LIVE: ["answer", pin, "edit", "dismiss"],
        Status.ANSWERED: ["restore"],
        Status.DISMISSED: ["restore"],
        Status.MERGED: ["unmerge"],
    }.get(question.status, [])


def actions_view(question: Question) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for action in actions_for(question):
        view.add_item(ModerateButton(action, question.id or 0))
    return view


class ModerateButton(
    discord.ui.DynamicItem[discord.ui.Button], template=r"podium:mod:(?P<action>[a-z]+):(?P<question>\d+)"
):
    def __init__(self, action: str, question_id: int) -> None:
        spec = ACTIONS[action]
        super().__init__(
            discord.ui.Button(
                label=spec.label, style=spec.style, custom_id=check_custom_id(f"podium:mod:{action}:{question_id}")
            )
        )
        self.action, self.question_id = action, question_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> "ModerateButton":
        if match["action"] not in ACTIONS:
            raise ValueError(f"unknown moderation action {match['action']!r}")
        return cls(match["action"], int(match["question"]))

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        bot, moderator = bot_of(interaction), actor_from(interaction)
        qid = self.question_id
        if self.action in ("reject", "dismiss"):
            question = await moderation.question_for_moderator(bot.db, qid, moderator)
            view = discord.ui.View(timeout=None)
            view.add_item(ReasonSelect(cast(Literal["reject", "dismiss"], self.action), qid))
            await safe.reply(interaction, f"Why should question #{qid} be {ACTIONS[self.action].done}?", view=view)
            return
        if self.action == "edit":
            question = await moderation.question_for_moderator(bot.db, qid, moderator)
            await safe.open_modal(interaction, EditModal(question.id or 0, question.text))
            return
        if self.action == "merge":
            question = await moderation.question_for_moderator(bot.db, qid, moderator)
            view = discord.ui.View(timeout=None)
            view.add_item(MergeSelect(qid, await merge_candidates(bot, question)))
            await safe.reply(interaction, f"Merge question #{qid} into which question?", view=view)
            return
        if self.action == "unmerge":
            undone = await unmerge_question(bot.db, qid, moderator)
            await confirm(interaction, undone.question, "unmerge")
            bot.cards.refresh(undone.into.id or 0)
            return
        if self.action == "live":
            change = await moderation.mark_live(bot.db, qid, moderator)
            await confirm(interaction, change.live, "live")
            await announce_live(interaction, change)
            return
        decide = {
            "approve": moderation.approve_question,
            "answer": moderation.mark_answered,
            "restore": moderation.restore_question,
            "pin": moderation.pin_question,
            "unpin": lambda db, q, who: moderation.pin_question(db, q, who, pinned=False),
        }[self.action]
        await confirm(interaction, await decide(bot.db, qid, moderator), self.action)


class ReasonSelect(
    discord.ui.DynamicItem[discord.ui.Select], template=r"podium:reason:(?P<action>reject|dismiss):(?P<question>\d+)"
):
    """Choose why a question is rejected or dismissed; "other" asks for a note."""

    def __init__(self, action: Literal["reject", "dismiss"], question_id: int) -> None:
        super().__init__(
            discord.ui.Select(
                custom_id=check_custom_id(f"podium:reason:{action}:{question_id}"),
                placeholder="Choose a reason",
                options=[discord.SelectOption(label=label, value=code.value) for code, label in REASONS.items()],
            )
        )
        self.action, self.question_id = action, question_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Select, match: re.Match[str], /
    ) -> "ReasonSelect":
        return cls(cast(Literal["reject", "dismiss"], match["action"]), int(match["question"]))

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        reason = ReasonCode(self.item.values[0])
        if reason is ReasonCode.OTHER:
            await safe.open_modal(interaction, NoteModal(self.action, self.question_id))
            return
        await set_aside(interaction, self.action, self.question_id, reason, None)


class MergeSelect(discord.ui.DynamicItem[discord.ui.Select], template=r"podium:merge:(?P<question>\d+)"):
    """Choose the question this one repeats: its votes and asker join that one."""

    def __init__(self, question_id: int, candidates: list[Question] | None = None) -> None:
        options = question_options(candidates or []) or [discord.SelectOption(label="(no other question)", value="0")]
        super().__init__(
            discord.ui.Select(
                custom_id=check_custom_id(f"podium:merge:{question_id}"), placeholder="Merge into…", options=options
            )
        )
        self.question_id = question_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Select, match: re.Match[str], /
    ) -> "MergeSelect":
        return cls(int(match["question"]))

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        bot = bot_of(interaction)
        merge = await merge_questions(bot.db, self.question_id, int(self.item.values[0]), actor_from(interaction))
        await confirm(interaction, merge.question, "merge")
        bot.cards.refresh(merge.into.id or 0)


async def merge_candidates(bot: "PodiumBot", question: Question) -> list[Question]:
    """The questions this one most likely repeats first (its closest match, then similar ones),
    then the top of the queue."""
    similar = await suggest_similar(bot.db, bot.similar, question.event_id, question.text, limit=5)
    ranked = {q.id: q for q in await rank_questions(bot.db, question.event_id, limit=SELECT_OPTIONS_MAX)}
    ordered = dict.fromkeys([question.similar_to, *(s.question_id for s in similar), *ranked])
    wanted = [i for i in ordered if i is not None and i != question.id][:SELECT_OPTIONS_MAX]
    return [ranked.get(i) or await get_question(bot.db, i) for i in wanted]


class NoteModal(PersistentForm, template=r"podium:form:note:(?P<action>reject|dismiss):(?P<question>\d+)"):
    def __init__(self, action: Literal["reject", "dismiss"], question_id: int) -> None:
        super().__init__(
            title=f"Why is #{question_id} set aside?",
            timeout=15 * 60,
            custom_id=check_custom_id(f"podium:form:note:{action}:{question_id}"),
        )
        self.action, self.question_id = action, question_id
        self.note = discord.ui.TextInput(label="Reason", max_length=moderation.NOTE_MAX, custom_id="note")
        self.add_item(self.note)

    @classmethod
    def from_custom_id(cls, match: re.Match[str]) -> "NoteModal":
        return cls(cast(Literal["reject", "dismiss"], match["action"]), int(match["question"]))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await set_aside(interaction, self.action, self.question_id, ReasonCode.OTHER, self.note.value)


class EditModal(PersistentForm, template=r"podium:form:edit:(?P<question>\d+)"):
    """Reword a question; the asker's original wording is kept for the record."""

    def __init__(self, question_id: int, text: str = "") -> None:
        super().__init__(
            title=f"Edit question #{question_id}",
            timeout=15 * 60,
            custom_id=check_custom_id(f"podium:form:edit:{question_id}"),
        )
        self.question_id = question_id
        self.text = discord.ui.TextInput(
            label="Question",
            style=discord.TextStyle.paragraph,
            default=text[:TEXT_INPUT_MAX],
            max_length=TEXT_INPUT_MAX,
            custom_id="text",
        )
        self.add_item(self.text)

    @classmethod
    def from_custom_id(cls, match: re.Match[str]) -> "EditModal":
        return cls(int(match["question"]))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        bot = bot_of(interaction)
        edited = await moderation.edit_question(bot.db, self.question_id, actor_from(interaction), self.text.value)
        await confirm(interaction, edited, "edit")


async def set_aside(
    interaction: discord.Interaction,
    action: Literal["reject", "dismiss"],
    question_id: int,
    reason: ReasonCode,
    note: str | None,
) -> None:
    bot = bot_of(interaction)
    decide = moderation.reject_question if action == "reject" else moderation.dismiss_question
    question = await decide(bot.db, question_id, actor_from(interaction), reason, note=note)
    await confirm(interaction, question, action)


async def confirm(interaction: discord.Interaction, question: Question, action: str) -> None:
    """Tell the moderator it is done, show what they can do next, and update the public card."""
    verb = ACTIONS[action].done
    await safe.reply(
        interaction, f"Question #{question.id} {verb}.", embed=question_embed(question), view=actions_view(question)
    )
    bot_of(interaction).cards.refresh(question.id or 0)


async def announce_live(interaction: discord.Interaction, change: moderation.LiveChange) -> None:
    """Say in the event's channel which question the panel is answering now."""
    bot = bot_of(interaction)
    event = await get_event(bot.db, change.live.event_id)
    if change.previous is not None:
        bot.cards.refresh(change.previous.id or 0)
    if event.channel_id is None:
        return
    embed = discord.Embed(title=f"🎙️ Now answering #{change.live.id}", description=quote(change.live.text))
    embed.colour = discord.Colour.gold()
    await safe.post(bot.get_partial_messageable(event.channel_id), embed=embed)


async def post_for_review(bot: "discord.Client", question: Question, channel_id: int) -> None:
    """Put a question waiting for review in front of the moderators, with Approve and Reject."""
    view = discord.ui.View(timeout=None)
    for action in ("approve", "reject", "edit"):
        view.add_item(ModerateButton(action, question.id or 0))
    embed = question_embed(question)
    embed.title = f"Waiting for review: question #{question.id}"
    await safe.post(bot.get_partial_messageable(channel_id), embed=embed, view=view)
