"""Where the bot reaches Discord: DISCORD_API_BASE for the HTTP API, and the gateway that API names."""

import asyncio

import pytest
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.app import create_bot, intents
from bot.settings import Settings
from tests.harness.bot_process import until
from tests.harness.fake_discord import FakeDiscord
from tests.harness.fake_gateway import FakeGateway
from tests.harness.payloads import HOST, guild_create, slash

TOKEN = "fake-token"


@pytest.fixture
def fake_discord():
    """The fake Discord, gateway included; discord.py's process-wide addresses put back after."""
    base, gateway = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    fake = FakeDiscord(gateway=FakeGateway([guild_create()], token=TOKEN))
    fake.start()
    yield fake
    fake.stop()
    Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = base, gateway


async def test_the_bot_uses_the_api_base_it_is_given_and_the_gateway_that_api_names(db, fake_discord):
    settings = Settings(
        database_url=db.url.render_as_string(hide_password=False),
        discord_token=TOKEN,
        discord_api_base=fake_discord.base_url,
        presenter_port=0,
    )
    bot = create_bot(settings, db)
    running = asyncio.create_task(bot.start(TOKEN))
    try:
        await asyncio.wait_for(bot.wait_until_ready(), 60)
        routes = [request.route for request in fake_discord.since(0)]
        assert routes[0] == "GET /users/@me"
        assert "GET /gateway/bot" in routes
        [identify] = fake_discord.gateway.identified()
        assert identify["intents"] == intents().value
        assert bot.get_guild(int(guild_create()["id"])) is not None

        mark = fake_discord.mark()
        fake_discord.gateway.dispatch("INTERACTION_CREATE", slash(HOST, "event create", title="Over the wire"))
        await until(lambda: fake_discord.since(mark), what="the bot's answer")
        [answer] = fake_discord.since(mark)
        assert answer.path.endswith("/callback")
        assert "Created #1" in answer.json["data"]["content"]
    finally:
        await bot.close()
        await running
