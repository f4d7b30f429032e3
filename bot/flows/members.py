"""Who a member of a server is right now, for callers that have no Discord interaction to read it
from (the web console): the bot answers from Discord (``bot.discord.members``), tests from a table."""

from typing import Protocol

from bot.domain.actors import Actor


class Members(Protocol):
    async def actor(self, guild_id: int, user_id: int) -> Actor | None:
        """The member as they are now in the server (roles, Manage Server); None if they are
        not in it any more."""
        ...
