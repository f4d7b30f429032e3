"""The presenter screen's private links, for moderators: /present."""

from cogs.presenter.cog import setup

__all__ = ["setup"]
