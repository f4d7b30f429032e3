"""Moderator buttons, selects and modals.

Every item is a ``DynamicItem`` whose custom_id names the question it acts on, so the queue and
the review requests keep working after a restart. Nothing here decides who may act: the services
check that the member moderates this server on every call, so a forged custom_id gets the same
polite refusal as a real click by a non-moderator.
"""

import re

import discord

from bot.discord import safe
from bot.discord.actors import actor_from
from bot.discord.buttons import (
    MERGE_INTO,
    MODERATE,
    REASONS,
    SET_ASIDE,
    TAKE_NEXT,
    decision_button,
    merge_into_button,
    next_button,
    set_aside_button,
)
from bot.discord.client import podium_of
from bot.discord.errors import guarded
from bot.discord.forms import PersistentForm, paragraph
from bot.discord.moderators import decided, question_options
from bot.discord.render import SELECT_OPTIONS_MAX, check_custom_id
from bot.domain.enums import ReasonCode
from bot.domain.transitions import Decision
from bot.flows import moderation as decisions
from bot.services.qa import moderation
from bot.services.qa.moderation import AfterLive, LiveChange
from bot.services.sense.merges import merge_candidates

# Buttons drawn before "set aside" was one verb still say which of the two it was.
_RENAMED = {"reject": Decision.SET_ASIDE.value, "dismiss": Decision.SET_ASIDE.value}


class ModerateButton(discord.ui.DynamicItem[discord.ui.Button], template=MODERATE):
    """One decision about one question, from the queue or a review request."""

    def __init__(self, decision: Decision, question_id: int, item: discord.ui.Button | None = None) -> None:
        super().__init__(item or decision_button(decision, question_id))
        self.decision, self.question_id = decision, question_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> "ModerateButton":
        action = _RENAMED.get(match["action"], match["action"])
        return cls(Decision(action), int(match["question"]), item)  # ValueError: not ours

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        podium, moderator = podium_of(interaction), actor_from(interaction)
        qid, decision = self.question_id, self.decision
        if decision is Decision.SET_ASIDE:
            await moderation.question_for_moderator(podium.db, qid, moderator)
            view = discord.ui.View(timeout=None)
            for reason in REASONS:
                view.add_item(SetAsideButton(reason, qid))
            await safe.reply(interaction, f"Why should question #{qid} be set aside?", view=view)
        elif decision is Decision.EDIT:
            question = await moderation.question_for_moderator(podium.db, qid, moderator)
            await safe.open_modal(interaction, EditModal(question.id or 0, question.text))
        elif decision is Decision.MERGE:
            question = await moderation.question_for_moderator(podium.db, qid, moderator)
            view = discord.ui.View(timeout=None)
            candidates = await merge_candidates(podium.db, podium.similar, question, limit=SELECT_OPTIONS_MAX)
            view.add_item(MergeSelect(qid, question_options(candidates)))
            await safe.reply(interaction, f"Merge question #{qid} into which question?", view=view)
        elif decision is Decision.UNMERGE:
            undone = await decisions.unmerge(podium, qid, moderator)
            await safe.reply(interaction, **decided(undone.question, decision))
        elif decision is Decision.LIVE:
            await confirm_live(interaction, await decisions.take_live(podium, qid, moderator))
        else:
            await safe.reply(interaction, **decided(await decisions.decide(podium, decision, qid, moderator), decision))


class SetAsideButton(discord.ui.DynamicItem[discord.ui.Button], template=SET_ASIDE):
    """Set a question aside for one reason in one click, waiting for review, published or live
    alike; "other" asks for a note first."""

    def __init__(self, reason: ReasonCode, question_id: int, item: discord.ui.Button | None = None) -> None:
        super().__init__(item or set_aside_button(reason, question_id))
        self.reason, self.question_id = reason, question_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> "SetAsideButton":
        return cls(ReasonCode(match["reason"]), int(match["question"]), item)  # ValueError: not ours

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        if self.reason is ReasonCode.OTHER:
            # Checked before the form opens, so a member never types a note only to be refused.
            await moderation.question_for_moderator(
                podium_of(interaction).db, self.question_id, actor_from(interaction)
            )
            await safe.open_modal(interaction, NoteModal(self.question_id))
            return
        await set_aside(interaction, self.question_id, self.reason, None)


class MergeSelect(discord.ui.DynamicItem[discord.ui.Select], template=r"podium:merge:(?P<question>\d+)"):
    """Choose the question this one repeats: its votes and asker join that one."""

    def __init__(self, question_id: int, options: list[discord.SelectOption] | None = None) -> None:
        options = options or [discord.SelectOption(label="(no other question)", value="0")]
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
        podium = podium_of(interaction)
        merge = await decisions.merge(podium, self.question_id, int(self.item.values[0]), actor_from(interaction))
        await safe.reply(interaction, **decided(merge.question, Decision.MERGE))


class MergeIntoButton(discord.ui.DynamicItem[discord.ui.Button], template=MERGE_INTO):
    """The desk's suggested merge, done in one click."""

    def __init__(self, question_id: int, into_id: int, item: discord.ui.Button | None = None) -> None:
        super().__init__(item or merge_into_button(question_id, into_id))
        self.question_id, self.into_id = question_id, into_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> "MergeIntoButton":
        return cls(int(match["question"]), int(match["into"]), item)

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        merge = await decisions.merge(podium_of(interaction), self.question_id, self.into_id, actor_from(interaction))
        await safe.reply(interaction, **decided(merge.question, Decision.MERGE))


class NextButton(discord.ui.DynamicItem[discord.ui.Button], template=TAKE_NEXT):
    """The desk's *Next*: the top of the queue goes live, the live question is marked answered."""

    def __init__(self, event_id: int, item: discord.ui.Button | None = None) -> None:
        super().__init__(item or next_button(event_id))
        self.event_id = event_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> "NextButton":
        return cls(int(match["event"]), item)

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        podium = podium_of(interaction)
        change = await decisions.take_next(podium, self.event_id, actor_from(interaction), previous=AfterLive.ANSWERED)
        await confirm_live(interaction, change)


class NoteModal(PersistentForm, template=r"podium:form:note:(?P<question>\d+)"):
    """Why a question is set aside, in the moderator's words (the reason "other")."""

    def __init__(self, question_id: int) -> None:
        super().__init__(
            title=f"Why is #{question_id} set aside?",
            timeout=15 * 60,
            custom_id=check_custom_id(f"podium:form:note:{question_id}"),
        )
        self.question_id = question_id
        self.note = discord.ui.TextInput(label="Reason", max_length=moderation.NOTE_MAX, custom_id="note")
        self.add_item(self.note)

    @classmethod
    def from_custom_id(cls, match: re.Match[str]) -> "NoteModal":
        return cls(int(match["question"]))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await set_aside(interaction, self.question_id, ReasonCode.OTHER, self.note.value)


class EditModal(PersistentForm, template=r"podium:form:edit:(?P<question>\d+)"):
    """Reword a question; the asker's original wording is kept for the record."""

    def __init__(self, question_id: int, text: str = "") -> None:
        super().__init__(
            title=f"Edit question #{question_id}",
            timeout=15 * 60,
            custom_id=check_custom_id(f"podium:form:edit:{question_id}"),
        )
        self.question_id = question_id
        self.text = paragraph("Question", text=text)
        self.add_item(self.text)

    @classmethod
    def from_custom_id(cls, match: re.Match[str]) -> "EditModal":
        return cls(int(match["question"]))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        moderator = actor_from(interaction)
        edited = await decisions.decide(
            podium_of(interaction), Decision.EDIT, self.question_id, moderator, text=self.text.value
        )
        await safe.reply(interaction, **decided(edited, Decision.EDIT))


async def set_aside(interaction: discord.Interaction, question_id: int, reason: ReasonCode, note: str | None) -> None:
    """Set the question aside through the flow and confirm it to the moderator."""
    question = await decisions.decide(
        podium_of(interaction), Decision.SET_ASIDE, question_id, actor_from(interaction), reason=reason, note=note
    )
    await safe.reply(interaction, **decided(question, Decision.SET_ASIDE))


async def confirm_live(interaction: discord.Interaction, change: LiveChange) -> None:
    """Tell the moderator the question is live, and what could not be shown of it (the Stage's topic)."""
    await safe.reply(interaction, **decided(change.live, Decision.LIVE))
    if change.note:
        await safe.reply(interaction, change.note)
