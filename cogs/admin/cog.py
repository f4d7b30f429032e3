"""/podium-setup: the server's Podium settings (Manage Server only)."""

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord import safe
from bot.discord.actors import actor_from
from bot.discord.client import podium_of
from bot.discord.summaries import describe_settings
from bot.services.qa.guilds import guild_settings, update_guild_settings


class Admin(commands.Cog):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @app_commands.command(name="podium-setup", description="Show or change Podium's settings for this server")
    @app_commands.describe(
        moderator_role="Add (or, if already there, remove) a moderator role",
        qa_channel="Where new events take questions",
        moderators_channel="Where questions wait for review",
        recap_channel="Where approved recaps are posted",
        timezone="The server's time zone, e.g. Europe/London",
        cards="New events also post a card per question besides the board (for small events)",
    )
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    async def setup_command(
        self,
        interaction: discord.Interaction,
        moderator_role: discord.Role | None = None,
        qa_channel: discord.TextChannel | None = None,
        moderators_channel: discord.TextChannel | None = None,
        recap_channel: discord.TextChannel | None = None,
        timezone: app_commands.Range[str, 1, 64] | None = None,
        cards: bool | None = None,
    ) -> None:
        podium, guild_id = podium_of(interaction), interaction.guild_id or 0
        current = await guild_settings(podium.db, guild_id)
        changes: dict[str, object] = {}
        if moderator_role is not None:
            roles = set(current.moderator_role_ids) ^ {moderator_role.id}
            changes["moderator_role_ids"] = sorted(roles)
        for name, channel in (
            ("qa_channel_id", qa_channel),
            ("moderators_channel_id", moderators_channel),
            ("recap_channel_id", recap_channel),
        ):
            if channel is not None:
                changes[name] = channel.id
        if timezone is not None:
            changes["timezone"] = timezone
        defaults = None if cards is None else {"question_cards": cards}
        if changes or defaults is not None:
            current = await update_guild_settings(
                podium.db, guild_id, actor_from(interaction), event_defaults=defaults, **changes
            )
        await safe.reply(interaction, describe_settings(current))


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Admin(bot))
