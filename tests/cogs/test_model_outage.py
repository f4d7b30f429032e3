"""The language model is down while a moderator asks for a brief, a digest or a recap: it times
out, answers 429 or 500 on every try, cannot be reached, or is slower than the draft's budget.
The command is acknowledged at once, and its follow-up is the extractive draft, saying that the
model could not write it; never an error."""

import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from pydantic import SecretStr, ValidationError

from bot.services.drafts.model_writer import MAP_CONCURRENCY
from bot.services.qa.events import get_event
from bot.settings import DATABASE_RETRY_BUDGET_MAX_S, LLM_DRAFT_BUDGET_MAX_S, Settings
from tests.cogs.steps import ask, open_event
from tests.cogs.test_drafts import add_report
from tests.factories import ask_questions
from tests.harness.driver import DiscordHarness, callback, is_ephemeral, replies
from tests.harness.openai_server import MODEL, Replies, Reply, ScriptedServer
from tests.harness.payloads import HOST, audience, slash


@dataclass(frozen=True)
class Outage:
    """What the model's server answers (``None``: nothing listens), the client's settings, and the
    reason the draft gives."""

    reply: Reply | None
    settings: dict[str, float]
    reason: str


RETRIES = 1
OUTAGES = {
    "timeout": Outage(Reply(content="{}", delay=1.0), {"llm_timeout_s": 0.2}, "did not answer in time"),
    "rate-limited": Outage(Reply(status=429), {}, "answered with an error (429)"),
    "server-error": Outage(Reply(status=500), {}, "answered with an error (500)"),
    "unreachable": Outage(None, {}, "could not be reached"),
    # Each try would end in time, but the model is slower than a member is kept waiting for.
    "over-budget": Outage(
        Reply(content="{}", delay=0.5), {"llm_timeout_s": 5.0, "llm_draft_budget_s": 0.3}, "did not finish within 0.3 s"
    ),
}


@pytest.fixture(params=list(OUTAGES))
def outage(request) -> Outage:
    return OUTAGES[request.param]


@pytest.fixture
def model_server(outage) -> Iterator[ScriptedServer | None]:
    if outage.reply is None:
        yield None
        return
    with ScriptedServer(Replies(outage.reply)).running() as server:
        yield server


def _nowhere() -> str:
    with socket.socket() as probe:  # free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/v1"


@pytest.fixture
async def discord_bot(db, outage, model_server):
    """A Podium bot whose language model is down in the way ``outage`` says."""
    harness = DiscordHarness(db)
    harness.settings = harness.settings.model_copy(
        update={
            "llm_base_url": model_server.url if model_server else _nowhere(),
            "llm_api_key": SecretStr("test-key"),
            "llm_model": MODEL,
            "llm_max_retries": RETRIES,
            **outage.settings,
        }
    )
    async with harness:
        yield harness


async def _brief(bot: DiscordHarness, event_id: int) -> dict:
    question_id = await ask(bot, audience(2), "How is the programme funded?")
    return slash(HOST, "brief", question=question_id)


async def _digest(bot: DiscordHarness, event_id: int) -> dict:
    return slash(HOST, "digest", event=event_id)


async def _recap(bot: DiscordHarness, event_id: int) -> dict:
    await bot.send(slash(HOST, "event close", event=event_id))
    return slash(HOST, "recap", event=event_id)


# The database plays no part in this: SQLite alone keeps the 15 cases quick.
@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
@pytest.mark.parametrize("command", [_brief, _digest, _recap], ids=["brief", "digest", "recap"])
async def test_with_the_model_down_a_moderator_gets_the_extractive_draft(discord_bot, model_server, outage, command):
    event_id = await open_event(discord_bot)
    await add_report(discord_bot, event_id)
    await ask(discord_bot, audience(1), "Do rent caps cover student rooms?")
    sent = await discord_bot.send(await command(discord_bot, event_id))

    assert callback(sent)["type"] == 5, "acknowledged before the model was asked"
    [follow_up] = replies(sent)
    assert is_ephemeral(follow_up)
    [embed] = follow_up["embeds"]
    assert re.fullmatch(r"(Brief|Digest|Recap) #\d+ · extractive \(no model\)", embed["title"])
    assert "Assembled by Podium from the questions and the report, without a language model." in embed["description"]
    footer = embed["footer"]["text"]
    assert footer.startswith("The extractive writer drafted this because the language model could not")
    assert outage.reason in footer
    assert "went wrong" not in (follow_up.get("content") or "") + embed["description"]
    if outage.reply is not None and outage.reply.status != 200:
        assert len(model_server.requests) == RETRIES + 1, "the model was asked, and asked again"


# Discord accepts the follow-up of a deferred command for 15 minutes after the command was sent.
INTERACTION_WINDOW_S = 15 * 60


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
@pytest.mark.parametrize("command", [_brief, _digest, _recap], ids=["brief", "digest", "recap"])
async def test_no_configuration_lets_a_draft_command_outlive_its_interaction(db, command):
    """The longest a draft command can take: every unit of work it runs outside the model's budget
    (counted here: four or five; a report's passages read afresh after a restart add one) spending
    its whole retry budget and one more wait, plus the model's budget, spent to the end (the
    "over-budget" outage above shows that the budget is enforced)."""
    units = 0

    def count(connection: sa.Connection) -> None:
        nonlocal units
        units += 1

    async with DiscordHarness(db) as bot:  # no model: every unit of work is outside its budget
        event_id = await open_event(bot)
        await add_report(bot, event_id)
        payload = await command(bot, event_id)
        sa.event.listen(sa.Engine, "begin", count)
        try:
            sent = await bot.send(payload)
        finally:
            sa.event.remove(sa.Engine, "begin", count)
    assert replies(sent)[0]["embeds"][0]["title"].endswith("extractive (no model)")
    assert units > 1, "every unit of work was counted"

    def longest(settings: Settings) -> float:
        each_unit = settings.database_retries.budget_s + settings.database_retries.wait_s
        return units * each_unit + settings.llm_draft_budget_s

    defaults = Settings(_env_file=None)
    assert longest(defaults) <= 5 * 60, f"{units} units of work: {longest(defaults):.0f} s"
    utmost = Settings(
        _env_file=None, llm_draft_budget_s=LLM_DRAFT_BUDGET_MAX_S, database_retry_budget_s=DATABASE_RETRY_BUDGET_MAX_S
    )
    assert longest(utmost) < INTERACTION_WINDOW_S, f"{units} units of work: {longest(utmost):.0f} s"
    for beyond in (
        {"llm_draft_budget_s": LLM_DRAFT_BUDGET_MAX_S + 1},
        {"database_retry_budget_s": DATABASE_RETRY_BUDGET_MAX_S + 1},
    ):
        with pytest.raises(ValidationError):
            Settings(_env_file=None, **beyond)


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
async def test_once_the_model_fails_the_batches_still_waiting_are_not_sent(db):
    """A digest of a large event reads its questions in batches, a few at a time: after the first
    failure the draft falls back at once, and the model that is down is not asked for the rest."""
    with ScriptedServer(Replies(Reply(status=500))).running() as server:
        harness = DiscordHarness(db)
        # A small context: the notes prompt has room for about one question.
        harness.settings = harness.settings.model_copy(
            update={
                "llm_base_url": server.url,
                "llm_api_key": SecretStr("test-key"),
                "llm_model": MODEL,
                "llm_max_retries": 0,
                "llm_context_tokens": 2048,
                "llm_max_output_tokens": 1024,
            }
        )
        async with harness as bot:
            event_id = await open_event(bot)
            # Long questions, so that each is a batch of its own.
            texts = [f"Question {n}: " + f"how would rent caps change rents in district {n}? " * 8 for n in range(12)]
            await ask_questions(bot.db, await get_event(bot.db, event_id), texts)
            sent = await bot.send(slash(HOST, "digest", event=event_id))  # waits for every task the bot started
    assert replies(sent)[0]["embeds"][0]["title"].endswith("extractive (no model)")
    # Each batch that failed frees a turn that a waiting one may take before the draft gives up.
    assert len(server.requests) <= 2 * MAP_CONCURRENCY
