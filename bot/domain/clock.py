"""The time services stamp on what they store, unless a caller (a rehearsal) says otherwise."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
