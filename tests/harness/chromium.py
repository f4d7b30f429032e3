"""Debian's Chromium (``apt-get install chromium``), headless, driven by Playwright: nothing is
downloaded, and each run gets a fresh profile. Used by the presenter screen's end-to-end test and
its benchmark."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PROJECTOR = {"width": 1600, "height": 900}
# True once the page shows question ``id`` as the one being answered.
SHOWS_LIVE = "id => document.querySelector('.live')?.dataset.question === String(id)"


@asynccontextmanager
async def chromium(profile: Path) -> AsyncIterator[Any]:
    """A browser context on a fresh profile in ``profile``, with a projector's viewport."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS, viewport=PROJECTOR
        )
        try:
            yield context
        finally:
            await context.close()


async def open_screen(page: Any, link: str) -> None:
    """Open a presenter page and wait until its event stream is answering."""
    async with page.expect_response(lambda response: response.url == link.split("?")[0] + "/stream"):
        await page.goto(link)


# The question in the console's first row, and whether a question's row is gone from the table.
FIRST_ROW = "() => Number(document.querySelector('#questions tr')?.dataset.question || 0)"
ROW_GONE = "id => !document.querySelector(`#questions tr[data-question='${id}']`)"


async def open_console(page: Any, link: str, event_url: str) -> None:
    """Sign in with a console link (its page's button), then open an event's queue and wait for
    its event stream and its questions drawn."""
    await page.goto(link)
    async with page.expect_navigation():
        await page.click("#sign-in")
    async with (
        page.expect_response(lambda response: response.url == event_url + "/questions"),
        page.expect_response(lambda response: response.url == event_url + "/stream"),
    ):
        await page.goto(event_url)
    # The script has drawn the questions once it has set their version.
    await page.wait_for_function("() => document.body.dataset.version")


async def triage(page: Any, keys: list[str], *, clock: Any) -> list[tuple[int, str, float, float]]:
    """Press each key on the first row, waiting each time for that question to leave the view;
    (question, key, when pressed, when gone, by ``clock``) for each decision."""
    decided = []
    for key in keys:
        question = await page.evaluate(FIRST_ROW)
        pressed = clock()
        await page.keyboard.press(key)
        await page.wait_for_function(ROW_GONE, arg=question, polling="raf")
        decided.append((question, key, pressed, clock()))
    return decided
