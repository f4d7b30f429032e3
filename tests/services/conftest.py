import pytest

from bot.domain.actors import Actor
from bot.services.sense.similarity import LexicalBackend, SimilarityIndex
from db.engine import Database
from db.models import Event
from tests.factories import host, make_event, member


@pytest.fixture
def moderator() -> Actor:
    return host()


@pytest.fixture
def asker() -> Actor:
    return member(1)


@pytest.fixture
async def event(db: Database, moderator: Actor) -> Event:
    """An open event with the default settings."""
    return await make_event(db, moderator)


@pytest.fixture
def index() -> SimilarityIndex:
    """A lexical similarity index, as the bot makes one per process."""
    return SimilarityIndex(LexicalBackend())
