"""``podium db upgrade``: the command a deployment runs before it starts."""

import subprocess
import sys

import sqlalchemy as sa


def test_db_upgrade_creates_the_schema(tmp_path):
    path = tmp_path / "fresh.db"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "db", "upgrade", "--url", f"sqlite+aiosqlite:///{path}"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Database is up to date" in result.stdout
    tables = sa.inspect(sa.create_engine(f"sqlite:///{path}")).get_table_names()
    assert {"event", "question", "vote", "ledger_entry", "event_ban", "guild_settings"} <= set(tables)


def test_without_a_command_podium_shows_its_help():
    result = subprocess.run([sys.executable, "-m", "bot"], capture_output=True, text=True, check=False)
    assert "db" in result.stdout + result.stderr
