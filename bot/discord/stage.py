"""The Stage's topic: when the event's panel speaks in a Stage channel, its topic (the line
Discord shows under the channel's name) says which question is being answered.

Discord's Stage Instance is the Stage being live: Podium edits its topic, or starts it with that
topic (linked to the server's Event for the panel, when there is one) if it is not live yet. Both
need the bot to be a moderator of the Stage: Manage Channels, Mute Members and Move Members
there. Without them the moderator who took the question live is told which to grant, and the Q&A
goes on without the topic.
"""

import logging

import discord

from bot.discord.render import clip
from db.models import Event, Question

log = logging.getLogger(__name__)

TOPIC_MAX = 120  # characters, Discord's limit for a Stage's topic
GUILD_ONLY = 2
MISSING_ACCESS, MISSING_PERMISSIONS, UNKNOWN_STAGE_INSTANCE = 50001, 50013, 10067
MISSING_PERMISSION = (
    "The Stage's topic could not be set to this question: grant Podium Manage Channels, Mute Members "
    "and Move Members on the Stage. The Q&A goes on without it."
)
REFUSED = "Discord did not take this question as the Stage's topic just now; it is still live on the board."


def stage_topic(question: Question) -> str:
    """The topic that names the question being answered, on one line within Discord's 120."""
    text = " ".join(question.text.split())
    return clip(f"Now answering #{question.id}: {text}", TOPIC_MAX)


class StageTopics:
    """Sets the topic of each event's Stage to the question being answered."""

    def __init__(self, client: discord.Client) -> None:
        self.client = client

    async def show(self, event: Event, question: Question) -> str | None:
        """Put the question in the topic of the event's Stage, if it speaks in one; a sentence for
        the moderators if Discord refused."""
        if event.venue_channel_id is None or not event.venue_is_stage:
            return None
        http, channel_id, topic = self.client.http, event.venue_channel_id, stage_topic(question)
        try:
            try:
                await http.edit_stage_instance(channel_id, topic=topic)
                return None
            except discord.NotFound as error:
                if error.code != UNKNOWN_STAGE_INSTANCE:
                    raise
            # Not live yet: start it, as the server's Event for the panel if it has one.
            start = {"channel_id": str(channel_id), "topic": topic, "privacy_level": GUILD_ONLY}
            if event.discord_event_id is not None:
                start["guild_scheduled_event_id"] = str(event.discord_event_id)
            await http.create_stage_instance(reason="Podium: the question being answered", **start)
        except discord.HTTPException as error:
            if error.code in (MISSING_ACCESS, MISSING_PERMISSIONS) or isinstance(error, discord.Forbidden):
                log.info("No permission to set the Stage's topic for event %s (%s)", event.id, error.code)
                return MISSING_PERMISSION
            log.warning("The Stage's topic for event %s failed: HTTP %s, code %s", event.id, error.status, error.code)
            return REFUSED
        return None
