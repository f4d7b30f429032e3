"""Where the bot reaches Discord: DISCORD_API_BASE for the HTTP API, and the gateway that API names."""

from bot.app import intents
from tests.harness.bot_process import connected_bot, until
from tests.harness.payloads import HOST, guild_create, slash


async def test_the_bot_uses_the_api_base_it_is_given_and_the_gateway_that_api_names(db):
    async with connected_bot(db) as (bot, fake):
        routes = [request.route for request in fake.since(0)]
        assert routes[0] == "GET /users/@me"
        assert "GET /gateway/bot" in routes
        [identify] = fake.gateway.identified()
        assert identify["intents"] == intents().value
        assert bot.get_guild(int(guild_create()["id"])) is not None

        mark = fake.mark()
        fake.gateway.dispatch("INTERACTION_CREATE", slash(HOST, "event create", title="Over the wire"))
        await until(lambda: fake.since(mark), what="the bot's answer")
        [answer] = fake.since(mark)
        assert answer.path.endswith("/callback")
        assert "Created #1" in answer.json["data"]["content"]
