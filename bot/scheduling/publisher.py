"""What the event's clock needs from Discord, and nothing more: the bot implements it, tests record it."""

from typing import Protocol

from bot.services.drafting import ApprovedRecap
from db.models import Draft, Event


class Publisher(Protocol):
    async def remind(self, channel_id: int, event: Event) -> bool:
        """Post the event's panel (with its "Ask a question" button) and when it starts; True if posted."""
        ...

    async def deliver(self, channel_id: int, heading: str, draft: Draft) -> bool:
        """Put a draft in front of the moderators under Podium's ``heading`` (a recap with its
        Approve / Regenerate / Edit buttons); True if posted."""
        ...

    async def post(self, channel_id: int, recap: ApprovedRecap) -> bool:
        """Post an approved recap's messages in order (with the event's timeline chart), after those
        already posted; True if all are out."""
        ...
