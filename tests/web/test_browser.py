"""The presenter page in a real headless Chromium (Debian's ``chromium`` package, driven by Playwright).

``PODIUM_PRESENTER_SCREENSHOT=docs/presenter.png`` also saves what the projector shows, for the README.
"""

import os
import time

import pytest

from bot.services.qa import moderation
from bot.services.qa.questions import submit_question
from bot.services.qa.votes import cast_vote
from bot.services.sense.merges import merge_questions
from bot.services.surfaces.presenter import rotate_presenter_token
from tests.factories import host, member
from tests.harness.chromium import CHROMIUM, SHOWS_LIVE, chromium, open_screen

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)"
)
pytest.importorskip("playwright.async_api", reason="needs playwright (the dev extra)")

# The promise: the page changes within a second of a moderator's decision.
CHANGE_WITHIN_MS = 1_000


@pytest.fixture
async def browser(tmp_path):
    async with chromium(tmp_path / "chromium-profile") as context:
        yield context


@pytest.fixture
async def questions(db, event):
    """An event in full swing: votes, a pinned question, an anonymous one, a repeat merged into it."""
    texts = [
        "How will the rent cap be funded without cutting the housing benefit budget?",
        "Does the report cover students renting rooms in shared houses?",
        "Is the cap permanent, or reviewed after five years?",
        "What happens to landlords who already signed contracts above the cap?",
        "Will the cap stay for good?",
        "Why did the report leave out social housing waiting lists?",
    ]
    asked = [await submit_question(db, event.id, member(n + 1), text, anonymous=n == 2) for n, text in enumerate(texts)]
    for question, voters in zip(asked, [12, 9, 7, 4, 3, 2], strict=True):
        for voter in range(voters):
            await cast_vote(db, question.id, member(100 + voter))
    await merge_questions(db, asked[4].id, asked[2].id, host())
    await moderation.pin_question(db, asked[5].id, host())
    return asked


async def test_the_page_changes_within_a_second_when_a_question_goes_live(db, presenter, token, questions, browser):
    page = await browser.new_page()
    await page.emulate_media(reduced_motion="reduce")
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    await open_screen(page, presenter.link(token))
    assert await page.inner_text(".event-title") == "Launch of the Housing Report"
    assert "The panel will take the next question shortly" in await page.inner_text(".live")

    funded = questions[0]
    started = time.perf_counter()
    await moderation.mark_live(db, funded.id, host())
    await page.wait_for_function(SHOWS_LIVE, arg=funded.id, timeout=CHANGE_WITHIN_MS)
    elapsed_ms = (time.perf_counter() - started) * 1000
    print(f"presenter page changed {elapsed_ms:.0f} ms after mark_live was called")
    assert elapsed_ms < CHANGE_WITHIN_MS

    assert await page.inner_text(".live-question") == funded.text
    assert "Asked by Member 1" in await page.inner_text(".credit")
    assert await page.inner_text("#announcer") != ""
    animation = await page.eval_on_selector(".live", "section => getComputedStyle(section).animationName")
    assert animation == "none"  # reduced motion asked for, none given
    upcoming = await page.locator(".upcoming .question").all_inner_texts()
    assert "Pinned" in upcoming[0]
    assert any("Asked by 2 people" in text for text in upcoming)
    assert "Member 3" not in await page.inner_text("body")
    if shot := os.environ.get("PODIUM_PRESENTER_SCREENSHOT"):
        await page.screenshot(path=shot)
    assert problems == []


async def test_the_overlay_is_transparent_and_a_rotated_link_goes_dark(db, event, presenter, token, browser):
    page = await browser.new_page()
    await open_screen(page, presenter.link(token, overlay=True))
    background = await page.eval_on_selector("body", "body => getComputedStyle(body).backgroundColor")
    assert background == "rgba(0, 0, 0, 0)"

    await rotate_presenter_token(db, event.id, host())
    await page.wait_for_function("() => !document.querySelector('#connection').hidden", timeout=CHANGE_WITHIN_MS)
    assert "This link no longer works" in await page.inner_text("#connection")
    assert await page.inner_text("#screen") == ""
