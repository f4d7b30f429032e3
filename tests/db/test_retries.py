"""Database trouble: a unit of work meets a SQLite file locked by another process, or PostgreSQL
connections terminated between and in the middle of units of work, or a deadlock. It is run
again whole in a new transaction and commits once; when the trouble outlasts the retry budget,
the member's error says nothing was saved, and nothing was."""

import asyncio
import logging
import socket
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.domain.errors import DatabaseUnavailable, SaveUncertain
from db.engine import POSTGRESQL_READ_POOL, POSTGRESQL_WRITE_POOL, Database, Retries, answer_due
from db.models import Event, GuildSettings
from tests.factories import GUILD_ID
from tests.harness.db_faults import SQLiteWriteLock, backend_pid, on_first_retry, sqlite_path, terminate_backends

# Short enough for a quick test, long enough that a retry or two happens inside it.
QUICK = Retries(budget_s=0.5, wait_s=0.1, pause_s=0.02, pause_max_s=0.1)
AT = datetime(2026, 5, 1, 18, 0, tzinfo=UTC)
# Stands for a member's text: it must never reach the log.
SECRET = "Why was my landlord's name in the leaked file?"


def add_event(session: Session, title: str) -> None:
    session.add(Event(guild_id=GUILD_ID, title=title, created_by=1, created_at=AT))
    session.flush()


async def titles(db: Database) -> list[str]:
    return list(await db.read(lambda session: session.exec(select(Event.title).order_by(col(Event.id))).all()))


@pytest.fixture
async def quick_db(db):
    """The test database, opened again with a short retry budget."""
    database = Database(db.url.render_as_string(hide_password=False), retries=QUICK)
    yield database
    await database.dispose()


# Trouble that only one backend can have: the other backend's run of the test is not made at all.
ON_SQLITE = pytest.mark.parametrize("db", ["sqlite"], indirect=True)
ON_POSTGRESQL = pytest.mark.parametrize("db", [pytest.param("postgresql", marks=pytest.mark.postgresql)], indirect=True)


class Counted:
    """A unit of work that writes two events and counts its tries; ``trouble(session, try)`` runs
    between the two rows."""

    def __init__(self, trouble=lambda session, attempt: None) -> None:
        self.tries = 0
        self.trouble = trouble

    def __call__(self, session: Session) -> str:
        self.tries += 1
        add_event(session, "first")
        self.trouble(session, self.tries)
        add_event(session, "second")
        return "done"


async def test_a_unit_of_work_that_fails_between_its_two_rows_leaves_neither(db):
    def broken(session, attempt):
        raise RuntimeError("a bug between the two rows")

    work = Counted(broken)
    with pytest.raises(RuntimeError):
        await db.write(work)
    assert work.tries == 1, "a bug is not retried"
    assert await titles(db) == []


@ON_SQLITE
async def test_a_write_waits_out_another_process_lock_then_commits_once(quick_db):
    lock = SQLiteWriteLock(sqlite_path(quick_db))
    work = Counted()
    with on_first_retry(lock.release) as seen:
        assert await quick_db.write(work) == "done"
    assert seen.retries == 1
    assert work.tries == 1, "the first try stopped at BEGIN IMMEDIATE, before any of the work"
    assert await titles(quick_db) == ["first", "second"]


@ON_SQLITE
async def test_a_lock_held_past_the_budget_gives_the_clear_error_and_writes_nothing(quick_db, caplog):
    lock = SQLiteWriteLock(sqlite_path(quick_db))
    try:
        with pytest.raises(DatabaseUnavailable) as refused:
            await quick_db.write(add_event, SECRET)
    finally:
        lock.release()
    assert refused.value.message == (
        "Podium could not reach its database just now; nothing was saved. Please try again in a moment."
    )
    assert await titles(quick_db) == []
    retries = [r for r in caplog.records if r.name == "db.engine" and r.levelno == logging.WARNING]
    assert retries, "each retry is logged"
    assert all("locked by another connection" in r.getMessage() for r in retries)
    assert SECRET not in caplog.text


@ON_SQLITE
async def test_work_for_someone_waiting_for_an_answer_gives_up_in_time_for_it(db, caplog):
    # A click not yet answered must be within Discord's 3 s: its work gives up then, whatever
    # the database's own budget (``answer_due``, set by the Discord layer for each interaction).
    patient = Database(db.url.render_as_string(hide_password=False), retries=Retries(budget_s=60, wait_s=0.2))
    lock = SQLiteWriteLock(sqlite_path(patient))
    token = answer_due.set(lambda: 0.5)
    try:
        with pytest.raises(DatabaseUnavailable):
            await patient.write(add_event, "in time")
    finally:
        answer_due.reset(token)
        lock.release()
        await patient.dispose()
    [gave_up] = [r for r in caplog.records if "giving up" in r.getMessage()]
    assert gave_up.args[-1] == 0.5, "the answer's time left, not the database's 60 s"


@ON_SQLITE
async def test_reads_go_on_while_another_process_holds_the_write_lock(quick_db):
    await quick_db.write(add_event, "before")
    lock = SQLiteWriteLock(sqlite_path(quick_db))
    try:
        assert await titles(quick_db) == ["before"]
    finally:
        lock.release()


@ON_POSTGRESQL
async def test_connections_dropped_between_units_of_work_are_replaced(quick_db):
    await quick_db.write(add_event, "before")
    assert terminate_backends(quick_db) >= 1, "the pool held a connection"
    await quick_db.write(add_event, "after")
    assert await titles(quick_db) == ["before", "after"]


@ON_POSTGRESQL
async def test_a_read_on_a_connection_dropped_in_the_pool_is_read_again_on_a_new_one(quick_db):
    await quick_db.write(add_event, "before")
    assert await titles(quick_db) == ["before"]  # reads keep a pool of their own, in autocommit
    assert terminate_backends(quick_db) >= 2, "the pools held their connections"
    assert await titles(quick_db) == ["before"]


@ON_POSTGRESQL
async def test_a_connection_dropped_in_the_middle_of_a_unit_of_work_is_retried_and_commits_once(quick_db, caplog):
    def terminated_once(session, attempt):
        if attempt == 1:
            assert terminate_backends(quick_db, backend_pid(session)) == 1

    work = Counted(terminated_once)
    assert await quick_db.write(work) == "done"
    assert work.tries == 2
    assert await titles(quick_db) == ["first", "second"]
    assert "connection lost" in caplog.text


@ON_POSTGRESQL
async def test_a_connection_dropped_at_every_try_gives_the_clear_error_and_writes_nothing(quick_db):
    def always_terminated(session, attempt):
        terminate_backends(quick_db, backend_pid(session))

    work = Counted(always_terminated)
    with pytest.raises(DatabaseUnavailable, match="nothing was saved"):
        await quick_db.write(work)
    assert work.tries > 1
    assert await titles(quick_db) == []


@ON_POSTGRESQL
async def test_a_connection_lost_while_committing_is_not_retried_and_says_so(quick_db):
    """The commit may have happened: running the work again could do it twice."""
    work = Counted()

    def terminate_before_commit(connection: sa.Connection) -> None:
        terminate_backends(quick_db)

    sa.event.listen(sa.Engine, "commit", terminate_before_commit)
    try:
        with pytest.raises(SaveUncertain, match="cannot tell whether this was saved"):
            await quick_db.write(work)
    finally:
        sa.event.remove(sa.Engine, "commit", terminate_before_commit)
    assert work.tries == 1
    assert await titles(quick_db) == [], "the backend died before it saw COMMIT"


@ON_POSTGRESQL
async def test_the_loser_of_a_deadlock_is_run_again_and_both_commit(quick_db, caplog):
    # PostgreSQL looks for deadlocks after a second of waiting (deadlock_timeout): more budget.
    patient = Database(quick_db.url.render_as_string(hide_password=False), retries=Retries(budget_s=10))
    await patient.write(add_event, "one")
    await patient.write(add_event, "two")

    def crossing(first: int, second: int, flag: int, other_flag: int):
        tries = []

        def work(session: Session) -> None:
            tries.append(1)
            session.execute(sa.text("UPDATE event SET title = title || '+' WHERE id = :id"), {"id": first})
            if len(tries) == 1:
                # Hold the first row until the other unit of work holds its own: then each wants
                # the other's row, and PostgreSQL must pick one to fail.
                session.execute(sa.text("SELECT pg_advisory_xact_lock(:flag)"), {"flag": flag})
                held = sa.text(
                    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objid = :flag"
                    " AND pid <> pg_backend_pid())"
                )
                while not session.execute(held, {"flag": other_flag}).scalar():
                    session.execute(sa.text("SELECT pg_sleep(0.01)"))
            session.execute(sa.text("UPDATE event SET title = title || '+' WHERE id = :id"), {"id": second})

        return work, tries

    one, one_tries = crossing(1, 2, 41, 42)
    two, two_tries = crossing(2, 1, 42, 41)
    try:
        await asyncio.gather(patient.write(one), patient.write(two))
        assert sorted([len(one_tries), len(two_tries)]) == [1, 2], "one of them was run again"
        assert await titles(patient) == ["one++", "two++"], "each committed once"
    finally:
        await patient.dispose()
    assert "SQLSTATE 40P01" in caplog.text


async def test_a_database_nobody_answers_gives_the_clear_error():
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    nowhere = Database(f"postgresql+asyncpg://podium@127.0.0.1:{port}/podium", retries=QUICK)
    try:
        with pytest.raises(DatabaseUnavailable, match="nothing was saved"):
            await nowhere.write(add_event, "lost")
    finally:
        await nowhere.dispose()


# A one-statement write (Database.write_statement): it is its own commit.
INSERT_EVENT = (
    sa.insert(Event.__table__)
    .values(guild_id=GUILD_ID, title=sa.bindparam("title"), created_by=1, created_at=AT)
    .returning(Event.__table__.c.title)
)
SLOW_INSERT_EVENT = sa.insert(Event.__table__).from_select(
    ["guild_id", "title", "created_by", "created_at"],
    sa.select(
        sa.literal(GUILD_ID),
        sa.bindparam("title", type_=sa.String) + sa.cast(sa.func.pg_sleep(2), sa.String),
        sa.literal(1),
        sa.bindparam("at", type_=Event.__table__.c.created_at.type),
    ),
)


@ON_POSTGRESQL
async def test_a_statement_keeps_its_columns_constant_defaults_and_returns_named_rows(db):
    rows = await db.write_statement(INSERT_EVENT, {"title": "Town hall"}, repeatable=False)
    assert [row.title for row in rows] == ["Town hall"]
    stored = await db.read(lambda session: session.exec(select(Event)).one())
    assert (stored.title, stored.state, stored.allow_downvotes) == ("Town hall", Event().state, Event().allow_downvotes)


@ON_POSTGRESQL
async def test_a_statement_the_database_refuses_raises_sqlalchemys_error_and_saves_nothing(db):
    await db.write_statement(INSERT_EVENT, {"title": "first"}, repeatable=False)
    taken_id = sa.select(sa.func.max(Event.__table__.c.id)).scalar_subquery()
    title = sa.bindparam("title", type_=sa.String)
    duplicate = sa.insert(Event.__table__).from_select(
        ["id", "guild_id", "title", "created_by", "created_at"],
        sa.select(taken_id, sa.literal(GUILD_ID), title, sa.literal(1), sa.literal(AT)),
    )
    with pytest.raises(sa.exc.IntegrityError):
        await db.write_statement(duplicate, {"title": "again"}, repeatable=False)
    assert await titles(db) == ["first"]
    # The connection it failed on is still good for the next statement.
    await db.write_statement(INSERT_EVENT, {"title": "second"}, repeatable=False)
    assert await titles(db) == ["first", "second"]


@ON_POSTGRESQL
async def test_a_statement_whose_column_default_is_a_function_is_refused_before_sending(db):
    insert = sa.insert(GuildSettings.__table__).values(timezone="UTC")  # its lists default to new ones
    with pytest.raises(TypeError, match="give moderator_role_ids"):
        await db.write_statement(insert, {"guild_id": GUILD_ID}, repeatable=False)


@ON_POSTGRESQL
async def test_a_statement_on_a_connection_dropped_in_the_pool_is_sent_on_a_new_one_and_commits_once(quick_db):
    await quick_db.write_statement(INSERT_EVENT, {"title": "before"}, repeatable=False)
    assert terminate_backends(quick_db) >= 1
    await asyncio.sleep(0.2)  # the pooled connection hears it was terminated
    rows = await quick_db.write_statement(INSERT_EVENT, {"title": "after"}, repeatable=False)
    assert [row.title for row in rows] == ["after"]
    assert await titles(quick_db) == ["before", "after"]


@ON_POSTGRESQL
@pytest.mark.parametrize("repeatable", [False, True])
async def test_a_statement_lost_while_it_runs_is_tried_again_only_if_repeatable(quick_db, repeatable):
    patient = Database(quick_db.url.render_as_string(hide_password=False), retries=Retries(budget_s=10))
    try:
        # Warm the pool, then kill the statement's backend while it sleeps inside the statement.
        await patient.write_statement(INSERT_EVENT, {"title": "warm"}, repeatable=True)
        running = asyncio.create_task(
            patient.write_statement(SLOW_INSERT_EVENT, {"title": "slow", "at": AT}, repeatable=repeatable)
        )
        await asyncio.sleep(0.5)
        assert terminate_backends(patient) >= 1
        if repeatable:
            await running
        else:
            with pytest.raises(SaveUncertain):
                await running
    finally:
        await patient.dispose()
    # Killed mid-statement, its first try saved nothing; the repeatable one ran again.
    assert await titles(quick_db) == (["warm", "slow"] if repeatable else ["warm"])


@ON_POSTGRESQL
async def test_a_write_that_finds_every_pooled_connection_busy_gives_the_clear_error_in_time(quick_db):
    def held(session: Session) -> None:
        session.execute(sa.select(sa.func.pg_sleep(1.5)))

    holders = [asyncio.create_task(quick_db.write(held)) for _ in range(POSTGRESQL_WRITE_POOL)]
    await asyncio.sleep(0.3)
    with pytest.raises(DatabaseUnavailable, match="nothing was saved"):
        await quick_db.write(add_event, "crowded out")
    assert not any(h.done() for h in holders)  # told within its budget, not once a connection came free
    await asyncio.gather(*holders)
    assert "crowded out" not in await titles(quick_db)


@ON_POSTGRESQL
async def test_bursts_of_work_share_the_connections_the_pools_keep_and_open_no_others(db):
    def backend(session: Session) -> int:
        session.execute(sa.select(sa.func.pg_sleep(0.05)))
        return backend_pid(session)

    seen: dict[str, set[int]] = {"read": set(), "write": set()}
    for _ in range(3):  # three bursts, each of more work than either pool has connections
        reads = [db.read(backend) for _ in range(3 * POSTGRESQL_READ_POOL)]
        writes = [db.write(backend) for _ in range(3 * POSTGRESQL_WRITE_POOL)]
        seen["read"].update(await asyncio.gather(*reads))
        seen["write"].update(await asyncio.gather(*writes))
    # A connection opened for a burst and closed after it would leave a new backend each time.
    assert len(seen["read"]) <= POSTGRESQL_READ_POOL
    assert len(seen["write"]) <= POSTGRESQL_WRITE_POOL
