"""/present in Discord: moderators get the presenter screen's private links, and can replace them."""

import re

import aiohttp

from bot.domain.enums import LedgerAction
from bot.services.records.ledger import event_ledger
from tests.cogs.steps import ask, open_event, set_up_server
from tests.harness.driver import is_ephemeral, replies, reply_text
from tests.harness.payloads import HOST, MODERATOR, audience, slash

LINK = re.compile(r"<(http://127\.0\.0\.1:\d+/present/[A-Za-z0-9_-]{43}(?:\?overlay=1)?)>")


async def links(bot, person, **options) -> tuple[dict, list[str]]:
    sent = await bot.send(slash(person, "present", **options))
    [answer] = replies(sent)
    return answer, LINK.findall(answer["content"])


async def fetch(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, await response.text()


async def test_a_moderator_gets_the_private_links_and_they_open_the_screen(discord_bot):
    await set_up_server(discord_bot)
    await open_event(discord_bot)
    answer, (projector, overlay) = await links(discord_bot, MODERATOR)
    assert is_ephemeral(answer)
    assert "Presenter screen for “Launch of the Housing Report”" in answer["content"]
    assert overlay == projector + "?overlay=1"
    status, html = await fetch(projector)
    assert status == 200
    assert "Launch of the Housing Report" in html
    assert (await fetch(overlay))[0] == 200
    again = (await links(discord_bot, MODERATOR))[1]
    assert again == [projector, overlay]


async def test_members_get_no_link(discord_bot):
    await open_event(discord_bot)
    sent = await discord_bot.send(slash(audience(1), "present"))
    [answer] = replies(sent)
    assert is_ephemeral(answer)
    assert "Only this server's Podium moderators" in answer["content"]
    assert "/present/" not in reply_text(sent)


async def test_rotating_gives_new_links_and_the_old_ones_stop_working(discord_bot):
    event_id = await open_event(discord_bot)
    old, _ = (await links(discord_bot, HOST))[1]
    answer, (new, _) = await links(discord_bot, HOST, rotate=True)
    assert is_ephemeral(answer)
    assert "the old ones no longer work" in answer["content"]
    assert new != old
    assert (await fetch(old))[0] == 404
    assert (await fetch(new))[0] == 200
    notes = [e.note for e in await event_ledger(discord_bot.db, event_id) if e.action is LedgerAction.PRESENTER_LINK]
    assert notes == ["link issued", "new link; the old one no longer works"]


async def test_a_question_taken_live_with_next_is_on_the_screen(discord_bot):
    await set_up_server(discord_bot)
    await open_event(discord_bot)
    await ask(discord_bot, audience(1), "How will the rent cap be funded?")
    projector, _ = (await links(discord_bot, MODERATOR))[1]
    before = (await fetch(projector))[1]
    assert "The panel will take the next question shortly" in before

    assert "is being answered now" in reply_text(await discord_bot.send(slash(MODERATOR, "mod next")))
    live = (await fetch(projector))[1].split('class="live"', 1)[1].split("</section>", 1)[0]
    assert "How will the rent cap be funded?" in live
    assert "Asked by Member 1" in live
