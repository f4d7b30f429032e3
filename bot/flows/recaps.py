"""Approving a recap and posting it: the one place that decides where a recap goes."""

from dataclasses import dataclass
from datetime import datetime

from bot.domain.actors import Actor
from bot.flows.port import Publisher
from bot.services.drafts.drafting import approve_recap, recap_posted
from bot.services.qa.routing import event_channels
from bot.services.records.charts import timeline_chart
from db.engine import Database
from db.models import Draft


@dataclass(frozen=True, slots=True)
class PostedRecap:
    """The approved recap, the channel it went to (None: there is none), and whether all of it went out."""

    draft: Draft
    channel_id: int | None
    posted: bool


async def approve_and_post(
    db: Database, publisher: Publisher, draft_id: int, moderator: Actor, *, now: datetime | None = None
) -> PostedRecap:
    """Approve the recap (the ledger says who), then post it in the server's recap channel, or
    the event's own, with the event's timeline chart. Each message out is remembered at once, so
    approving again after a failed post posts the rest, never a message twice. A moderator's
    button and the clock's automatic post both come here (the clock has no similarity index,
    hence no ``Podium``)."""
    approved = await approve_recap(db, draft_id, moderator, now=now)
    event_id = approved.draft.event_id
    channel_id = (await event_channels(db, event_id)).recap
    if channel_id is None:
        return PostedRecap(approved.draft, None, posted=False)
    chart = await timeline_chart(db, event_id)

    async def remember(parts: int, complete: bool) -> None:
        await recap_posted(db, draft_id, parts, complete=complete)

    posted = await publisher.post_recap(channel_id, approved, chart, posted=remember)
    publisher.event_changed(event_id)  # the board links to the recap
    return PostedRecap(approved.draft, channel_id, posted=posted)
