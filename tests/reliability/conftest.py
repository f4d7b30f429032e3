"""The reliability tests that drive the bot in the test's process use the cogs' harness fixture."""

from tests.cogs.conftest import discord_bot

__all__ = ["discord_bot"]
