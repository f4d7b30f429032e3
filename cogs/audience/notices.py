"""/notify: whether Podium tells a member, by DM, what became of their questions."""

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord import safe
from bot.discord.client import podium_of
from bot.services.surfaces.notices import set_notify


class Notices(commands.Cog):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @app_commands.command(name="notify", description="Whether Podium DMs you when your questions move on")
    @app_commands.describe(on="On: a DM when your question is published, answered, merged or set aside")
    async def notify_command(self, interaction: discord.Interaction, on: bool) -> None:
        await set_notify(podium_of(interaction).db, interaction.user.id, on)
        if on:
            text = "You will get a direct message when one of your questions moves on (allow DMs from this server)."
        else:
            text = "No more direct messages from Podium. *My questions* on the board still shows where each stands."
        await safe.reply(interaction, text)
