"""The web console's view of a member, read from Discord at each action (``flows.members.Members``)."""

import discord

from bot.discord.actors import member_actor
from bot.domain.actors import Actor


class DiscordMembers:
    """Asks Discord for the member each time: without the members intent the bot's cache does not
    hear of role changes, and a console action must see a role removed a moment ago."""

    def __init__(self, client: discord.Client) -> None:
        self.client = client

    async def actor(self, guild_id: int, user_id: int) -> Actor | None:
        guild = self.client.get_guild(guild_id)
        if guild is None:
            return None
        try:
            member = await guild.fetch_member(user_id)
        except discord.NotFound:
            return None
        return member_actor(member, guild_id, manages_guild=member.guild_permissions.manage_guild)
