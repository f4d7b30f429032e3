"""Moderator commands for drafts: /report add, /brief, /digest, /recap."""

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord import safe
from bot.discord.actors import MODERATORS_ONLY, actor_from
from bot.discord.client import client_of, podium_of
from bot.discord.embeds import draft_message
from bot.discord.options import chosen_event, event_autocomplete
from bot.discord.render import quote
from bot.domain.errors import InvalidInput
from bot.services.drafts.drafting import brief_question, draft_digest, draft_recap
from bot.services.qa.events import WORKING
from bot.services.qa.questions import get_question
from bot.services.reports.report import REPORT_MAX_BYTES, add_report
from cogs.drafts.views import RecapButton

EVENT_HELP = "Which event (the one running here if you leave it out)"


class Drafts(commands.Cog):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    report = app_commands.Group(
        name="report",
        description="The event's report, which drafts cite",
        guild_only=True,
        default_permissions=MODERATORS_ONLY,
    )

    @report.command(name="add", description="Attach the event's report (PDF, Markdown, text or HTML)")
    @app_commands.describe(file="The report file", event=EVENT_HELP)
    @app_commands.autocomplete(event=event_autocomplete)
    async def report_add(
        self, interaction: discord.Interaction, file: discord.Attachment, event: int | None = None
    ) -> None:
        chosen = await chosen_event(interaction, event)
        if file.size > REPORT_MAX_BYTES:
            raise InvalidInput(f"That file is larger than {REPORT_MAX_BYTES // 1_048_576} MB; attach a smaller report.")
        await safe.defer(interaction)
        added = await add_report(
            podium_of(interaction).db,
            chosen.id,
            actor_from(interaction),
            file.filename,
            await file.read(),
            limits=client_of(interaction).settings.report_read_limits,
        )
        replaced = " It replaces the earlier report." if added.replaced else ""
        await safe.reply(
            interaction,
            f"Report added to “{quote(chosen.title)}”: {added.passages} passages, cited {added.first_citation} to "
            f"{added.last_citation}.{replaced}",
        )

    @app_commands.command(name="brief", description="What the report says about a question (moderators)")
    @app_commands.describe(question="The question's number, e.g. 12")
    @app_commands.guild_only()
    @app_commands.default_permissions(MODERATORS_ONLY)
    async def brief(self, interaction: discord.Interaction, question: int) -> None:
        podium = podium_of(interaction)
        await get_question(podium.db, question)  # an unknown number is refused before any work
        await safe.defer(interaction)
        draft = await brief_question(podium.db, question, actor_from(interaction), model=podium.model)
        await safe.reply(interaction, **draft_message(draft))

    @app_commands.command(name="digest", description="The audience's themes so far (moderators)")
    @app_commands.describe(event=EVENT_HELP)
    @app_commands.autocomplete(event=event_autocomplete)
    @app_commands.guild_only()
    @app_commands.default_permissions(MODERATORS_ONLY)
    async def digest(self, interaction: discord.Interaction, event: int | None = None) -> None:
        chosen = await chosen_event(interaction, event, states=WORKING)
        await safe.defer(interaction)
        podium = podium_of(interaction)
        draft = await draft_digest(podium.db, chosen.id, actor_from(interaction), model=podium.model)
        await safe.reply(interaction, **draft_message(draft))

    @app_commands.command(name="recap", description="Draft the event's recap for approval (moderators)")
    @app_commands.describe(event=EVENT_HELP)
    @app_commands.autocomplete(event=event_autocomplete)
    @app_commands.guild_only()
    @app_commands.default_permissions(MODERATORS_ONLY)
    async def recap(self, interaction: discord.Interaction, event: int | None = None) -> None:
        chosen = await chosen_event(interaction, event, states=WORKING)
        await safe.defer(interaction)
        podium = podium_of(interaction)
        draft = await draft_recap(podium.db, chosen.id, actor_from(interaction), model=podium.model)
        await safe.reply(interaction, **draft_message(draft))


async def setup(bot: commands.Bot) -> None:
    bot.add_dynamic_items(RecapButton)
    await bot.add_cog(Drafts(bot))
