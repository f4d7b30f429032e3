"""Who is acting, as Podium's services need to know it, read from a Discord interaction."""

import discord

from bot.domain.actors import Actor
from bot.domain.errors import NotAllowed
from bot.services.qa.text import normalise

# Who sees the moderators' commands until a server says otherwise (Server Settings →
# Integrations): those who hold Manage Server, who moderate already. Hiding is only what Discord
# shows; every command still checks that the person moderates.
MODERATORS_ONLY = discord.Permissions(manage_guild=True)


def actor_from(interaction: discord.Interaction) -> Actor:
    """The member behind an interaction: their roles and whether they hold Manage Server.

    The permissions are the ones Discord computed for this member in this channel and sent with
    the interaction, so they are right even when the member is not in the bot's cache. An
    interaction from outside a server (a button or form forged in a direct message) is refused:
    Podium's rules are a server's rules, and nobody acts in a server from outside it.
    """
    check_in_server(interaction)
    return member_actor(interaction.user, interaction.guild_id, manages_guild=interaction.permissions.manage_guild)


def check_in_server(interaction: discord.Interaction) -> None:
    """Refuse an interaction from outside a server; every entry point checks this first."""
    if interaction.guild_id is None:
        raise NotAllowed("Podium works inside a server, not in direct messages.")


def member_actor(user: discord.abc.User, guild_id: int, *, manages_guild: bool = False) -> Actor:
    """A member as Podium sees them; without ``manages_guild`` they moderate only through roles.

    Their name is normalised as question text is, since cards and the ledger show it beside
    Podium's own words, where a bidirectional override or an invisible character would disguise them.
    """
    roles = frozenset(role.id for role in getattr(user, "roles", ()))
    return Actor(
        user_id=user.id,
        display_name=normalise(user.display_name) or normalise(user.name) or f"member {user.id}",
        role_ids=roles,
        manages_guild=manages_guild,
        guild_id=guild_id,
    )
