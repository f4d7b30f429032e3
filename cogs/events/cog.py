"""The /event command group, for moderators."""

from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord import safe
from bot.discord.actors import MODERATORS_ONLY, actor_from
from bot.discord.client import client_of, podium_of
from bot.discord.options import event_autocomplete
from bot.discord.summaries import describe_event
from bot.domain.enums import ProfanityPolicy
from bot.domain.errors import InvalidInput
from bot.flows import events as event_flows
from bot.services.qa import events
from bot.services.qa.guilds import guild_settings
from bot.services.qa.moderation import check_moderator
from cogs.events.status import describe_jobs

TIME_FORMAT = "%Y-%m-%d %H:%M"


def parse_time(text: str, timezone: str, *, field: str) -> datetime:
    """A time typed as ``2026-12-01 18:30`` in the server's time zone, as an aware datetime.

    The refusal names the field rather than repeating what was typed: it is the member's own
    text, and need not be shown back to them to say it was not a time.
    """
    try:
        naive = datetime.strptime(text.strip(), TIME_FORMAT)
    except ValueError:
        raise InvalidInput(f"I could not read the {field} time. Write it like 2026-12-01 18:30 ({timezone}).") from None
    return naive.replace(tzinfo=ZoneInfo(timezone))


@app_commands.guild_only()
@app_commands.default_permissions(MODERATORS_ONLY)
class EventCommands(commands.GroupCog, group_name="event", group_description="Run Podium events (moderators)"):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="create", description="Create an event (a draft until it opens)")
    @app_commands.describe(
        title="The event's name", description="A line or two about it", channel="Where questions appear"
    )
    async def create_command(
        self,
        interaction: discord.Interaction,
        title: app_commands.Range[str, 1, 100],
        description: app_commands.Range[str, 0, 1000] = "",
        channel: discord.TextChannel | None = None,
    ) -> None:
        podium = podium_of(interaction)
        event = await events.create_event(
            podium.db,
            interaction.guild_id or 0,
            actor_from(interaction),
            title=title,
            description=description,
            channel_id=(channel or interaction.channel).id if (channel or interaction.channel) else None,
        )
        await safe.reply(
            interaction, f"Created {describe_event(event)}. Open it with `/event open` when you are ready."
        )

    @app_commands.command(name="schedule", description="Set when the event starts and ends")
    @app_commands.describe(
        event="Which event",
        start="e.g. 2026-12-01 18:30",
        end="e.g. 2026-12-01 20:00",
        venue="The Stage or voice channel the panel speaks in (for the server's Events)",
        location="Or where it happens, if not in a channel here (for the server's Events)",
    )
    @app_commands.autocomplete(event=event_autocomplete)
    async def schedule_command(
        self,
        interaction: discord.Interaction,
        event: int,
        start: str,
        end: str,
        venue: discord.StageChannel | discord.VoiceChannel | None = None,
        location: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        podium = podium_of(interaction)
        actor = actor_from(interaction)
        event_id = await self._event_id(interaction, event)
        # Who may schedule is checked before anything typed is read, so a member learns nothing.
        await check_moderator(podium.db, interaction.guild_id or 0, actor)
        timezone = (await guild_settings(podium.db, interaction.guild_id or 0)).timezone
        scheduled, refused = await event_flows.schedule_event(
            podium,
            event_id,
            actor,
            starts_at=parse_time(start, timezone, field="start"),
            ends_at=parse_time(end, timezone, field="end"),
            venue_channel_id=venue.id if venue is not None else None,
            on_stage=isinstance(venue, discord.StageChannel),
            location=location,
        )
        planned = await client_of(interaction).clock.follow(scheduled)
        note = f"\n{refused}" if refused else "\nIt is in the server's Events too, for members to mark Interested."
        await safe.reply(interaction, f"Scheduled {describe_event(scheduled)}.\n{describe_jobs(planned)}{note}")

    @app_commands.command(name="open", description="Open the event for questions (or resume it)")
    @app_commands.autocomplete(event=event_autocomplete)
    async def open_command(self, interaction: discord.Interaction, event: int) -> None:
        opened = await event_flows.open_event(
            podium_of(interaction), await self._event_id(interaction, event), actor_from(interaction)
        )
        await safe.reply(interaction, f"{describe_event(opened)} is taking questions.")

    @app_commands.command(name="pause", description="Stop taking new questions for a while (votes still count)")
    @app_commands.autocomplete(event=event_autocomplete)
    async def pause_command(self, interaction: discord.Interaction, event: int) -> None:
        paused = await event_flows.pause_event(
            podium_of(interaction), await self._event_id(interaction, event), actor_from(interaction)
        )
        await safe.reply(interaction, f"{describe_event(paused)}: questions are paused.")

    @app_commands.command(name="close", description="End the Q&A: no more questions or votes")
    @app_commands.autocomplete(event=event_autocomplete)
    async def close_command(self, interaction: discord.Interaction, event: int) -> None:
        closed = await event_flows.close_event(
            podium_of(interaction), await self._event_id(interaction, event), actor_from(interaction)
        )
        await safe.reply(interaction, f"{describe_event(closed)}: the Q&A is closed.")

    @app_commands.command(name="archive", description="Put a finished or called-off event away")
    @app_commands.autocomplete(event=event_autocomplete)
    async def archive_command(self, interaction: discord.Interaction, event: int) -> None:
        podium = podium_of(interaction)
        archived = await event_flows.archive_event(
            podium, await self._event_id(interaction, event), actor_from(interaction)
        )
        await client_of(interaction).clock.follow(archived)
        await safe.reply(interaction, f"{describe_event(archived)} is archived.")

    @app_commands.command(name="status", description="What Podium will do for an event, and when")
    @app_commands.describe(event="Which event", digests="Pause or resume its digests to the moderators")
    @app_commands.autocomplete(event=event_autocomplete)
    async def status_command(
        self, interaction: discord.Interaction, event: int, digests: Literal["pause", "resume"] | None = None
    ) -> None:
        found = await client_of(interaction).clock.event_jobs(
            event,
            actor_from(interaction),
            guild_id=interaction.guild_id,
            pause_digests=None if digests is None else digests == "pause",
        )
        await safe.reply(interaction, f"{describe_event(found.event)}\n{describe_jobs(found.jobs)}")

    @app_commands.command(name="settings", description="Change an event's rules")
    @app_commands.describe(
        premoderation="Review every question before it is published",
        anonymous="Allow anonymous questions",
        max_length="Longest question, in characters",
        questions_per_window="How many questions one member may ask per window",
        window_minutes="The rate limit's window, in minutes",
        downvotes="Allow downvotes",
        self_votes="Allow askers to vote on their own questions",
        profanity="What the profanity filter does",
        trending_half_life_minutes="How fast votes fade in the trending order",
        cards="Also post a card per question (small events; the board shows the top questions anyway)",
        abuse_threshold="Hold for review a question the abuse classifier scores this or more (1 = off)",
    )
    @app_commands.autocomplete(event=event_autocomplete)
    async def settings_command(
        self,
        interaction: discord.Interaction,
        event: int,
        premoderation: bool | None = None,
        anonymous: bool | None = None,
        max_length: app_commands.Range[int, 20, 4000] | None = None,
        questions_per_window: app_commands.Range[int, 1, 100] | None = None,
        window_minutes: app_commands.Range[int, 1, 1440] | None = None,
        downvotes: bool | None = None,
        self_votes: bool | None = None,
        profanity: ProfanityPolicy | None = None,
        trending_half_life_minutes: app_commands.Range[int, 1, 1440] | None = None,
        cards: bool | None = None,
        abuse_threshold: app_commands.Range[float, 0.0, 1.0] | None = None,
    ) -> None:
        changes = {
            "premoderation": premoderation,
            "allow_anonymous": anonymous,
            "max_question_length": max_length,
            "rate_limit_count": questions_per_window,
            "rate_limit_window_s": window_minutes * 60 if window_minutes else None,
            "allow_downvotes": downvotes,
            "allow_self_votes": self_votes,
            "profanity": profanity,
            "trending_half_life_s": trending_half_life_minutes * 60 if trending_half_life_minutes else None,
            "question_cards": cards,
            "abuse_threshold": abuse_threshold,
        }
        changes = {name: value for name, value in changes.items() if value is not None}
        podium = podium_of(interaction)
        event_id = await self._event_id(interaction, event)
        # Always through the service, which refuses a member who is not a moderator even with no change.
        updated = await events.update_event(podium.db, event_id, actor_from(interaction), **changes)
        if changes:
            podium.publisher.event_changed(event_id)
        abuse = "off" if updated.abuse_threshold >= 1 else f"holds for review from {updated.abuse_threshold:.2f}"
        lines = [
            f"Pre-moderation: {'on' if updated.premoderation else 'off'}",
            f"Anonymous questions: {'allowed' if updated.allow_anonymous else 'not allowed'}",
            f"Longest question: {updated.max_question_length} characters",
            f"Rate limit: {updated.rate_limit_count} per {updated.rate_limit_window_s // 60} min",
            f"Downvotes: {'on' if updated.allow_downvotes else 'off'}",
            f"Self-votes: {'on' if updated.allow_self_votes else 'off'}",
            f"Profanity filter: {updated.profanity.value}",
            f"Trending half-life: {updated.trending_half_life_s // 60} min",
            f"A card per question: {'on' if updated.question_cards else 'off (the board only)'}",
            f"Abuse classifier: {abuse}",
        ]
        await safe.reply(interaction, f"{describe_event(updated)}\n" + "\n".join(lines))

    @app_commands.command(name="list", description="This server's events")
    async def list_command(self, interaction: discord.Interaction) -> None:
        found = await events.list_events(podium_of(interaction).db, interaction.guild_id or 0)
        text = "\n".join(describe_event(e) for e in found[:20]) or "No events yet. Create one with `/event create`."
        await safe.reply(interaction, text)

    async def _event_id(self, interaction: discord.Interaction, event_id: int) -> int:
        return (await events.get_event(podium_of(interaction).db, event_id, guild_id=interaction.guild_id)).id or 0


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(EventCommands(bot))
