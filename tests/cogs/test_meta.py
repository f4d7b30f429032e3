"""Checks over the whole command tree: what Discord would refuse at sync time, found here first."""

from discord import app_commands

from bot.discord.render import CUSTOM_ID_MAX
from bot.domain.transitions import Decision
from bot.services.qa.ranking import Order
from cogs.audience.views import AskButton, VoteButton
from cogs.moderation.queue import QuestionPicker, QueuePageButton
from cogs.moderation.views import ModerateButton, ReasonSelect

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
        "queue",
        "next",
        "answered",
        "ban",
        "unban",
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
        ReasonSelect("dismiss", largest),
    ]
    items += [ModerateButton(decision, largest) for decision in Decision]
    for item in items:
        assert len(item.custom_id) <= CUSTOM_ID_MAX
        assert item.item.custom_id == item.custom_id
