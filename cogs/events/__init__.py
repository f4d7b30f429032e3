"""Events: create, schedule, open, pause, close, archive, settings, list, status; the clock's publisher."""

from cogs.events.cog import setup

__all__ = ["setup"]
