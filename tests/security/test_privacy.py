"""An anonymous asker stays anonymous: on the cards, the announcement, the presenter screen, the
posted recap, and in exports unless the operator asks for authors.

One event from start to end, through the entry points people use: the asker and voters in
Discord, moderators taking the question live, answering, drafting a digest and approving the
recap, the presenter screen over HTTP, and ``podium export`` from the shell.
"""

import asyncio
import os
import re
import subprocess
import sys

import aiohttp

from tests.cogs.steps import open_event, set_up_server
from tests.harness.driver import is_ephemeral, posted, replies, reply_text
from tests.harness.payloads import HOST, MODERATOR, QA_CHANNEL_ID, Person, audience, chat_message, click, slash
from tests.security.inert import message_bodies
from tests.web.sse import next_message

ASKER = Person(834_567_890_123_456_789, "Zephyrine Quillfeather")
QUESTION = "Who audits the land value levy before it is spent?"
LINK = re.compile(r"<(http://127\.0\.0\.1:\d+/present/[A-Za-z0-9_-]{43})>")


def traces(person: Person) -> list[str]:
    """Every form in which a person could be recognised: names, handle, id, mentions."""
    ident = str(person.user_id)
    first, last = person.name.split()
    return [first, last, person.user()["username"], ident, f"<@{ident}>", f"<@!{ident}>"]


def found_in(text: str, person: Person) -> list[str]:
    return [trace for trace in traces(person) if trace.lower() in text.lower()]


async def fetch_screen(url: str) -> tuple[str, str]:
    """The presenter page, and the first screen its event stream sends."""
    async with aiohttp.ClientSession() as http:
        async with http.get(url) as page:
            assert page.status == 200
            html = await page.text()
        async with http.get(f"{url}/stream") as stream:
            assert stream.status == 200
            screen = (await next_message(stream)).data
    return html, screen


async def export(url: str, event_id: int, *flags: str) -> str:
    """``podium export EVENT --format json`` run from the shell, as an operator runs it."""

    def run() -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "bot", "export", str(event_id), "--format", "json", *flags],
            capture_output=True,
            text=True,
            check=False,
            env=os.environ | {"DATABASE_URL": url},
        )

    result = await asyncio.to_thread(run)
    assert result.returncode == 0, result.stderr
    return result.stdout


async def test_an_anonymous_askers_name_and_id_appear_nowhere_the_audience_looks(discord_bot):
    bot = discord_bot
    sent = []
    await set_up_server(bot)
    event_id = await open_event(bot)
    sent += await bot.send(slash(ASKER, "ask", text=QUESTION, anonymous=True))
    assert "Question #1" in reply_text(sent)
    for n in (2, 3, 4):
        sent += await bot.send(click(audience(n), bot.card(1), "podium:vote:1:up"))
    sent += await bot.send(slash(audience(5), "ask", text="When do the first homes open?"))
    # A second anonymous question that stays in the queue, where the Markdown export lists askers.
    sent += await bot.send(slash(ASKER, "ask", text="Can tenants read the auditors' findings?", anonymous=True))
    sent += await bot.send(slash(MODERATOR, "mod next"))
    [link] = LINK.findall(reply_text(await bot.send(slash(MODERATOR, "present"))))
    html_live, screen_live = await fetch_screen(link)
    assert QUESTION in screen_live, "the screen shows the live question"
    assert "Asked anonymously" in screen_live
    sent += await bot.send(slash(MODERATOR, "mod answered"))
    sent += await bot.send(slash(MODERATOR, "digest"))
    sent += await bot.send(slash(HOST, "event close", event=event_id))
    [preview] = replies(await bot.send(slash(MODERATOR, "recap")))
    draft_id = int(re.search(r"Recap #(\d+)", preview["embeds"][0]["title"]).group(1))
    buttons = {**chat_message(MODERATOR, ""), "components": preview["components"]}
    approved = await bot.send(click(MODERATOR, buttons, f"podium:recap:approve:{draft_id}"))
    assert f"Recap #{draft_id} approved and posted" in reply_text(approved)
    sent += approved
    html_after, screen_after = await fetch_screen(link)

    public = [body for body in message_bodies(sent) if not is_ephemeral(body)]
    recap = "\n".join(body["content"] for body in posted(approved, QA_CHANNEL_ID))
    assert "#1" in recap, "the recap was posted and speaks of the question"
    assert any(body.get("embeds") and body["embeds"][0].get("title") == "Question #1" for body in public)
    assert found_in(str(public), ASKER) == [], "an audience-facing message names the asker"
    assert found_in(html_live + screen_live + html_after + screen_after, ASKER) == []

    # One export without the flag and one with it, side by side (each CLI start takes seconds);
    # JSON holds every field the other formats show.
    url = str(bot.db.url)
    hidden, named = await asyncio.gather(export(url, event_id), export(url, event_id, "--include-authors"))
    assert QUESTION in hidden
    assert '"author": "anonymous"' in hidden
    assert found_in(hidden, ASKER) == [], "the export names the anonymous asker"
    assert f'"author": "{ASKER.name}"' in named, "the export with --include-authors leaves out the asker"
