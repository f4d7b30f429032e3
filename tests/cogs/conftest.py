import pytest

from tests.harness.driver import DiscordHarness


@pytest.fixture
async def discord_bot(db):
    """A Podium bot on a fresh database, logged in to a fake Discord."""
    async with DiscordHarness(db) as harness:
        yield harness
