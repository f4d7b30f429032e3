"""When Podium itself fails, the member gets a short apology with an id, and the log has the rest."""

import importlib
import logging
import re

import pytest

from tests.cogs.steps import ask, open_event
from tests.harness.driver import is_ephemeral, replies
from tests.harness.payloads import MODERATOR, audience, click, slash


def broken(*args, **kwargs):
    raise RuntimeError("database on fire")


@pytest.mark.parametrize("entry", ["command", "button"])
async def test_an_unexpected_error_gets_an_apology_with_an_id(discord_bot, monkeypatch, caplog, entry):
    await open_event(discord_bot)
    qid = await ask(discord_bot, audience(1), "Will this break?")
    if entry == "command":
        monkeypatch.setattr("bot.services.qa.moderation.take_next", broken)
        payload = slash(MODERATOR, "mod next")
    else:
        monkeypatch.setattr(importlib.import_module("bot.flows.audience"), "toggle_vote", broken)
        payload = click(audience(2), discord_bot.card(qid), f"podium:vote:{qid}:up")
    with caplog.at_level(logging.ERROR):
        sent = await discord_bot.send(payload)
    [answer] = replies(sent)
    assert is_ephemeral(answer)
    error_id = re.search(r"\(error ([0-9a-f]{8})\)", answer["content"]).group(1)
    assert "database on fire" not in answer["content"]
    assert any(error_id in record.getMessage() and record.exc_info for record in caplog.records)
