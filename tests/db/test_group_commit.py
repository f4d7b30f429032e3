"""SQLite's writer commits the writes waiting for it together: each is kept or refused as alone."""

import asyncio

import pytest
import sqlalchemy as sa

from db.engine import Database
from db.migrate import upgrade
from db.models import GuildSettings


@pytest.fixture
async def sqlite_db(tmp_path):
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'group.db'}")
    await upgrade(database)
    yield database
    await database.dispose()


def add_guild(session, guild_id):
    session.add(GuildSettings(guild_id=guild_id))
    session.flush()
    if guild_id % 3 == 0:
        raise ValueError(f"guild {guild_id} refused after writing")
    return guild_id


async def test_writes_arriving_together_are_kept_or_refused_one_by_one(sqlite_db):
    outcomes = await asyncio.gather(*(sqlite_db.write(add_guild, n) for n in range(1, 61)), return_exceptions=True)
    for n, outcome in enumerate(outcomes, start=1):
        if n % 3 == 0:
            assert isinstance(outcome, ValueError)
        else:
            assert outcome == n
    stored = await sqlite_db.read(lambda session: session.exec(sa.select(GuildSettings.guild_id)).scalars().all())
    assert sorted(stored) == [n for n in range(1, 61) if n % 3]


async def test_a_write_refused_by_the_database_leaves_the_others_of_its_group(sqlite_db):
    # The second insert of guild 7 breaks its primary key: only that write is refused.
    outcomes = await asyncio.gather(*(sqlite_db.write(add_guild, n) for n in (1, 7, 7, 8)), return_exceptions=True)
    assert outcomes[0] == 1
    assert outcomes[3] == 8
    assert sorted(o for o in outcomes if isinstance(o, int)) == [1, 7, 8]
    assert sum(isinstance(o, sa.exc.IntegrityError) for o in outcomes) == 1
    stored = await sqlite_db.read(lambda session: session.exec(sa.select(GuildSettings.guild_id)).scalars().all())
    assert sorted(stored) == [1, 7, 8]


async def test_a_write_alone_that_fails_after_writing_leaves_nothing_and_the_next_one_is_kept(sqlite_db):
    # One write at a time: each is the only one in its group, with no savepoint of its own.
    with pytest.raises(ValueError, match="guild 3 refused"):
        await sqlite_db.write(add_guild, 3)
    assert await sqlite_db.write(add_guild, 4) == 4
    stored = await sqlite_db.read(lambda session: session.exec(sa.select(GuildSettings.guild_id)).scalars().all())
    assert stored == [4]


_ADD_GUILD = sa.insert(GuildSettings.__table__)


def add_guild_core(connection, guild_id):
    """A core write (``Database.write_core``): refused before writing for multiples of 5, after
    writing for multiples of 7."""
    if guild_id % 5 == 0:
        raise ValueError(f"guild {guild_id} refused before writing")
    row = {"guild_id": guild_id, "moderator_role_ids": [guild_id], "timezone": "UTC", "event_defaults": {}}
    connection.execute(_ADD_GUILD, row)
    if guild_id % 7 == 0:
        raise ValueError(f"guild {guild_id} refused after writing")
    return guild_id


async def test_core_writes_among_units_of_work_are_kept_or_refused_one_by_one(sqlite_db):
    # Core writes have no savepoint: one refused after writing undoes the group's transaction and
    # the rest run again without it; one refused before writing leaves the rest as they are.
    calls = [sqlite_db.write_core(add_guild_core, n) if n % 2 else sqlite_db.write(add_guild, n) for n in range(1, 61)]
    outcomes = await asyncio.gather(*calls, return_exceptions=True)
    refused = {n for n in range(1, 61) if (n % 3 == 0 and not n % 2) or (n % 2 and (n % 5 == 0 or n % 7 == 0))}
    for n, outcome in enumerate(outcomes, start=1):
        if n in refused:
            assert isinstance(outcome, ValueError), (n, outcome)
        else:
            assert outcome == n
    stored = await sqlite_db.read(
        lambda session: session.exec(sa.select(GuildSettings.guild_id, GuildSettings.moderator_role_ids)).all()
    )
    assert sorted(stored) == [(n, [] if n % 2 == 0 else [n]) for n in range(1, 61) if n not in refused]


async def test_a_core_write_refused_by_the_database_is_wrapped_as_sqlalchemy_would(sqlite_db):
    await sqlite_db.write_core(add_guild_core, 1)
    with pytest.raises(sa.exc.IntegrityError):
        await sqlite_db.write_core(add_guild_core, 1)
