"""Locks on things that have no row of their own, held until the unit of work's transaction ends."""

import hashlib

import sqlalchemy as sa
from sqlmodel import Session


def hold_lock(session: Session, *key: object) -> None:
    """Make every other transaction that holds the same ``key`` wait for this one to end.

    For a rule that counts rows (a rate limit) rather than locking one: on PostgreSQL, two
    transactions would each count the rows committed before either began and both pass, so each
    takes a transaction-scoped advisory lock on the key first. SQLite needs nothing: its writers
    run one at a time (``BEGIN IMMEDIATE``), so a write unit of work already sees every earlier one.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    digest = hashlib.blake2b(repr(key).encode(), digest_size=8).digest()
    session.connection().execute(
        sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": int.from_bytes(digest, "big", signed=True)}
    )
