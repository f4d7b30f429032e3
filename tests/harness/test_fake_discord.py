"""The fake Discord enforces rate limits as Discord documents them, so a bot that ignored them
would be refused here as it would be by Discord; and it answers an interaction's responses as
Discord does."""

import json
import urllib.request

import aiohttp
import pytest

from tests.harness.fake_discord import APPLICATION_ID, FakeDiscord, RateLimits, RemoteFakeDiscord, interaction_token
from tests.harness.limits import IS_COMPONENTS_V2


@pytest.fixture
def fake():
    fake = FakeDiscord(rate_limits=RateLimits(bucket_limit=5, bucket_window_s=1.0, global_per_s=10))
    fake.start()
    yield fake
    fake.stop()


async def test_a_route_answers_with_its_bucket_and_refuses_the_request_beyond_it(fake):
    async with aiohttp.ClientSession(fake.base_url + "/") as http:
        answers = [await http.post("channels/1/messages", json={"content": "hi"}) for _ in range(6)]
        elsewhere = await http.post("channels/2/messages", json={"content": "hi"})
        other_route = await http.patch("channels/1/messages/1", json={"content": "hi"})
        refusal = await answers[-1].json()
    assert [a.status for a in answers] == [200] * 5 + [429]
    assert [a.headers["X-RateLimit-Remaining"] for a in answers[:5]] == ["4", "3", "2", "1", "0"]
    assert {a.headers["X-RateLimit-Limit"] for a in answers} == {"5"}
    assert len({a.headers["X-RateLimit-Bucket"] for a in answers}) == 1
    assert 0 < float(answers[0].headers["X-RateLimit-Reset-After"]) <= 1
    assert answers[-1].headers["X-RateLimit-Scope"] == "user"
    assert int(answers[-1].headers["Retry-After"]) >= 1
    assert refusal["global"] is False
    assert 0 < refusal["retry_after"] <= 1
    assert elsewhere.status == 200, "another channel has a bucket of its own"
    assert other_route.status == 200, "editing is another route, with its own bucket"
    assert other_route.headers["X-RateLimit-Bucket"] != answers[0].headers["X-RateLimit-Bucket"]
    assert [r.status for r in fake.requests].count(429) == 1


async def test_the_global_limit_spares_interaction_endpoints(fake):
    async with aiohttp.ClientSession(fake.base_url + "/") as http:
        channels = [await http.post(f"channels/{n}/messages", json={"content": "hi"}) for n in range(11)]
        refusal = await channels[-1].json()
        callback = await http.post("interactions/5/token-5/callback", json={"type": 5, "data": {}})
        follow_up = await http.post(f"webhooks/{APPLICATION_ID}/token-5", json={"content": "done"})
    assert [c.status for c in channels] == [200] * 10 + [429]
    assert channels[-1].headers["X-RateLimit-Global"] == "true"
    assert channels[-1].headers["X-RateLimit-Scope"] == "global"
    assert refusal["global"] is True
    assert (callback.status, follow_up.status) == (204, 200), "no message asked back: 204 No Content"


async def test_a_callback_sends_the_message_back_only_when_asked(fake):
    async with aiohttp.ClientSession(fake.base_url + "/") as http:
        asked = await http.post("interactions/6/token-6/callback?with_response=1", json={"type": 5, "data": {}})
        unasked = await http.post("interactions/7/token-7/callback", json={"type": 5, "data": {}})
        body = await asked.json()
    assert (asked.status, unasked.status) == (200, 204)
    assert body["resource"]["type"] == 5


async def test_without_limits_the_fake_sends_no_rate_limit_headers():
    fake = FakeDiscord()
    fake.start()
    try:
        async with aiohttp.ClientSession(fake.base_url + "/") as http:
            answers = [await http.post("channels/1/messages", json={"content": "hi"}) for _ in range(10)]
    finally:
        fake.stop()
    assert {a.status for a in answers} == {200}
    assert not any("X-RateLimit-Limit" in a.headers for a in answers)


async def test_commands_discord_would_refuse_are_refused():
    fake = FakeDiscord()
    fake.start()
    try:
        route = f"applications/{APPLICATION_ID}/guilds/1/commands"
        subcommand = {"type": 1, "name": "next", "description": "Next", "default_member_permissions": "32"}
        refused = [
            [{"name": "mod", "description": "Moderators", "default_member_permissions": "manage_guild"}],
            [{"name": "mod", "description": "Moderators", "options": [subcommand]}],
            [{"name": "Mod", "description": "Moderators"}],
            [{"name": "mod", "description": ""}],
        ]
        async with aiohttp.ClientSession(fake.base_url + "/") as http:
            answers = [await http.put(route, json=body) for body in refused]
            errors = [(await a.json())["code"] for a in answers]
            good = {"name": "mod", "description": "Moderators", "default_member_permissions": "32"}
            accepted = await http.put(route, json=[good])
        assert [a.status for a in answers] == [400] * len(refused)
        assert set(errors) == {50035}
        assert accepted.status == 200
    finally:
        fake.stop()


async def test_a_click_acknowledged_first_has_the_clicked_message_as_its_original_response():
    fake = FakeDiscord()
    fake.start()
    try:
        layout = {"flags": IS_COMPONENTS_V2, "components": [{"type": 10, "content": "Before"}]}
        redrawn = {"flags": IS_COMPONENTS_V2, "components": [{"type": 10, "content": "After"}]}
        async with aiohttp.ClientSession(fake.base_url + "/") as http:
            posted = await (await http.post("channels/1/messages", json=layout)).json()
            token = interaction_token(1, posted["id"])
            original = f"webhooks/{APPLICATION_ID}/{token}/messages/@original"
            early = await http.patch(original, json=redrawn)
            early_error = await early.json()
            acknowledged = await http.post(f"interactions/1/{token}/callback", json={"type": 6})
            again = await http.post(f"interactions/1/{token}/callback", json={"type": 7, "data": redrawn})
            again_error = await again.json()
            unflagged = await http.patch(original, json={"content": "After"})
            edited = await http.patch(original, json=redrawn)
            body = await edited.json()
        assert (early.status, early_error["code"]) == (404, 10008), "no original response before the callback"
        assert acknowledged.status == 204
        assert (again.status, again_error["code"]) == (400, 40060), "an interaction is answered once"
        assert unflagged.status == 400, "the clicked message is a layout message: no content beside it"
        assert edited.status == 200
        assert body["id"] == posted["id"]
        message = fake.messages[int(posted["id"])]
        assert message["components"] == [{"type": 10, "content": "After", "id": 1}], "the message clicked is edited"
        assert message["flags"] & IS_COMPONENTS_V2
        assert len(fake.messages) == 1
    finally:
        fake.stop()


async def test_a_layout_message_is_stored_with_its_components_numbered_and_ids_kept_unique(fake):
    section = {
        "type": 9,
        "components": [{"type": 10, "content": "A question"}],
        "accessory": {"type": 2, "style": 2, "label": "▲ 0", "custom_id": "vote", "id": 2},
    }
    layout = {"flags": IS_COMPONENTS_V2, "components": [{"type": 17, "components": [section]}]}
    twice = {"flags": IS_COMPONENTS_V2, "components": [{"type": 10, "content": "a", "id": 7}] * 2}
    async with aiohttp.ClientSession(fake.base_url + "/") as http:
        posted = await (await http.post("channels/1/messages", json=layout)).json()
        refused = await http.post("channels/1/messages", json=twice)
    [container] = fake.messages[int(posted["id"])]["components"]
    [stored] = container["components"]
    # In order, skipping the id the message gives itself, as Discord numbers them.
    assert (container["id"], stored["id"], stored["components"][0]["id"], stored["accessory"]["id"]) == (1, 3, 4, 2)
    assert refused.status == 400, "two components with the same id"


def test_the_fake_in_a_process_of_its_own_counts_requests_and_keeps_its_own_stall():
    remote = RemoteFakeDiscord()
    remote.start()
    try:
        with urllib.request.urlopen(f"{remote.base_url}/users/@me", timeout=10) as response:
            assert json.loads(response.read())["bot"] is True
        assert remote.mark() == 1  # counted there, without the log sent back
        assert isinstance(remote.longest_stall_ms(reset=True), float)  # its own loop, watched there
    finally:
        remote.stop()
