"""The moderators' side: the queue, taking questions live, reviewing, banning."""

from cogs.moderation.cog import setup

__all__ = ["setup"]
