"""People and events for tests, with ids as large as real Discord snowflakes."""

from bot.domain.actors import Actor
from bot.services.qa.events import create_event, open_event
from bot.services.qa.questions import submit_question
from bot.services.sense.similarity import SimilarityIndex
from db.engine import Database
from db.models import Event, EventSettings, Question

GUILD_ID = 111_111_111_111_111_111  # above 2**53, as real snowflakes are
MODERATOR_ROLE_ID = 555_555_555_555_555_555


def host(guild_id: int = GUILD_ID) -> Actor:
    """The server's owner, acting in it: Manage Server makes them a moderator there."""
    return Actor(user_id=900_000_000_000_000_001, display_name="Morgan (host)", manages_guild=True, guild_id=guild_id)


def member(n: int, *, roles: frozenset[int] = frozenset()) -> Actor:
    """An audience member; ``n`` tells them apart."""
    return Actor(user_id=800_000_000_000_000_000 + n, display_name=f"Member {n}", role_ids=roles, guild_id=GUILD_ID)


async def make_event(db: Database, moderator: Actor, **settings: object) -> Event:
    """An open event in GUILD_ID with the given ``EventSettings`` overrides."""
    event = await create_event(
        db,
        GUILD_ID,
        moderator,
        title="Launch of the Housing Report",
        settings=EventSettings(**settings) if settings else None,
    )
    return await open_event(db, event.id, moderator)


async def ask_questions(db: Database, event: Event, texts: list[str], *, first_member: int = 1) -> list[Question]:
    """Each text asked by a different member, so rate limits never interfere."""
    return [await submit_question(db, event.id, member(first_member + n), text) for n, text in enumerate(texts)]


RENT_CAP = "How will the rent cap be funded?"


async def ask_similar(db: Database, event: Event, n: int, text: str, index: SimilarityIndex) -> Question:
    """Member ``n`` asks ``text``, compared with the event's other questions through ``index``."""
    return await submit_question(db, event.id, member(n), text, similar=index)
