"""Who is acting, as Podium's services need to know it, read from a Discord interaction."""

import discord

from bot.domain.actors import Actor

# Who sees the moderators' commands until a server says otherwise (Server Settings →
# Integrations): those who hold Manage Server, who moderate already. Hiding is only what Discord
# shows; every command still checks that the person moderates.
MODERATORS_ONLY = discord.Permissions(manage_guild=True)


def actor_from(interaction: discord.Interaction) -> Actor:
    """The member behind an interaction: their roles and whether they hold Manage Server.

    The permissions are the ones Discord computed for this member in this channel and sent with
    the interaction, so they are right even when the member is not in the bot's cache.
    """
    return member_actor(interaction.user, interaction.guild_id, manages_guild=interaction.permissions.manage_guild)


def member_actor(user: discord.abc.User, guild_id: int | None, *, manages_guild: bool = False) -> Actor:
    """A member as Podium sees them; without ``manages_guild`` they moderate only through roles."""
    roles = frozenset(role.id for role in getattr(user, "roles", ()))
    return Actor(
        user_id=user.id,
        display_name=user.display_name,
        role_ids=roles,
        manages_guild=manages_guild,
        guild_id=guild_id,
    )
