import pytest

from bot.services.surfaces.presenter import presenter_token
from bot.settings import Settings
from bot.web.server import PresenterServer
from tests.factories import host, make_event
from tests.harness.driver import DiscordHarness


@pytest.fixture
async def presenter(db):
    """The presenter web server on a free port of 127.0.0.1, over the test's database."""
    server = PresenterServer(db, Settings(presenter_port=0, presenter_public_url=None))
    assert await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def event(db):
    return await make_event(db, host())


@pytest.fixture
async def token(db, event):
    return await presenter_token(db, event.id, host())


@pytest.fixture
async def discord_bot(db):
    """A Podium bot on a fresh database, logged in to a fake Discord, its web server on a free port;
    its server gives each question a card, which the console's tests follow."""
    async with DiscordHarness(db, question_cards=True) as harness:
        yield harness
