"""An event run by its clock: reminder, open, digests, close, recap, automatic recap, in order and
once each, across restarts, kills, reschedules and several processes."""

import asyncio
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.domain.clock import utcnow
from bot.domain.enums import DraftKind, DraftStatus, EventState, LedgerAction
from bot.scheduling import jobs
from bot.scheduling.actions import JobContext, run_job
from bot.scheduling.clock import EventClock
from bot.scheduling.plan import JobKind, Timing, shard_of
from bot.services.drafts.drafting import edit_recap
from bot.services.qa.events import archive_event, get_event, schedule_event
from bot.services.qa.questions import submit_question
from bot.services.records.ledger import event_ledger
from db.engine import Database
from db.models import Draft, ScheduleRun
from tests.factories import GUILD_ID, host, member
from tests.scheduling.conftest import (
    FAST,
    MODERATORS_CHANNEL_ID,
    QA_CHANNEL_ID,
    RECAP_CHANNEL_ID,
    RecordingPublisher,
    running_clock,
    scheduled_event,
    set_up_guild,
    until,
)


async def _state(db: Database, event_id: int) -> EventState:
    return (await get_event(db, event_id)).state


async def _drafts(db: Database, event_id: int, kind: DraftKind) -> list[Draft]:
    query = select(Draft).where(Draft.event_id == event_id, Draft.kind == kind)
    return list(await db.read(lambda session: session.exec(query).all()))


async def _ledger(db: Database, event_id: int) -> list[tuple[LedgerAction, str]]:
    return [(entry.action, entry.actor_name) for entry in await event_ledger(db, event_id)]


async def test_an_event_runs_by_itself_in_order(db, publisher):
    await set_up_guild(db)
    async with running_clock(db, publisher) as clock:
        event = await scheduled_event(db, starts_in=1.0, lasts=1.5)
        planned = await clock.follow(event)
        assert [job.kind for job in planned] == [
            JobKind.REMINDER,
            JobKind.OPEN,
            JobKind.DIGEST,
            JobKind.CLOSE,
            JobKind.RECAP,
            JobKind.RECAP_POST,
        ]
        await until(lambda: publisher.reminders())
        assert await _state(db, event.id) is EventState.SCHEDULED
        await until(lambda: _is(db, event.id, EventState.OPEN))
        await submit_question(db, event.id, member(1), "Will the report's targets be binding on councils?")
        await until(lambda: publisher.messages(RECAP_CHANNEL_ID), within_s=15)

    [reminder] = publisher.reminders()
    assert reminder.channel_id == QA_CHANNEL_ID
    [digest] = publisher.messages(MODERATORS_CHANNEL_ID, "**Digest**")
    [recap_for_approval] = publisher.messages(MODERATORS_CHANNEL_ID, "**Recap**")
    assert "posted by itself" in recap_for_approval.text
    public = publisher.messages(RECAP_CHANNEL_ID)
    assert "binding on councils" in public[0].text
    assert reminder.at < digest.at < recap_for_approval.at < public[0].at
    [recap] = await _drafts(db, event.id, DraftKind.RECAP)
    assert recap.status is DraftStatus.APPROVED
    assert await _ledger(db, event.id) == [
        (LedgerAction.EVENT_CREATE, "Morgan (host)"),
        (LedgerAction.EVENT_SCHEDULE, "Morgan (host)"),
        (LedgerAction.EVENT_OPEN, "Podium (scheduled)"),
        (LedgerAction.EVENT_CLOSE, "Podium (scheduled)"),
        (LedgerAction.RECAP_APPROVE, "Podium (scheduled)"),
    ]


async def _is(db: Database, event_id: int, state: EventState) -> bool:
    return await _state(db, event_id) is state


async def _claimed(db: Database, event_id: int, kind: JobKind) -> bool:
    query = select(ScheduleRun).where(ScheduleRun.event_id == event_id, ScheduleRun.job == kind.value)
    return bool(await db.read(lambda session: session.exec(query).all()))


def _timing(**seconds: float | None) -> Timing:
    """``FAST`` with some durations changed (None turns digests or the automatic recap off)."""
    changed = {name: None if value is None else timedelta(seconds=value) for name, value in seconds.items()}
    return Timing(**{name: getattr(FAST, name) for name in Timing.__dataclass_fields__} | changed)


async def test_a_moderator_who_edits_the_recap_stops_the_automatic_post(db, publisher):
    await set_up_guild(db)
    async with running_clock(db, publisher, timing=_timing(digest_every=None, recap_post_after=0.8)) as clock:
        event = await scheduled_event(db, starts_in=0.5, lasts=0.3)
        await clock.follow(event)
        await until(lambda: publisher.messages(MODERATORS_CHANNEL_ID, "**Recap**"))
        [recap] = await _drafts(db, event.id, DraftKind.RECAP)
        await edit_recap(db, recap.id, host(), "Our own words.")
        await until(lambda: _claimed(db, event.id, JobKind.RECAP_POST))
    # Shutting the clock down waited for the post job: it looked, and left the recap to the moderator.
    assert publisher.messages(RECAP_CHANNEL_ID) == []
    assert (await _drafts(db, event.id, DraftKind.RECAP))[0].status is DraftStatus.DRAFT


async def test_a_fresh_clock_on_the_same_database_runs_the_planned_jobs_once(db, publisher):
    await set_up_guild(db)
    async with running_clock(db, publisher) as clock:
        event = await scheduled_event(db, starts_in=0.8, lasts=5)
        await clock.follow(event)
    assert publisher.sent == []  # stopped before anything was due

    async with running_clock(db, publisher) as restarted:
        assert [job.kind for job in (await restarted.event_jobs(event.id, host())).jobs][:2] == [
            JobKind.REMINDER,
            JobKind.OPEN,
        ]
        await until(lambda: _is(db, event.id, EventState.OPEN))
    assert len(publisher.reminders()) == 1
    assert [action for action, _ in await _ledger(db, event.id)].count(LedgerAction.EVENT_OPEN) == 1


async def test_after_an_outage_late_jobs_run_once_within_grace_and_opening_however_late(db, publisher):
    await set_up_guild(db)
    late = _timing(reminder_before=0.3, misfire_grace=1, digest_every=None)
    async with running_clock(db, publisher, timing=late) as clock:
        event = await scheduled_event(db, starts_in=0.5, lasts=30)
        await clock.follow(event)
    await asyncio.sleep(1.6)  # the bot is down past the reminder's grace (1 s) and past the start

    async with running_clock(db, publisher, timing=late):
        await until(lambda: _is(db, event.id, EventState.OPEN))
    assert publisher.reminders() == []  # too late to remind anyone

    within = _timing(reminder_before=0.3, misfire_grace=5, digest_every=None)
    async with running_clock(db, publisher, timing=within) as clock:
        second = await scheduled_event(db, starts_in=0.5, lasts=30, title="Second")
        await clock.follow(second)
    await asyncio.sleep(0.4)  # down while the reminder falls due, back within its grace

    async with running_clock(db, publisher, timing=within):
        await until(lambda: publisher.reminders())
        await until(lambda: _is(db, second.id, EventState.OPEN))
    assert [r.text for r in publisher.reminders()] == [f"#{second.id} Second"]


async def test_a_job_killed_halfway_is_not_done_twice_after_a_restart(db, publisher):
    await set_up_guild(db)
    publisher.hold = asyncio.Event()  # the recap's delivery hangs, as if the process froze there
    timing = _timing(digest_every=None, recap_post_after=None)
    clock = EventClock(db, timing, publisher=publisher)
    await clock.start()
    event = await scheduled_event(db, starts_in=0.3, lasts=0.3)
    await clock.follow(event)
    await until(lambda: _drafts(db, event.id, DraftKind.RECAP))
    await clock.shutdown(wait_s=0)  # the kill: the recap job is cancelled halfway
    publisher.hold = None
    assert publisher.messages(MODERATORS_CHANNEL_ID) == []

    async with running_clock(db, publisher, timing=timing) as restarted:
        assert (await restarted.event_jobs(event.id, host())).jobs == []
        # Even a second fire of the same job (a stray duplicate) finds the fire taken.
        assert await jobs.fire("recap", 0, event.id) == "skipped: already run"
    assert len(await _drafts(db, event.id, DraftKind.RECAP)) == 1


async def test_rescheduling_moves_the_jobs_and_archiving_cancels_them(db, publisher):
    async with running_clock(db, publisher, timing=Timing()) as clock:
        event = await scheduled_event(db, starts_in=3600, lasts=3600)
        first = await clock.follow(event)
        starts = utcnow() + timedelta(hours=5)
        moved = await schedule_event(db, event.id, host(), starts_at=starts, ends_at=starts + timedelta(hours=1))
        jobs_now = await clock.follow(moved)
        assert [job.next_at for job in jobs_now][:2] == [starts - timedelta(minutes=15), starts]
        assert jobs_now[0].next_at > first[0].next_at
        digest = next(job for job in jobs_now if job.kind is JobKind.DIGEST)
        assert digest.every == timedelta(minutes=15)

        status = await clock.event_jobs(event.id, host(), pause_digests=True)
        assert next(job for job in status.jobs if job.kind is JobKind.DIGEST).next_at is None
        status = await clock.event_jobs(event.id, host(), pause_digests=False)
        assert next(job for job in status.jobs if job.kind is JobKind.DIGEST).next_at == starts + digest.every

        archived = await archive_event(db, event.id, host())
        assert await clock.follow(archived) == []


async def test_a_job_for_times_since_changed_does_nothing(db, publisher):
    event = await scheduled_event(db, starts_in=0.3, lasts=60)
    starts = utcnow() + timedelta(hours=1)
    await schedule_event(db, event.id, host(), starts_at=starts, ends_at=starts + timedelta(hours=1))
    context = JobContext(db, FAST, publisher)
    await asyncio.sleep(0.4)
    assert await run_job(context, JobKind.OPEN, event.id) == "skipped: not due by the event's current times"
    assert await _state(db, event.id) is EventState.SCHEDULED


async def test_each_process_runs_only_the_jobs_of_its_shards(db):
    other_guild = GUILD_ID + (1 << 22)  # the next shard of two
    guilds = {shard_of(GUILD_ID, 2): GUILD_ID, shard_of(other_guild, 2): other_guild}
    publishers = {shard: RecordingPublisher() for shard in guilds}
    async with (
        running_clock(db, publishers[0], shard_count=2, shard_ids=[0], worker="process A") as first,
        running_clock(db, publishers[1], shard_count=2, shard_ids=[1], worker="process B") as second,
    ):
        clocks = {0: first, 1: second}
        events = {}
        for shard, guild_id in guilds.items():
            events[shard] = await scheduled_event(db, starts_in=0.6, lasts=30, guild_id=guild_id)
            await clocks[shard].follow(events[shard])
        with pytest.raises(ValueError, match="does not serve"):
            await first.follow(events[1])
        for event in events.values():
            await until(lambda event=event: _is(db, event.id, EventState.OPEN))
    for shard, event in events.items():
        assert [r.text for r in publishers[shard].reminders()] == [f"#{event.id} Housing report"]
    claims = await db.read(lambda session: session.exec(select(ScheduleRun)).all())
    assert sorted((c.event_id, c.job, c.claimed_by) for c in claims) == sorted(
        (events[shard].id, kind, f"process {'AB'[shard]}") for shard in guilds for kind in ("reminder", "open")
    )


async def test_two_processes_firing_the_same_job_at_once_act_once(db, publisher):
    await set_up_guild(db)
    event = await scheduled_event(db, starts_in=0.2, lasts=60)
    await asyncio.sleep(0.3)
    # A rolling restart: the old and the new process both serve the shard for a moment.
    other = Database(db.url.render_as_string(hide_password=False))
    try:
        contexts = [JobContext(db, FAST, publisher, worker="old"), JobContext(other, FAST, publisher, worker="new")]
        for kind in (JobKind.REMINDER, JobKind.OPEN):
            outcomes = await asyncio.gather(*(run_job(context, kind, event.id) for context in contexts))
            assert sorted(outcome.startswith("skipped") for outcome in outcomes) == [False, True], outcomes
    finally:
        await other.dispose()
    assert len(publisher.reminders()) == 1
    assert [action for action, _ in await _ledger(db, event.id)].count(LedgerAction.EVENT_OPEN) == 1
