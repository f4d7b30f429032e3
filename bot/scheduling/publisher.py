"""What the event's clock needs from Discord, and nothing more: the bot implements it, tests record it."""

from collections.abc import Sequence
from typing import Protocol

from db.models import Event


class Publisher(Protocol):
    async def remind(self, channel_id: int, event: Event) -> bool:
        """Post the event's panel (with its "Ask a question" button) and when it starts; True if posted."""
        ...

    async def send(self, channel_id: int, messages: Sequence[str]) -> bool:
        """Post plain messages in order, each within Discord's limit; True if all went out."""
        ...
