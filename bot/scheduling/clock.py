"""The event's clock: APScheduler 3 on the bot's event loop, its jobs kept in the database.

Each process keeps one job store per shard it serves (table ``apscheduler_jobs_shard_N``), so it
loads and runs only the jobs of its own servers; a claim row per fire (``claims``) keeps two
processes that serve the same shard at once (a rolling restart) from both acting
(docs/scaling.md). Jobs are stored as ``bot.scheduling.jobs:fire`` with plain ids; this module
plans them (``follow``), lists them (``event_jobs``) and runs a fire with this process's context.
"""

import asyncio
import contextlib
import logging
import math
import os
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from apscheduler.job import Job
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlmodel import Session

from bot.domain.actors import Actor
from bot.domain.enums import EventState
from bot.domain.errors import InvalidTransition
from bot.flows.port import Publisher
from bot.llm.client import ModelClient
from bot.scheduling.actions import JobContext, run_job
from bot.scheduling.plan import LATE_IS_FINE, JobKind, PlannedJob, Timing, job_id, plan, shard_of
from bot.services.qa.events import load_event
from bot.services.qa.guilds import require_moderator
from bot.settings import Settings
from db.engine import Database, sync_url
from db.models import Event

log = logging.getLogger(__name__)

JOB_FUNCTION = "bot.scheduling.jobs:fire"
JOB_TABLE = "apscheduler_jobs_shard_{}"
SHUTDOWN_WAIT_S = 30.0

# shard -> the clock that runs that shard's jobs in this process
_running: dict[int, "EventClock"] = {}


def clock_for(shard: int) -> "EventClock | None":
    """The clock running this shard's jobs in this process, if any."""
    return _running.get(shard)


@dataclass(frozen=True, slots=True)
class UpcomingJob:
    """A job still to come: next due ``next_at`` (None while paused), then ``every`` so often."""

    kind: JobKind
    next_at: datetime | None
    every: timedelta | None = None


@dataclass(frozen=True, slots=True)
class EventJobs:
    event: Event
    jobs: list[UpcomingJob]


class EventClock:
    """Plans, lists and runs the jobs of the events of the shards this process serves."""

    def __init__(
        self,
        db: Database,
        timing: Timing,
        *,
        shard_count: int = 1,
        shard_ids: Iterable[int] | None = None,
        publisher: Publisher | None = None,
        model: ModelClient | None = None,
        worker: str | None = None,
    ) -> None:
        self.db, self.timing, self.shard_count = db, timing, shard_count
        self.shards = tuple(sorted(set(shard_ids))) if shard_ids is not None else tuple(range(shard_count))
        worker = worker or f"{socket.gethostname()}:{os.getpid()} shards {list(self.shards)}"
        # Without a publisher the clock only plans and lists (the CLI); it never runs a job.
        self.context = JobContext(db, timing, publisher, model, worker) if publisher else None
        self._engine = sa.create_engine(sync_url(db.url), pool_pre_ping=True)
        self._stores = {
            shard: SQLAlchemyJobStore(engine=self._engine, tablename=JOB_TABLE.format(shard)) for shard in self.shards
        }
        # Coalesce: digests missed while the bot was down make one digest, not a burst.
        self._scheduler = AsyncIOScheduler(timezone=UTC, job_defaults={"coalesce": True, "max_instances": 1})
        self._firing: set[asyncio.Task] = set()
        # APScheduler counts grace in whole seconds.
        self._grace_s = max(1, math.ceil(timing.misfire_grace.total_seconds()))

    @classmethod
    def from_settings(
        cls, settings: Settings, db: Database, *, publisher: Publisher | None = None, model: ModelClient | None = None
    ) -> "EventClock":
        """The clock for this process: its shards, the settings' timing."""
        return cls(
            db,
            Timing.from_settings(settings),
            shard_count=settings.shard_count or 1,
            shard_ids=settings.shard_ids,
            publisher=publisher,
            model=model,
        )

    async def start(self) -> None:
        """Start keeping time on the running loop; jobs missed within their grace while the bot
        was down run now, once."""
        await asyncio.to_thread(self._create_tables)
        for shard, store in self._stores.items():
            self._scheduler.add_jobstore(store, alias=_alias(shard))
        if self.context is not None:
            taken = [shard for shard in self.shards if shard in _running]
            if taken:
                raise RuntimeError(f"shards {taken} already have a running clock in this process")
            _running.update(dict.fromkeys(self.shards, self))
        self._scheduler.start(paused=self.context is None)

    def _create_tables(self) -> None:
        # APScheduler would create them in start(), on the event loop; this does it off the loop.
        for store in self._stores.values():
            store.jobs_t.create(self._engine, checkfirst=True)

    async def shutdown(self, *, wait_s: float = SHUTDOWN_WAIT_S) -> None:
        """Stop firing, let the jobs already running finish (up to ``wait_s``), and let go."""
        if not self._scheduler.running:
            return
        self._scheduler.pause()
        if self._firing:
            await asyncio.wait(self._firing, timeout=wait_s)
        self._scheduler.shutdown(wait=False)
        await asyncio.sleep(0)  # AsyncIOScheduler shuts down on the loop's next turn
        for shard in self.shards:
            if _running.get(shard) is self:
                del _running[shard]
        self._engine.dispose()

    async def fire(self, kind: JobKind, event_id: int) -> str:
        """Run one fire of an event's job in this process (``jobs.fire`` calls this)."""
        if self.context is None:
            return "skipped: this clock only plans"
        # APScheduler runs each fire as a task of its own, which shutdown waits for.
        task = asyncio.ensure_future(run_job(self.context, kind, event_id))
        self._firing.add(task)
        task.add_done_callback(self._firing.discard)
        return await task

    async def follow(self, event: Event) -> list[UpcomingJob]:
        """Bring the event's jobs in line with it, after it is scheduled, rescheduled or archived:
        a scheduled event gets the plan for its times (replacing any earlier plan), an archived
        one loses its jobs, and one in any other state keeps what it has. Returns what is to come."""
        return await asyncio.to_thread(self._follow, event)

    def _follow(self, event: Event) -> list[UpcomingJob]:
        shard = self._shard(event.guild_id)
        planned = plan(event, self.timing) if event.state is EventState.SCHEDULED else None
        if planned is not None or event.state is EventState.ARCHIVED:
            kept = {job.kind for job in planned or []}
            for kind in set(JobKind) - kept:
                self._remove(job_id(event.id or 0, kind), shard)
            for job in planned or []:
                self._add(event.id or 0, job, shard)
        return self._upcoming(event)

    def _add(self, event_id: int, job: PlannedJob, shard: int) -> None:
        trigger = (
            IntervalTrigger(seconds=job.every.total_seconds(), start_date=job.at, end_date=job.until, timezone=UTC)
            if job.every
            else DateTrigger(job.at, timezone=UTC)
        )
        self._scheduler.add_job(
            JOB_FUNCTION,
            trigger,
            args=[job.kind.value, shard, event_id],
            id=job_id(event_id, job.kind),
            name=f"{job.kind.value} of event #{event_id}",
            jobstore=_alias(shard),
            misfire_grace_time=None if job.kind in LATE_IS_FINE else self._grace_s,
            replace_existing=True,
        )

    def _remove(self, id_: str, shard: int) -> None:
        with contextlib.suppress(JobLookupError):
            self._scheduler.remove_job(id_, jobstore=_alias(shard))

    def _upcoming(self, event: Event) -> list[UpcomingJob]:
        alias = _alias(self._shard(event.guild_id))
        found = [self._scheduler.get_job(job_id(event.id or 0, kind), jobstore=alias) for kind in JobKind]
        upcoming = [_upcoming(job) for job in found if job is not None]
        return sorted(upcoming, key=lambda job: (job.next_at is None, job.next_at or datetime.max.replace(tzinfo=UTC)))

    async def event_jobs(
        self, event_id: int, actor: Actor, *, guild_id: int | None = None, pause_digests: bool | None = None
    ) -> EventJobs:
        """A moderator's view of an event's clock: the jobs to come, soonest first. With
        ``pause_digests``, the event's digests are paused (True) or resumed (False) first."""

        def read(session: Session) -> Event:
            event = load_event(session, event_id, guild_id=guild_id)
            require_moderator(session, event.guild_id, actor)
            return event

        event = await self.db.read(read)
        if pause_digests is not None:
            await asyncio.to_thread(self._pause_digests, event, pause_digests)
        return EventJobs(event, await asyncio.to_thread(self._upcoming, event))

    def _pause_digests(self, event: Event, pause: bool) -> None:
        id_, alias = job_id(event.id or 0, JobKind.DIGEST), _alias(self._shard(event.guild_id))
        try:
            if pause:
                self._scheduler.pause_job(id_, jobstore=alias)
            else:
                self._scheduler.resume_job(id_, jobstore=alias)
        except JobLookupError:
            raise InvalidTransition(f"Event #{event.id} has no digests to come.") from None

    def _shard(self, guild_id: int) -> int:
        shard = shard_of(guild_id, self.shard_count)
        if shard not in self._stores:
            # Commands reach the process of the server's shard, so this is a deployment mistake.
            raise ValueError(f"server {guild_id} is on shard {shard}, which this process does not serve")
        return shard


def _alias(shard: int) -> str:
    return f"shard-{shard}"


def _upcoming(job: Job) -> UpcomingJob:
    every = job.trigger.interval if isinstance(job.trigger, IntervalTrigger) else None
    return UpcomingJob(JobKind(job.args[0]), job.next_run_time, every)
