"""Events: create, schedule, open, pause, close, archive, settings, list."""

from cogs.events.cog import setup

__all__ = ["setup"]
