"""The event's clock as moderators read it: the jobs to come, one line each."""

from collections.abc import Sequence
from datetime import timedelta

from bot.scheduling.clock import UpcomingJob
from bot.scheduling.plan import JobKind

_WHAT = {
    JobKind.REMINDER: "Reminder with the panel in the event's channel",
    JobKind.OPEN: "Questions open",
    JobKind.DIGEST: "Digest to the moderators",
    JobKind.CLOSE: "Questions close",
    JobKind.RECAP: "Recap draft to the moderators",
    JobKind.RECAP_POST: "Recap posted unless a moderator acts first",
}


def describe_jobs(jobs: Sequence[UpcomingJob]) -> str:
    """One line per job to come, soonest first, in Discord's own local times."""
    if not jobs:
        return "Nothing is planned: schedule the event with `/event schedule` to have Podium run it."
    lines = []
    for job in jobs:
        if job.next_at is None:
            lines.append(f"{_WHAT[job.kind]}: paused (`/event status digests:resume` resumes them)")
            continue
        at = int(job.next_at.timestamp())
        every = f" every {_minutes(job.every)}, next" if job.every else ""
        lines.append(f"{_WHAT[job.kind]}:{every} <t:{at}:f> (<t:{at}:R>)")
    return "\n".join(lines)


def _minutes(every: timedelta) -> str:
    return f"{every.total_seconds() / 60:g} min"
