"""``podium present``: the presenter screens served alone, for a rehearsal database."""

import asyncio
import os
import re
import signal
import sys

import aiohttp

from bot.domain.enums import LedgerAction
from bot.services.records.ledger import event_ledger
from db.engine import Database
from db.migrate import upgrade
from tests.factories import host, make_event

# Generous: a loaded CI machine takes a while to import the bot's dependencies.
STARTUP_WAIT_S = 90


async def test_present_serves_the_screens_and_prints_an_events_link(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'rehearsal.db'}"
    database = Database(url)
    await upgrade(database)
    event = await make_event(database, host())
    environment = os.environ | {"PRESENTER_PORT": "0", "PYTHONUNBUFFERED": "1", "PRESENTER_PUBLIC_URL": ""}
    podium = await asyncio.create_subprocess_exec(
        sys.executable,
        *["-m", "bot", "present", "--db", url, "--event", str(event.id)],
        stdout=asyncio.subprocess.PIPE,
        env=environment,
    )
    try:
        printed = ""
        while "Event #" not in printed:
            line = await asyncio.wait_for(podium.stdout.readline(), STARTUP_WAIT_S)
            assert line, f"podium present stopped before printing a link: {printed!r}"
            printed += line.decode()
        link = re.search(rf"Event #{event.id}: (\S+)", printed).group(1)
        async with aiohttp.ClientSession() as http, http.get(link) as response:
            assert response.status == 200
            assert "Launch of the Housing Report" in await response.text()
    finally:
        podium.send_signal(signal.SIGTERM)
        rest = (await asyncio.wait_for(podium.communicate(), STARTUP_WAIT_S))[0].decode()
    assert podium.returncode == 0
    assert "Stopped." in rest
    [issued] = [e for e in await event_ledger(database, event.id) if e.action is LedgerAction.PRESENTER_LINK]
    assert issued.actor_name == "local operator (CLI)"
    await database.dispose()
