"""The moderators' console in a real headless Chromium (Debian's ``chromium``, driven by Playwright):
signing in with the link, triaging by keyboard, bulk and merge with a preview, live updates."""

import re
import time

import pytest

from bot.domain.enums import QuestionStatus, ReasonCode
from bot.services.qa.questions import get_question
from tests.cogs.steps import ask, open_event, set_up_server
from tests.harness.chromium import CHROMIUM, chromium, open_console, triage
from tests.harness.driver import reply_text
from tests.harness.payloads import HOST, MODERATOR, audience, click, slash

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)"
)
pytest.importorskip("playwright.async_api", reason="needs playwright (the dev extra)")


@pytest.fixture
async def browser(tmp_path):
    async with chromium(tmp_path / "chromium-profile") as context:
        yield context


async def console_page(discord_bot, browser, event_id):
    for person in (HOST, MODERATOR):
        discord_bot.fake.members[person.user_id] = {k: v for k, v in person.member().items() if k != "permissions"}
    sent = await discord_bot.send(slash(MODERATOR, "console"))
    link = re.search(r"(http://\S+/console/sign-in/\S+)", reply_text(sent)).group(1)
    page = await browser.new_page()
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    await open_console(page, link, f"{discord_bot.bot.presenter.base_url}/console/events/{event_id}")
    return page, problems


async def test_a_moderator_triages_the_review_queue_by_keyboard(discord_bot, browser):
    await set_up_server(discord_bot)
    event_id = await open_event(discord_bot, premoderation=True)
    asked = [await ask(discord_bot, audience(n), f"What will the levy cost household {n}?") for n in range(1, 7)]
    page, problems = await console_page(discord_bot, browser, event_id)
    rows = await page.locator("#questions tr").count()
    assert rows == len(asked), "the console opens on what waits for review"
    decided = await triage(page, ["p", "p", "3", "p", "1", "p"], clock=time.monotonic)
    await discord_bot.settle()
    statuses = {q: (await get_question(discord_bot.db, q)).status for q, *_ in decided}
    assert [statuses[q] for q, *_ in decided] == [
        QuestionStatus.PUBLISHED,
        QuestionStatus.PUBLISHED,
        QuestionStatus.DISMISSED,
        QuestionStatus.PUBLISHED,
        QuestionStatus.DISMISSED,
        QuestionStatus.PUBLISHED,
    ]
    assert (await get_question(discord_bot.db, decided[2][0])).reason is ReasonCode.INAPPROPRIATE
    for question, key, *_ in decided:
        if key == "p":
            assert discord_bot.card(question), "published from the console, the card is on the board"
    assert await page.locator("#questions tr").count() == 0
    assert problems == []


async def test_bulk_set_aside_merge_with_a_preview_and_changes_from_discord_arrive(discord_bot, browser):
    await set_up_server(discord_bot)
    event_id = await open_event(discord_bot)
    first = await ask(discord_bot, audience(1), "How will the rent cap be funded by the government?")
    await discord_bot.send(slash(audience(2), "ask", text="How will the rent cap be funded?"))
    message = next(
        m
        for m in discord_bot.fake.messages.values()
        if m["components"] and m["embeds"] and "asked already" in m["embeds"][0]["title"]
    )
    anyway = next(
        c["custom_id"]
        for row in message["components"]
        for c in row["components"]
        if not c["custom_id"].startswith("podium:")
    )
    await discord_bot.send(click(audience(2), message, anyway))
    adverts = ["promo: cheap watches today", "promo: free crypto giveaway tonight", "promo: visit my casino site"]
    spam = [await ask(discord_bot, audience(n), text) for n, text in enumerate(adverts, start=3)]
    page, problems = await console_page(discord_bot, browser, event_id)
    await page.select_option("#status", "published")
    await page.fill("#search", "promo")
    await page.keyboard.press("Escape")
    await page.wait_for_function("n => document.querySelectorAll('#questions tr').length === n", arg=len(spam))
    for _ in spam:
        await page.keyboard.press("x")
        await page.keyboard.press("j")
    await page.keyboard.press("1")
    await page.wait_for_function("() => document.querySelectorAll('#questions tr').length === 0")
    assert {(await get_question(discord_bot.db, q)).status for q in spam} == {QuestionStatus.DISMISSED}

    await page.fill("#search", "")
    await page.check("#similar")
    await page.keyboard.press("Escape")
    similar_cell = await page.locator("#questions tr td").nth(7).inner_text()
    assert similar_cell.startswith(f"#{first} (0.")
    await page.keyboard.press("m")
    preview = await page.inner_text("#merge-preview")
    assert "How will the rent cap be funded?" in preview
    assert f"into #{first}" in preview
    await page.keyboard.press("Enter")
    await page.wait_for_function("() => document.querySelectorAll('#questions tr').length === 0")
    assert (await get_question(discord_bot.db, 2)).merged_into == first

    await page.uncheck("#similar")
    await discord_bot.send(click(audience(9), discord_bot.card(first), f"podium:vote:{first}:up"))
    await page.wait_for_function(
        "id => document.querySelector(`#questions tr[data-question='${id}']`)?.cells[4].textContent.startsWith('▲1')",
        arg=first,
    )
    assert problems == []
