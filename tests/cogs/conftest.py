import pytest

from tests.harness.driver import DiscordHarness


@pytest.fixture
async def discord_bot(db):
    """A Podium bot on a fresh database, logged in to a fake Discord, in a server that chose a
    public card per question besides the board (the tests of cards and their buttons)."""
    async with DiscordHarness(db, question_cards=True) as harness:
        yield harness


@pytest.fixture
async def board_bot(db):
    """A Podium bot as a server gets it by default: the board, no card per question."""
    async with DiscordHarness(db) as harness:
        yield harness
