"""The moderators' web console over real HTTP, through the bot as it runs: /console in Discord,
the link, the session, decisions through the flows, and every refusal changing nothing."""

import re
import secrets
from datetime import timedelta

import aiohttp
import pytest

from bot.domain.clock import utcnow
from bot.domain.enums import LedgerAction, QuestionStatus, ReasonCode
from bot.services.qa.events import create_event, open_event
from bot.services.qa.questions import get_question, submit_question
from bot.services.records.ledger import event_ledger
from bot.services.surfaces.console import LINK_REFUSED, OTHER_ACCOUNT, SIGNED_OUT, issue_sign_in_link
from bot.web.console import NO_LONGER_MEMBER
from tests.cogs.steps import ask, set_up_server
from tests.cogs.steps import open_event as open_in_discord
from tests.factories import host
from tests.harness.driver import reply_text
from tests.harness.payloads import GUILD_ID, HOST, MODERATOR, audience, slash
from tests.security.test_permissions import snapshot
from tests.web.sse import next_message

OTHER_GUILD = 222_222_222_222_222_222
NOT_A_MODERATOR = "Only this server's Podium moderators can do that."


def as_member(person) -> dict:
    return {k: v for k, v in person.member().items() if k != "permissions"}


@pytest.fixture
async def server(discord_bot):
    await set_up_server(discord_bot)
    event_id = await open_in_discord(discord_bot)
    for person in (HOST, MODERATOR, audience(1)):
        discord_bot.fake.members[person.user_id] = as_member(person)
    return discord_bot, event_id


@pytest.fixture
async def browser():
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        yield session


async def console_link(discord_bot, person=MODERATOR, **options) -> str:
    sent = await discord_bot.send(slash(person, "console", **options))
    return re.search(r"(http://\S+/console/sign-in/\S+)", reply_text(sent)).group(1)


async def sign_in(browser, link: str) -> aiohttp.ClientResponse:
    async with browser.post(link, allow_redirects=False) as response:
        await response.read()
        return response


async def signed_in(discord_bot, browser, person=MODERATOR) -> str:
    """Sign ``person`` in; the page's CSRF token."""
    assert (await sign_in(browser, await console_link(discord_bot, person))).status == 303
    async with browser.get(f"{discord_bot.bot.presenter.base_url}/console") as response:
        return re.search(r'name="csrf-token" content="([^"]+)"', await response.text()).group(1)


async def decide(discord_bot, browser, event_id, csrf, **body):
    headers = {} if csrf is None else {"X-CSRF-Token": csrf}
    url = f"{discord_bot.bot.presenter.base_url}/console/events/{event_id}/decide"
    async with browser.post(url, json=body, headers=headers) as response:
        return response.status, await response.json()


async def test_a_moderator_signs_in_once_and_sets_aside_through_the_flows(server, browser):
    discord_bot, event_id = server
    qid = await ask(discord_bot, audience(1), "Is the panel's train on time?")
    link = await console_link(discord_bot)
    async with browser.get(link) as page:
        assert page.status == 200
        assert "Sign in" in await page.text()
    response = await sign_in(browser, link)
    assert response.status == 303
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie.replace("Strict", "strict")
    assert "Path=/console" in cookie
    assert "Secure" not in cookie, "plain http on 127.0.0.1; behind TLS the cookie is Secure"
    async with browser.get(f"{discord_bot.bot.presenter.base_url}/console/events/{event_id}") as page:
        csrf = re.search(r'name="csrf-token" content="([^"]+)"', await page.text()).group(1)
    async with browser.get(f"{discord_bot.bot.presenter.base_url}/console/events/{event_id}/questions") as listed:
        [question] = (await listed.json())["questions"]
    assert (question["id"], question["status"], question["asked_by"]) == (qid, "published", "Member 1")
    status, result = await decide(
        discord_bot, browser, event_id, csrf, action="aside", reason="off_topic", questions=[qid]
    )
    assert (status, result) == (200, {"done": [qid], "refused": []})
    await discord_bot.settle()
    stored = await get_question(discord_bot.db, qid)
    assert (stored.status, stored.reason) == (QuestionStatus.DISMISSED, ReasonCode.OFF_TOPIC)
    entry = (await event_ledger(discord_bot.db, event_id))[-1]
    assert (entry.action, entry.actor_id) == (LedgerAction.DISMISS, MODERATOR.user_id)
    assert "set aside" in discord_bot.card(qid)["embeds"][0]["description"], "the card followed, as from Discord"


async def test_bulk_publish_and_the_stream_says_when_anything_changes(server, browser):
    discord_bot, event_id = server
    await discord_bot.send(slash(HOST, "event settings", event=event_id, premoderation=True))
    waiting = [await ask(discord_bot, audience(n), f"Question number {n} about the levy?") for n in range(2, 5)]
    csrf = await signed_in(discord_bot, browser)
    base = discord_bot.bot.presenter.base_url
    async with browser.get(f"{base}/console/events/{event_id}/stream") as stream:
        status, result = await decide(discord_bot, browser, event_id, csrf, action="publish", questions=waiting)
        assert (status, result["done"]) == (200, waiting)
        assert (await next_message(stream)).event == "changed"
    assert {(await get_question(discord_bot.db, q)).status for q in waiting} == {QuestionStatus.PUBLISHED}


async def test_a_link_works_once(server, browser):
    discord_bot, _ = server
    link = await console_link(discord_bot)
    assert (await sign_in(browser, link)).status == 303
    async with (
        aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as other,
        other.post(link, allow_redirects=False) as again,
    ):
        assert (again.status, (await again.json())["error"]) == (403, LINK_REFUSED)


async def test_an_expired_link_is_refused(server, browser):
    discord_bot, _ = server
    secret = await issue_sign_in_link(discord_bot.db, GUILD_ID, host(), now=utcnow() - timedelta(minutes=6))
    before = await snapshot(discord_bot)
    async with browser.post(discord_bot.bot.presenter.console_link(secret), allow_redirects=False) as response:
        assert (response.status, (await response.json())["error"]) == (403, LINK_REFUSED)
    assert await snapshot(discord_bot) == before


async def test_a_link_opened_where_another_account_is_signed_in_is_refused_and_kept_for_its_owner(server, browser):
    discord_bot, _ = server
    await signed_in(discord_bot, browser, HOST)
    theirs = await console_link(discord_bot, MODERATOR)
    async with browser.post(theirs, allow_redirects=False) as response:
        assert (response.status, (await response.json())["error"]) == (403, OTHER_ACCOUNT)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as owner:
        assert (await sign_in(owner, theirs)).status == 303


async def test_a_moderator_whose_role_was_removed_or_who_left_is_refused_and_nothing_changes(server, browser):
    discord_bot, event_id = server
    qid = await ask(discord_bot, audience(1), "Will the levy be reviewed?")
    csrf = await signed_in(discord_bot, browser)
    before = await snapshot(discord_bot)
    discord_bot.fake.members[MODERATOR.user_id] = {**as_member(MODERATOR), "roles": []}
    status, result = await decide(discord_bot, browser, event_id, csrf, action="publish", questions=[qid])
    assert (status, result) == (403, {"error": NOT_A_MODERATOR})
    del discord_bot.fake.members[MODERATOR.user_id]
    status, result = await decide(discord_bot, browser, event_id, csrf, action="live", questions=[qid])
    assert (status, result) == (403, {"error": NO_LONGER_MEMBER})
    assert await snapshot(discord_bot) == before


@pytest.mark.parametrize("token", [None, "", "nonsense", "A" * 43])
async def test_a_change_without_the_right_csrf_token_is_refused(server, browser, token):
    discord_bot, event_id = server
    qid = await ask(discord_bot, audience(1), "Will the levy be reviewed?")
    await signed_in(discord_bot, browser)
    before = await snapshot(discord_bot)
    status, result = await decide(
        discord_bot, browser, event_id, token, action="aside", reason="off_topic", questions=[qid]
    )
    assert status == 403
    assert "security token" in result["error"]
    assert await snapshot(discord_bot) == before


async def test_a_made_up_cookie_gets_nothing(server):
    discord_bot, event_id = server
    qid = await ask(discord_bot, audience(1), "Secret?", anonymous=True)
    base = discord_bot.bot.presenter.base_url
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar, cookies={"podium_console": secrets.token_urlsafe(32)}) as member:
        async with member.get(f"{base}/console/events/{event_id}/questions") as listed:
            assert (listed.status, await listed.json()) == (401, {"error": SIGNED_OUT})
        async with member.post(
            f"{base}/console/events/{event_id}/decide", json={"action": "publish", "questions": [qid]}
        ) as changed:
            assert changed.status == 401


async def test_a_member_cannot_get_a_link(server):
    discord_bot, _ = server
    sent = await discord_bot.send(slash(audience(1), "console"))
    assert reply_text(sent) == NOT_A_MODERATOR


async def test_another_servers_event_is_not_found_and_nothing_changes(server, browser):
    discord_bot, _ = server
    elsewhere = await create_event(discord_bot.db, OTHER_GUILD, host(OTHER_GUILD), title="Another server's event")
    await open_event(discord_bot.db, elsewhere.id, host(OTHER_GUILD))
    theirs = await submit_question(discord_bot.db, elsewhere.id, _other_member(), "Not yours to see?")
    csrf = await signed_in(discord_bot, browser)
    before = await snapshot(discord_bot)
    base = discord_bot.bot.presenter.base_url
    async with browser.get(f"{base}/console/events/{elsewhere.id}/questions") as listed:
        assert listed.status == 404
        assert "Not yours to see" not in await listed.text()
    status, _ = await decide(
        discord_bot, browser, elsewhere.id, csrf, action="aside", reason="off_topic", questions=[theirs.id]
    )
    assert status == 404
    # Nor through this server's event with the other server's question number.
    status, result = await decide(
        discord_bot, browser, 1, csrf, action="aside", reason="off_topic", questions=[theirs.id]
    )
    assert (status, result["done"], result["refused"][0]["error"]) == (200, [], NOT_A_MODERATOR)
    assert await snapshot(discord_bot) == before


async def test_signing_out_and_rotation_end_the_session_at_once(server, browser):
    discord_bot, event_id = server
    base = discord_bot.bot.presenter.base_url
    csrf = await signed_in(discord_bot, browser)
    async with browser.post(f"{base}/console/sign-out", headers={"X-CSRF-Token": csrf}) as out:
        assert out.status == 200
    async with browser.get(f"{base}/console/events/{event_id}/questions") as listed:
        assert listed.status == 401
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as second:
        await signed_in(discord_bot, second)
        await console_link(discord_bot, rotate=True)
        async with second.get(f"{base}/console/events/{event_id}/questions") as listed:
            assert (listed.status, await listed.json()) == (401, {"error": SIGNED_OUT})


def _other_member():
    from bot.domain.actors import Actor

    return Actor(user_id=12345, display_name="Elsewhere", guild_id=OTHER_GUILD)
