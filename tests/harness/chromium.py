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
