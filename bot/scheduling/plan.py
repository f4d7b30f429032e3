"""An event's clock as rules: which jobs a scheduled event gets, and when each is due.

Pure functions of the event's times and the settings, so the planner, the jobs (which check
that the fire they run is still due) and ``/event status`` agree by construction.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.settings import Settings
from db.models import Event


class JobKind(StrEnum):
    REMINDER = "reminder"
    OPEN = "open"
    DIGEST = "digest"
    CLOSE = "close"
    RECAP = "recap"
    RECAP_POST = "recap_post"


# Worth running however late they come (after an outage): each checks the event is still at that
# point. A reminder, a digest or a public recap that comes late is noise, so those have a grace.
LATE_IS_FINE = frozenset({JobKind.OPEN, JobKind.CLOSE, JobKind.RECAP})


@dataclass(frozen=True, slots=True)
class Timing:
    """How an event's clock is set: the settings' minutes as durations (tests use seconds)."""

    reminder_before: timedelta = timedelta(minutes=15)
    digest_every: timedelta | None = timedelta(minutes=15)
    recap_after: timedelta = timedelta(minutes=10)
    recap_post_after: timedelta | None = None
    misfire_grace: timedelta = timedelta(minutes=5)

    @classmethod
    def from_settings(cls, settings: Settings) -> "Timing":
        """The timing the settings ask for; 0 minutes turns digests or the automatic recap off."""
        digest, post = settings.digest_interval_minutes, settings.recap_auto_post_minutes
        return cls(
            reminder_before=timedelta(minutes=settings.reminder_minutes),
            digest_every=timedelta(minutes=digest) if digest else None,
            recap_after=timedelta(minutes=settings.recap_delay_minutes),
            recap_post_after=timedelta(minutes=post) if post else None,
            misfire_grace=timedelta(seconds=settings.schedule_misfire_grace_s),
        )


@dataclass(frozen=True, slots=True)
class PlannedJob:
    """One job of an event's plan: due ``at``, then (digests) ``every`` so often until ``until``."""

    kind: JobKind
    at: datetime
    every: timedelta | None = None
    until: datetime | None = None


def plan(event: Event, timing: Timing) -> list[PlannedJob]:
    """The jobs of an event with a start and an end, in the order they are due."""
    starts, ends = event.starts_at, event.ends_at
    if starts is None or ends is None:
        return []
    jobs = [PlannedJob(JobKind.REMINDER, starts - timing.reminder_before), PlannedJob(JobKind.OPEN, starts)]
    if timing.digest_every and starts + timing.digest_every < ends:
        jobs.append(PlannedJob(JobKind.DIGEST, starts + timing.digest_every, timing.digest_every, ends))
    recap = ends + timing.recap_after
    jobs += [PlannedJob(JobKind.CLOSE, ends), PlannedJob(JobKind.RECAP, recap)]
    if timing.recap_post_after:
        jobs.append(PlannedJob(JobKind.RECAP_POST, recap + timing.recap_post_after))
    return jobs


def due_at(kind: JobKind, event: Event, timing: Timing, now: datetime) -> datetime | None:
    """When the fire of ``kind`` that runs ``now`` was due by the event's current plan, or None
    when no such fire is due yet (the event was rescheduled later, or that job is off)."""
    job = next((job for job in plan(event, timing) if job.kind is kind), None)
    if job is None or job.at > now:
        return None
    if job.every is None or job.until is None:
        return job.at
    # A digest: the latest slot that has come, never past the end.
    slot = min(now, job.until) - job.at
    return job.at + job.every * (slot // job.every)


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard that serves a server, by Discord's formula."""
    return (guild_id >> 22) % shard_count


def job_id(event_id: int, kind: JobKind) -> str:
    return f"event-{event_id}-{kind.value}"
