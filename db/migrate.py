"""Alembic, driven from code: the bot and ``podium db upgrade`` both call ``upgrade``."""

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from db.engine import Database

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(connection: sa.Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


async def upgrade(database: Database, revision: str = "head") -> None:
    """Bring the database's schema up to ``revision`` (the newest by default)."""

    def run(connection: sa.Connection) -> None:
        command.upgrade(alembic_config(connection), revision)

    await database.run_with_connection(run)
