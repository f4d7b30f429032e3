"""The ``podium`` command line."""

import asyncio
import logging

import typer

from bot.settings import Settings
from db.engine import Database
from db.migrate import upgrade

app = typer.Typer(help="Podium: the audience Q&A of live events, run in Discord.", no_args_is_help=True)
db_app = typer.Typer(help="The database.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade(
    url: str | None = typer.Option(None, "--url", help="Database URL (default: DATABASE_URL from the environment)."),
) -> None:
    """Create or upgrade the database schema to the newest version."""
    settings = Settings()
    database = Database(url or settings.database_url)

    async def run() -> None:
        try:
            await upgrade(database)
        finally:
            await database.dispose()

    asyncio.run(run())
    typer.echo(f"Database is up to date: {database.url.render_as_string(hide_password=True)}")


def main() -> None:
    logging.basicConfig(level=Settings().log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app()
