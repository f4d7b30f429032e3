"""The audience: asking, voting, and following one's own questions."""

from cogs.audience.cog import setup

__all__ = ["setup"]
