"""Server setup: who moderates, which channels Podium uses, the server's time zone."""

from cogs.admin.cog import setup

__all__ = ["setup"]
