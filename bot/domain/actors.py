"""Who is acting: the facts about a person that Podium's rules need, taken from Discord by a cog."""

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Actor:
    """A member of the server acting on Podium.

    ``role_ids`` and ``manages_guild`` decide whether they moderate, and hold only in ``guild_id``,
    the server they acted in. Only an ``operator`` (the CLI, the event's clock) acts in every
    server; it is said explicitly rather than read from a missing server, because an interaction
    from a direct message has no server either and must act in none.
    ``display_name`` is kept as it was when they acted, for cards and the ledger.
    """

    user_id: int
    display_name: str
    role_ids: frozenset[int] = field(default_factory=frozenset)
    manages_guild: bool = False
    guild_id: int | None = None
    operator: bool = False

    def acts_in(self, guild_id: int) -> bool:
        """Whether this actor is acting inside that server (an operator acts in every one)."""
        return self.operator or self.guild_id == guild_id
