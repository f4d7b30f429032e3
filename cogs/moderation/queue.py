"""The moderators' queue: a private, paginated list with a picker to act on one question."""

import re
from typing import cast

import discord

from bot.discord import safe
from bot.discord.actors import actor_from
from bot.discord.client import podium_of
from bot.discord.errors import guarded
from bot.discord.moderators import PAGE_SIZE, decisions_view, question_embed, question_options, queue_embed
from bot.discord.render import check_custom_id
from bot.domain.enums import QuestionStatus
from bot.services.qa import moderation
from bot.services.qa.events import get_event
from bot.services.qa.ranking import Order, count_questions, rank_questions
from bot.services.reports.triage import question_triage

QUEUE_STATUSES = frozenset({QuestionStatus.PENDING_REVIEW, QuestionStatus.PUBLISHED, QuestionStatus.LIVE})


async def queue_page(
    interaction: discord.Interaction, event_id: int, order: Order, page: int
) -> tuple[discord.Embed, discord.ui.View]:
    """One page of the queue, for a moderator only."""
    podium = podium_of(interaction)
    event = await get_event(podium.db, event_id, guild_id=interaction.guild_id)
    await moderation.check_moderator(podium.db, event.guild_id, actor_from(interaction))
    total = await count_questions(podium.db, event_id, statuses=QUEUE_STATUSES)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    questions = list(
        await rank_questions(
            podium.db, event_id, order=order, limit=PAGE_SIZE, offset=page * PAGE_SIZE, statuses=QUEUE_STATUSES
        )
    )
    tags = await question_triage(podium.db, event_id, [q.id for q in questions if q.id is not None])
    view = discord.ui.View(timeout=None)
    if questions:
        view.add_item(QuestionPicker(event_id, questions))
    view.add_item(QueuePageButton(event_id, order, page - 1, "◀ Previous", disabled=page == 0))
    view.add_item(QueuePageButton(event_id, order, page + 1, "Next ▶", disabled=page >= pages - 1))
    triage = {question_id: found.tag for question_id, found in tags.items()}
    return queue_embed(event, questions, order=order.value, page=page, pages=pages, triage=triage), view


class QueuePageButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"podium:queue:(?P<event>\d+):(?P<order>[a-z]+):(?P<page>-?\d+)",
):
    def __init__(self, event_id: int, order: Order, page: int, label: str = "Page", *, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                disabled=disabled,
                custom_id=check_custom_id(f"podium:queue:{event_id}:{order.value}:{page}"),
            )
        )
        self.event_id, self.order, self.page = event_id, order, page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> "QueuePageButton":
        return cls(int(match["event"]), Order(match["order"]), int(match["page"]))  # ValueError if unknown

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        embed, view = await queue_page(interaction, self.event_id, self.order, self.page)
        await safe.update_message(interaction, embed=embed, view=view)


class QuestionPicker(discord.ui.DynamicItem[discord.ui.Select], template=r"podium:pick:(?P<event>\d+)"):
    """Pick a question on the page to see it in full with what can be done to it."""

    def __init__(self, event_id: int, questions: list | None = None) -> None:
        super().__init__(
            discord.ui.Select(
                custom_id=check_custom_id(f"podium:pick:{event_id}"),
                placeholder="Pick a question to act on",
                options=question_options(questions or []) or [discord.SelectOption(label="(none)", value="0")],
            )
        )
        self.event_id = event_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Select, match: re.Match[str], /
    ) -> "QuestionPicker":
        return cls(int(match["event"]))

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        podium = podium_of(interaction)
        question_id = int(cast(discord.ui.Select, self.item).values[0])
        question = await moderation.question_for_moderator(podium.db, question_id, actor_from(interaction))
        await safe.reply(interaction, embed=question_embed(question), view=decisions_view(question))
