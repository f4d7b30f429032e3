"""A member asks while the database is in trouble: another process holds SQLite's write lock
(briefly, or for longer than Podium waits), or PostgreSQL dropped Podium's connections. A brief
trouble is waited out and the question is stored once; a lasting one gets a clear answer that
nothing was saved, and nothing was."""

import pytest
from sqlmodel import func, select

from bot.domain.errors import DatabaseUnavailable
from bot.services.qa.questions import get_question
from db.engine import Database, Retries
from db.models import Question
from tests.cogs.steps import ask, open_event
from tests.harness.db_faults import SQLiteWriteLock, on_first_retry, sqlite_path, terminate_backends
from tests.harness.driver import DiscordHarness, callback, is_ephemeral, posted, replies
from tests.harness.payloads import QA_CHANNEL_ID, audience, click, slash

QUICK = Retries(budget_s=0.5, wait_s=0.1, pause_s=0.02, pause_max_s=0.1)
QUESTION = "Will the rent cap apply to student rooms?"


@pytest.fixture
async def discord_bot(db):
    """A Podium bot on the test database, retrying for half a second instead of ten."""
    async with DiscordHarness(
        Database(db.url.render_as_string(hide_password=False), retries=QUICK), question_cards=True
    ) as harness:
        yield harness


async def stored_questions(bot: DiscordHarness) -> int:
    return await bot.db.read(lambda session: session.exec(select(func.count()).select_from(Question)).one())


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
async def test_a_question_asked_while_the_database_stays_locked_gets_a_clear_answer_and_is_not_stored(
    discord_bot, caplog
):
    await open_event(discord_bot)
    lock = SQLiteWriteLock(sqlite_path(discord_bot.db))
    try:
        sent = await discord_bot.send(slash(audience(1), "ask", text=QUESTION))
    finally:
        lock.release()
    assert callback(sent)["type"] == 5, "the ask was acknowledged before the database was tried"
    [answer] = replies(sent)
    assert is_ephemeral(answer)
    assert answer["content"] == DatabaseUnavailable().message
    assert await stored_questions(discord_bot) == 0
    assert posted(sent, QA_CHANNEL_ID) == [], "no card for a question that was not stored"
    assert "locked by another connection" in caplog.text
    assert QUESTION not in caplog.text


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
async def test_a_question_asked_while_the_database_is_briefly_locked_is_stored_once(discord_bot):
    await open_event(discord_bot)
    lock = SQLiteWriteLock(sqlite_path(discord_bot.db))
    with on_first_retry(lock.release) as seen:
        question_id = await ask(discord_bot, audience(1), QUESTION)
    assert seen.retries == 1
    assert await stored_questions(discord_bot) == 1
    assert discord_bot.card(question_id)["embeds"][0]["description"].startswith("Will the rent cap")


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
async def test_a_vote_while_the_database_stays_locked_is_acknowledged_then_told_privately(db, caplog, late_clicks):
    """A late vote is acknowledged at once, so the member sees no "did not respond"; once the
    database gives up (its own budget: the acknowledgement leaves Discord's 15 minutes), the
    member is told privately that nothing was saved."""
    patient = Retries(budget_s=1.0, wait_s=0.2, pause_s=0.05, pause_max_s=0.2)
    async with DiscordHarness(
        Database(db.url.render_as_string(hide_password=False), retries=patient), question_cards=True
    ) as bot:
        await open_event(bot)
        question_id = await ask(bot, audience(1), QUESTION)
        lock = SQLiteWriteLock(sqlite_path(bot.db))
        try:
            sent = await bot.send(click(audience(2), bot.card(question_id), f"podium:vote:{question_id}:up"))
        finally:
            lock.release()
        assert (await get_question(bot.db, question_id)).votes_up == 0
    assert callback(sent)["type"] == 6, "acknowledged before the database answered"
    [told] = replies(sent)
    assert is_ephemeral(told)
    assert told["content"] == DatabaseUnavailable().message
    [gave_up] = [record for record in caplog.records if "giving up" in record.getMessage()]
    assert gave_up.args[-1] == patient.budget_s, "the database's own budget, once the click is acknowledged"


@pytest.mark.parametrize("db", [pytest.param("postgresql", marks=pytest.mark.postgresql)], indirect=True)
async def test_a_question_asked_after_postgresql_dropped_the_bots_connections_is_stored_once(discord_bot):
    await open_event(discord_bot)
    assert terminate_backends(discord_bot.db) >= 1
    question_id = await ask(discord_bot, audience(1), QUESTION)
    assert await stored_questions(discord_bot) == 1
    assert discord_bot.card(question_id)
