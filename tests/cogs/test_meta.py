"""Checks over the whole command tree: what Discord would refuse at sync time, found here first."""

import discord
from discord import app_commands

from bot.discord.render import CUSTOM_ID_MAX
from bot.domain.enums import ReasonCode
from bot.domain.transitions import Decision
from bot.services.qa.ranking import Order
from cogs.audience.views import AskButton, VoteButton
from cogs.moderation.queue import QuestionPicker, QueuePageButton
from cogs.moderation.views import ModerateButton, SetAsideButton
from tests.harness.driver import reply_text
from tests.harness.payloads import GUILD_ID, HOST, slash

DESCRIPTION_MAX = 100
NAME_MAX = 32


def walk(commands):
    for command in commands:
        yield command
        if isinstance(command, app_commands.Group):
            yield from walk(command.commands)


async def test_command_names_are_unique_and_descriptions_fit(discord_bot):
    tree = discord_bot.bot.tree
    top = [c.name for c in tree.get_commands()]
    assert len(top) == len(set(top))
    for command in walk(tree.get_commands()):
        assert len(command.name) <= NAME_MAX
        if isinstance(command, app_commands.ContextMenu):
            continue
        assert 0 < len(command.description) <= DESCRIPTION_MAX, command.name
        for parameter in getattr(command, "parameters", []):
            assert len(parameter.description) <= DESCRIPTION_MAX, (command.name, parameter.name)


async def test_every_command_serialises_for_sync(discord_bot):
    tree = discord_bot.bot.tree
    payloads = [c.to_dict(tree) for c in tree.get_commands()]
    assert {p["name"] for p in payloads} >= {
        "ask",
        "my-questions",
        "withdraw",
        "mod",
        "event",
        "podium-setup",
        "Ask the panel",
    }


def test_persistent_items_keep_custom_ids_within_limits_for_the_largest_ids():
    largest = 2**63 - 1
    items = [
        VoteButton(largest, "down"),
        AskButton(largest),
        QuestionPicker(largest),
        QueuePageButton(largest, Order.TRENDING, 10**9),
    ]
    items += [SetAsideButton(reason, largest) for reason in ReasonCode]
    items += [ModerateButton(decision, largest) for decision in Decision]
    for item in items:
        assert len(item.custom_id) <= CUSTOM_ID_MAX
        assert item.item.custom_id == item.custom_id


# Discord's own slash commands; a bot's command of the same name sits beside it in the picker.
DISCORD_BUILT_INS = {
    "ban",
    "kick",
    "timeout",
    "nick",
    "msg",
    "me",
    "tts",
    "spoiler",
    "shrug",
    "tableflip",
    "unflip",
    "giphy",
    "tenor",
    "thread",
}
AUDIENCE_COMMANDS = {"ask", "my-questions", "withdraw", "notify", "Ask the panel"}
MANAGE_GUILD = 1 << 5


async def test_no_command_shares_a_name_with_discords_built_ins(discord_bot):
    assert not {c.name for c in discord_bot.bot.tree.get_commands()} & DISCORD_BUILT_INS


async def test_the_synced_commands_hide_the_moderators_ones_from_members(discord_bot):
    # What `podium sync --guild` sends.
    server = discord.Object(GUILD_ID)
    discord_bot.bot.tree.copy_global_to(guild=server)
    await discord_bot.bot.tree.sync(guild=server)
    [put] = [r for r in discord_bot.fake.requests if r.method == "PUT" and r.path.endswith("/commands")]
    assert put.status == 200, "the fake Discord accepted the commands"
    synced = {command["name"]: command for command in put.json}
    assert {name: synced[name]["default_member_permissions"] for name in AUDIENCE_COMMANDS} == dict.fromkeys(
        AUDIENCE_COMMANDS
    )
    hidden = {name: c["default_member_permissions"] for name, c in synced.items() if name not in AUDIENCE_COMMANDS}
    assert hidden == dict.fromkeys(
        ["mod", "event", "report", "brief", "digest", "recap", "present", "console", "podium-setup"], MANAGE_GUILD
    )
    mod = synced["mod"]["options"]
    assert [(o["name"], o["type"]) for o in mod] == [(n, 1) for n in ("queue", "next", "answered", "ban", "unban")]
    assert all("default_member_permissions" not in o for o in mod), "only a top-level command carries them"


async def test_podium_setup_says_how_to_let_the_moderator_role_see_the_commands(discord_bot):
    sent = await discord_bot.send(slash(HOST, "podium-setup"))
    assert "Server Settings → Integrations → Podium" in reply_text(sent)
