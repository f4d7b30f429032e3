"""The publisher the event's clock posts through: the bot's side of ``bot.scheduling.publisher``."""

from typing import TYPE_CHECKING

from bot.discord import safe
from bot.services.drafting import ApprovedRecap
from cogs.drafts.views import draft_embed, post_recap, recap_buttons
from cogs.events.cog import panel
from db.models import Draft, DraftKind, Event

if TYPE_CHECKING:
    from bot.app import PodiumBot


class DiscordPublisher:
    """What the clock's jobs post, sent through ``safe`` like everything else Podium sends."""

    def __init__(self, bot: "PodiumBot") -> None:
        self.bot = bot

    async def remind(self, channel_id: int, event: Event) -> bool:
        """The event's panel, pinned, with when it starts."""
        embed, view = panel(event)
        starts = f"<t:{int(event.starts_at.timestamp())}:R>" if event.starts_at else "soon"
        content = f"Questions open {starts}: ask yours as soon as they do."
        message = await safe.post(self.bot.get_partial_messageable(channel_id), content, embed=embed, view=view)
        if message is None:
            return False
        await safe.pin(message)
        return True

    async def deliver(self, channel_id: int, heading: str, draft: Draft) -> bool:
        """The heading as Podium wrote it; the draft as data, with the recap's approval buttons."""
        view = recap_buttons(draft) if draft.kind is DraftKind.RECAP else None
        channel = self.bot.get_partial_messageable(channel_id)
        return await safe.post(channel, heading, embed=draft_embed(draft), view=view) is not None

    async def post(self, channel_id: int, recap: ApprovedRecap) -> bool:
        return await post_recap(self.bot, channel_id, recap)
