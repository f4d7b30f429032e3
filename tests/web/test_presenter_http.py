"""The presenter screen over real HTTP: what is served, to whom, and how changes arrive."""

import asyncio
import re

import aiohttp
import pytest

from bot.services.qa import moderation
from bot.services.qa.questions import submit_question
from bot.services.sense.merges import merge_questions
from bot.services.surfaces.presenter import rotate_presenter_token
from tests.factories import host, member
from tests.web.sse import next_message

STREAM_WAIT_S = 5


@pytest.fixture
async def http():
    async with aiohttp.ClientSession() as session:
        yield session


async def get(http, url):
    async with http.get(url, allow_redirects=False) as response:
        return response.status, response.headers, await response.text()


async def test_the_page_shows_the_event_the_live_question_and_whats_next(db, event, token, presenter, http):
    first = await submit_question(db, event.id, member(1), "How will the rent cap be funded?")
    await submit_question(db, event.id, member(2), "Does it cover students?")
    await moderation.mark_live(db, first.id, host())
    status, headers, html = await get(http, presenter.link(token))
    assert status == 200
    assert headers["content-type"].startswith("text/html")
    assert '<h1 class="event-title">Launch of the Housing Report</h1>' in html
    live = html.split('class="live"', 1)[1].split("</section>", 1)[0]
    assert "How will the rent cap be funded?" in live
    assert "Asked by Member 1" in live
    assert "Does it cover students?" in html.split('class="upcoming"', 1)[1]


@pytest.mark.parametrize("path", ["/", "/present", "/present/", "/present/stream", "/static/presenter.css"])
async def test_nothing_is_served_without_a_token(presenter, token, http, path):
    status, headers, body = await get(http, presenter.base_url + path)
    assert (status, body) == (404, "Not found")
    assert headers["cache-control"] == "no-store"


async def test_a_wrong_token_gets_the_same_404_as_no_token(presenter, token, http):
    wrong = token[:-1] + ("A" if token[-1] != "A" else "B")
    for url in (presenter.link(wrong), presenter.link(wrong) + "/stream", presenter.link(token + "x")):
        assert (await get(http, url))[0::2] == (404, "Not found")


async def test_there_is_nothing_to_write(presenter, token, http):
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        async with http.request(method, presenter.link(token)) as response:
            assert response.status == 405


async def test_security_headers_keep_the_token_private_and_the_page_inert(presenter, token, http):
    status, headers, html = await get(http, presenter.link(token))
    assert status == 200
    assert headers["cache-control"] == "no-store"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-content-type-options"] == "nosniff"
    assert "server" not in headers
    policy = headers["content-security-policy"]
    nonce = re.search(r"script-src 'nonce-([^']+)'", policy).group(1)
    assert "unsafe-inline" not in policy
    assert "default-src 'none'" in policy
    assert "connect-src 'self'" in policy
    assert f'<script nonce="{nonce}">' in html
    assert f'<style nonce="{nonce}">' in html
    assert re.findall(r"<script[^>]*>", html) == [f'<script nonce="{nonce}">']
    assert (await get(http, presenter.link(token)))[1]["content-security-policy"] != policy


async def test_anonymous_askers_are_never_named(db, event, token, presenter, http):
    secret = await submit_question(db, event.id, member(1), "Is the cap permanent?", anonymous=True)
    repeat = await submit_question(db, event.id, member(2), "Will the cap stay for good?")
    await moderation.mark_live(db, secret.id, host())
    html = (await get(http, presenter.link(token)))[2]
    assert "Asked anonymously" in html
    assert "Member 1" not in html
    await merge_questions(db, repeat.id, secret.id, host())
    html = (await get(http, presenter.link(token)))[2]
    assert "Asked by 2 people" in html
    assert "Member 1" not in html
    assert "Member 2" not in html


async def test_question_text_is_shown_as_text_never_markup(db, event, token, presenter, http):
    await submit_question(db, event.id, member(1), 'Is <script>alert("x")</script> <b>bold</b> safe?')
    html = (await get(http, presenter.link(token)))[2]
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &lt;b&gt;bold&lt;/b&gt;" in html
    assert "<b>bold</b>" not in html


async def test_the_overlay_variant_has_a_transparent_background(presenter, token, http):
    assert '<body class="overlay">' in (await get(http, presenter.link(token, overlay=True)))[2]
    assert "<body>" in (await get(http, presenter.link(token)))[2]


async def test_the_stream_sends_the_new_screen_when_a_question_goes_live(db, event, token, presenter, http):
    question = await submit_question(db, event.id, member(1), "How will the rent cap be funded?")
    async with http.get(presenter.link(token) + "/stream") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        assert stream.headers["cache-control"] == "no-store"
        first = await asyncio.wait_for(next_message(stream), STREAM_WAIT_S)
        assert first.event == "screen"
        assert "The panel will take the next question shortly" in first.data
        await moderation.mark_live(db, question.id, host())
        update = await asyncio.wait_for(next_message(stream), STREAM_WAIT_S)
    assert update.event == "screen"
    assert update.id != first.id
    live = update.data.split('class="live"', 1)[1].split("</section>", 1)[0]
    assert "How will the rent cap be funded?" in live


async def test_rotating_the_link_ends_open_streams_and_the_old_link(db, event, token, presenter, http):
    async with http.get(presenter.link(token) + "/stream") as stream:
        await asyncio.wait_for(next_message(stream), STREAM_WAIT_S)
        new = await rotate_presenter_token(db, event.id, host())
        gone = await asyncio.wait_for(next_message(stream), STREAM_WAIT_S)
        assert gone.event == "gone"
        with pytest.raises(EOFError):
            await asyncio.wait_for(next_message(stream), STREAM_WAIT_S)
    assert (await get(http, presenter.link(token)))[0] == 404
    assert (await get(http, presenter.link(token) + "/stream"))[0] == 404
    assert (await get(http, presenter.link(new)))[0] == 200


async def test_pages_following_one_link_share_one_poller(db, event, token, presenter, http):
    async with http.get(presenter.link(token) + "/stream") as one, http.get(presenter.link(token) + "/stream") as two:
        for stream in (one, two):
            await asyncio.wait_for(next_message(stream), STREAM_WAIT_S)
        pollers = [t for t in asyncio.all_tasks() if t.get_name() == "podium-presenter-poll"]
        assert len(pollers) == 1
    await asyncio.sleep(0.3)
    assert not [t for t in asyncio.all_tasks() if t.get_name() == "podium-presenter-poll" and not t.done()]


async def test_stopping_the_server_ends_open_streams_without_calling_the_link_gone(presenter, token, http):
    async with http.get(presenter.link(token) + "/stream") as stream:
        await asyncio.wait_for(next_message(stream), STREAM_WAIT_S)
        await asyncio.wait_for(presenter.stop(), STREAM_WAIT_S)
        with pytest.raises(EOFError):
            await asyncio.wait_for(next_message(stream), STREAM_WAIT_S)
