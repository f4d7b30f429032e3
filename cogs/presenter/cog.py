"""/present: the private link to an event's presenter screen, and a new one when it leaked; /console:
a moderator's sign-in link to the web console served beside it.

Discord cannot run a command that also has subcommands, so rotating is the ``rotate`` option:
``/present rotate: True``.
"""

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord import safe
from bot.discord.actors import MODERATORS_ONLY, actor_from
from bot.discord.client import client_of, podium_of
from bot.discord.options import chosen_event, event_autocomplete
from bot.discord.summaries import presenter_links
from bot.services.surfaces.console import LINK_TTL, issue_sign_in_link
from bot.services.surfaces.presenter import presenter_token, rotate_presenter_token

EVENT_HELP = "Which event (the one running here if you leave it out)"


class Presenter(commands.Cog):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @app_commands.command(name="present", description="The private link to the presenter screen (moderators)")
    @app_commands.describe(rotate="Make a new link; the old one stops working", event=EVENT_HELP)
    @app_commands.autocomplete(event=event_autocomplete)
    @app_commands.guild_only()
    @app_commands.default_permissions(MODERATORS_ONLY)
    async def present_command(
        self, interaction: discord.Interaction, rotate: bool = False, event: int | None = None
    ) -> None:
        podium = podium_of(interaction)
        chosen = await chosen_event(interaction, event)
        issue = rotate_presenter_token if rotate else presenter_token
        token = await issue(podium.db, chosen.id, actor_from(interaction))
        await safe.reply(interaction, presenter_links(client_of(interaction).presenter, chosen, token, rotated=rotate))

    @app_commands.command(name="console", description="Your one-use sign-in link to the moderators' web console")
    @app_commands.describe(rotate="Also sign out every console session of yours in this server")
    @app_commands.guild_only()
    @app_commands.default_permissions(MODERATORS_ONLY)
    async def console_command(self, interaction: discord.Interaction, rotate: bool = False) -> None:
        podium, guild_id = podium_of(interaction), interaction.guild_id or 0
        secret = await issue_sign_in_link(podium.db, guild_id, actor_from(interaction), rotate=rotate)
        link = client_of(interaction).presenter.console_link(secret)
        ended = " Your other console sessions in this server have ended." if rotate else ""
        await safe.reply(
            interaction,
            f"Your sign-in link to the moderators' console (one use, for you only, expires in "
            f"{LINK_TTL.seconds // 60} minutes; earlier links no longer work):\n{link}{ended}",
        )


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Presenter(bot))
