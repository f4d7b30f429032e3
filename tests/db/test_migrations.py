"""Alembic owns the schema: migrating an empty database gives exactly the models' tables."""

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from db.engine import Database
from db.migrate import alembic_config, upgrade


def differences(connection: sa.Connection) -> list:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, SQLModel.metadata)


def downgrade_to_empty(connection: sa.Connection) -> list[str]:
    command.downgrade(alembic_config(connection), "base")
    return sa.inspect(connection).get_table_names()


async def test_upgrade_from_empty_matches_the_models(db: Database):
    assert set(await db.run_with_connection(downgrade_to_empty)) <= {"alembic_version"}
    await upgrade(db)
    assert await db.run_with_connection(differences) == []


async def test_upgrading_twice_changes_nothing(db: Database):
    await upgrade(db)
    assert await db.run_with_connection(differences) == []
