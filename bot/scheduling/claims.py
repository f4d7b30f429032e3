"""Claims: the row that makes one fire of one job happen once, whichever process runs it."""

from datetime import datetime

from sqlmodel import Session

from bot.scheduling.plan import JobKind
from db.engine import Database
from db.models import ScheduleRun
from db.upsert import upsert


async def claim(db: Database, event_id: int, kind: JobKind, due_at: datetime, *, by: str, now: datetime) -> bool:
    """Take the fire of ``kind`` due at ``due_at`` for this event: True for the one caller that
    took it, False for every later one (a duplicate fire, or another process on the same shard)."""
    row = {"event_id": event_id, "job": kind.value, "due_at": due_at, "claimed_by": by[:100], "claimed_at": now}

    def insert(session: Session) -> bool:
        return upsert(session, ScheduleRun, [row], keys=["event_id", "job", "due_at"]) == 1

    return await db.write(insert)
