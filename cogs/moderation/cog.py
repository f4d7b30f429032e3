"""Moderator commands, grouped under /mod (queue, next, answered, ban, unban).

Hidden from members by default: Discord shows a command whose ``default_member_permissions``
the member lacks to no one but administrators, and a server lets a moderator role see it under
Server Settings → Integrations (``/podium-setup`` says so). Every command still checks that the
person moderates, since a server may show it to anyone."""

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord import safe
from bot.discord.actors import MODERATORS_ONLY, actor_from
from bot.discord.client import podium_of
from bot.discord.moderators import decided
from bot.discord.options import chosen_event, event_autocomplete
from bot.discord.render import quote
from bot.domain.transitions import Decision
from bot.flows import moderation as decisions
from bot.services.qa import moderation
from bot.services.qa.events import WORKING
from bot.services.qa.moderation import AfterLive
from bot.services.qa.ranking import Order
from bot.services.sense.themes import refresh_themes
from cogs.moderation.queue import QuestionPicker, QueuePageButton, queue_page
from cogs.moderation.views import (
    MergeIntoButton,
    MergeSelect,
    ModerateButton,
    NextButton,
    SetAsideButton,
    confirm_live,
)

EVENT_HELP = "Which event (the one running here if you leave it out)"


class Moderation(commands.Cog):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    mod = app_commands.Group(
        name="mod", description="Run the Q&A (moderators)", guild_only=True, default_permissions=MODERATORS_ONLY
    )

    @mod.command(name="queue", description="The questions waiting, for moderators")
    @app_commands.describe(sort="How to order the queue", event=EVENT_HELP)
    @app_commands.autocomplete(event=event_autocomplete)
    async def queue_command(
        self, interaction: discord.Interaction, sort: Order = Order.TOP, event: int | None = None
    ) -> None:
        chosen = await chosen_event(interaction, event, states=WORKING)
        if sort is Order.THEME:
            # Grouping the questions into themes can take a moment on a big event: answer first.
            await moderation.check_moderator(podium_of(interaction).db, chosen.guild_id, actor_from(interaction))
            await safe.defer(interaction)
            podium = podium_of(interaction)
            await refresh_themes(podium.db, chosen.id, model=podium.model)
        embed, view = await queue_page(interaction, chosen.id, sort, 0)
        await safe.reply(interaction, embed=embed, view=view)

    @mod.command(name="next", description="Take the top question of the queue live")
    @app_commands.describe(previous="What happens to the question being answered now", event=EVENT_HELP)
    @app_commands.autocomplete(event=event_autocomplete)
    async def next_command(
        self, interaction: discord.Interaction, previous: AfterLive = AfterLive.ANSWERED, event: int | None = None
    ) -> None:
        chosen = await chosen_event(interaction, event)
        change = await decisions.take_next(
            podium_of(interaction), chosen.id, actor_from(interaction), previous=previous
        )
        await confirm_live(interaction, change)

    @mod.command(name="answered", description="Mark the question being answered now as answered")
    @app_commands.describe(event=EVENT_HELP)
    @app_commands.autocomplete(event=event_autocomplete)
    async def answered_command(self, interaction: discord.Interaction, event: int | None = None) -> None:
        chosen = await chosen_event(interaction, event, states=WORKING)
        answered = await decisions.answer_live(podium_of(interaction), chosen.id, actor_from(interaction))
        await safe.reply(interaction, **decided(answered, Decision.ANSWER))

    @mod.command(name="ban", description="Stop a member from asking and voting in an event")
    @app_commands.describe(member="Who to stop", reason="Why (kept in the moderation ledger)", event=EVENT_HELP)
    @app_commands.autocomplete(event=event_autocomplete)
    async def ban_command(
        self,
        interaction: discord.Interaction,
        member: discord.Member,
        reason: app_commands.Range[str, 1, 500] | None = None,
        event: int | None = None,
    ) -> None:
        chosen = await chosen_event(interaction, event)
        await moderation.ban_asker(
            podium_of(interaction).db, chosen.id, member.id, actor_from(interaction), reason=reason
        )
        await safe.reply(interaction, f"{member.mention} can no longer ask or vote in “{quote(chosen.title)}”.")

    @mod.command(name="unban", description="Let a banned member ask and vote again")
    @app_commands.describe(member="Who to let back", event=EVENT_HELP)
    @app_commands.autocomplete(event=event_autocomplete)
    async def unban_command(
        self, interaction: discord.Interaction, member: discord.Member, event: int | None = None
    ) -> None:
        chosen = await chosen_event(interaction, event)
        await moderation.unban_asker(podium_of(interaction).db, chosen.id, member.id, actor_from(interaction))
        await safe.reply(interaction, f"{member.mention} can ask questions in “{quote(chosen.title)}” again.")


async def setup(bot: commands.Bot) -> None:
    bot.add_dynamic_items(
        ModerateButton, SetAsideButton, MergeSelect, MergeIntoButton, NextButton, QuestionPicker, QueuePageButton
    )
    await bot.add_cog(Moderation(bot))
