"""What a cog reaches through ``interaction.client``: the flows' context, the event's clock, the presenter."""

from typing import Protocol, cast

import discord

from bot.flows.context import Podium
from bot.scheduling.clock import EventClock
from bot.settings import Settings
from bot.web.server import PresenterServer


class PodiumClient(Protocol):
    """The bot as its cogs see it (``bot.app.PodiumMixin`` provides it)."""

    podium: Podium
    clock: EventClock
    presenter: PresenterServer
    settings: Settings


def client_of(interaction: discord.Interaction) -> PodiumClient:
    """The bot this interaction reached."""
    return cast(PodiumClient, interaction.client)


def podium_of(interaction: discord.Interaction) -> Podium:
    """The context every flow takes, for the bot this interaction reached."""
    return client_of(interaction).podium
