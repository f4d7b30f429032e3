"""An asker's notices, sent as direct messages (``services.qa.notices`` decides whether to)."""

import logging

import discord

from bot.discord.render import NO_MENTIONS, fit_content, quote
from bot.services.surfaces.notices import News, Notice, notice_for, record_refused
from db.engine import Database

log = logging.getLogger(__name__)

CANNOT_MESSAGE_USER = 50007


def render_notice(notice: Notice) -> str:
    """The DM's text: what happened to the question, in the asker's words."""
    number, event = f"#{notice.question_id}", f"“{quote(notice.event_title)}”"
    said = {
        News.PUBLISHED: "was approved and is published: everyone can see it and upvote it now.",
        News.LIVE: "is being answered now.",
        News.ANSWERED: "has been answered.",
        News.MERGED: f"was merged into #{notice.merged_into}, which asks the same; your votes and credit go with it.",
        News.SET_ASIDE: f"was set aside by a moderator: {quote(notice.stands)}.",
    }[notice.news]
    return fit_content(f"Your question {number} in {event} {said}\n-# Turn these messages off with `/notify off`.")


class Notifier:
    """Sends askers their notices; a member whose DMs Discord refuses is not tried again."""

    def __init__(self, client: discord.Client, db: Database) -> None:
        self.client, self.db = client, db

    async def send(self, question_id: int, news: News) -> bool:
        """DM the asker, if they allow it; True if it went out."""
        notice = await notice_for(self.db, question_id, news)
        if notice is None:
            return False
        try:
            channel = await self.client.create_dm(discord.Object(notice.user_id))
            await channel.send(render_notice(notice), allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as error:
            if error.code == CANNOT_MESSAGE_USER:
                await record_refused(self.db, notice.user_id)
                log.info("A member does not accept DMs; recorded, not retried")
            else:
                log.warning("A notice DM failed: HTTP %s, code %s", error.status, error.code)
            return False
        return True
