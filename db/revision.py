"""Write a new migration from the difference between the models and a scratch database.

Usage: ``python -m db.revision "add theme table"``. It upgrades a throwaway SQLite database to
the newest revision, then lets Alembic's autogenerate compare it with ``SQLModel.metadata``.
"""

import asyncio
import sys
import tempfile
from pathlib import Path

import sqlalchemy as sa
from alembic import command

from db.engine import Database
from db.migrate import alembic_config, upgrade


async def write_revision(message: str) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        database = Database(f"sqlite+aiosqlite:///{Path(scratch) / 'scratch.db'}")
        await upgrade(database)

        def revise(connection: sa.Connection) -> None:
            command.revision(alembic_config(connection), message=message, autogenerate=True)

        await database.run_with_connection(revise)
        await database.dispose()


if __name__ == "__main__":
    asyncio.run(write_revision(" ".join(sys.argv[1:]) or "schema change"))
