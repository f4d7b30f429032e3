"""Common steps of a Discord scenario, each taken the way a member would take it."""

import asyncio
import re
from typing import Any

from tests.harness.db_faults import SQLiteWriteLock, sqlite_path
from tests.harness.driver import DiscordHarness, reply_text
from tests.harness.fake_discord import Request
from tests.harness.payloads import HOST, MODERATOR_ROLE_ID, MODERATORS_CHANNEL_ID, Person, slash


async def set_up_server(bot: DiscordHarness) -> None:
    """The owner names the moderator role and the moderators' channel."""
    payload = slash(HOST, "podium-setup")
    options = payload["data"]["options"]
    options.append({"name": "moderator_role", "type": 8, "value": str(MODERATOR_ROLE_ID)})
    options.append({"name": "moderators_channel", "type": 7, "value": str(MODERATORS_CHANNEL_ID)})
    payload["data"]["resolved"] = {
        "roles": {str(MODERATOR_ROLE_ID): _role()},
        "channels": {
            str(MODERATORS_CHANNEL_ID): {
                "id": str(MODERATORS_CHANNEL_ID),
                "type": 0,
                "name": "moderators",
                "permissions": "0",
            }
        },
    }
    await bot.send(payload)


def _role() -> dict:
    return {
        "id": str(MODERATOR_ROLE_ID),
        "name": "Moderators",
        "color": 0,
        "hoist": False,
        "position": 1,
        "permissions": "0",
        "managed": False,
        "mentionable": False,
        "flags": 0,
        "icon": None,
    }


async def open_event(bot: DiscordHarness, **settings: object) -> int:
    """The host creates an event in the Q&A channel, sets its rules, and opens it."""
    sent = await bot.send(slash(HOST, "event create", title="Launch of the Housing Report"))
    event_id = int(re.search(r"#(\d+)", reply_text(sent)).group(1))
    if settings:
        await bot.send(slash(HOST, "event settings", event=event_id, **settings))
    await bot.send(slash(HOST, "event open", event=event_id))
    return event_id


async def ask(bot: DiscordHarness, person: Person, text: str, **options: object) -> int:
    """A member asks with /ask text:...; returns the question's number."""
    sent = await bot.send(slash(person, "ask", text=text, **options))
    found = re.search(r"[Qq]uestion #(\d+)", reply_text(sent))
    assert found, reply_text(sent)
    return int(found.group(1))


async def click_while_writes_wait(bot: DiscordHarness, payload: dict[str, Any]) -> list[Request]:
    """Click while another connection holds SQLite's write lock, released once the bot has answered
    the click (or acknowledged it): its vote is late however fast the machine. Returns what the
    bot sent for it, all of it."""
    mark = bot.fake.mark()
    lock = SQLiteWriteLock(sqlite_path(bot.db))
    try:
        bot.deliver(payload)
        await asyncio.to_thread(bot.fake.answered(payload["token"]).wait, 10)
    finally:
        lock.release()
    await bot.settle()
    return bot.fake.since(mark)
