"""A rehearsal replays its script through the bot's services, on the script's clock: what the bot
would refuse is refused with the bot's own reason, and the run goes on."""

import json
from datetime import UTC, datetime

import pytest

from bot.domain.enums import DraftWriter, EventState
from bot.rehearsal.replay import Refusal, member, moderator, person_id, rehearse
from bot.rehearsal.script import EventPlan, parse_script
from bot.render import markdown
from bot.services.records.exports import export_event, ledger_rows
from bot.services.sense.similarity import LexicalBackend, SimilarityIndex
from bot.services.sense.themes import FEWEST_QUESTIONS
from db.models import EventSettings
from tests.harness.documents import HOUSING_MD

START = datetime(2025, 6, 12, 17, 0, tzinfo=UTC)
PLAN = EventPlan("Launch of the Housing Report", "", START, None, EventSettings())

SCRIPT = [
    {
        "t": 10,
        "action": "ask",
        "user": "u1",
        "text": "Do rent caps reduce mobility for sitting tenants?",
        "ref": "caps",
    },
    {
        "t": 20,
        "action": "ask",
        "user": "u2",
        "text": "Do rent caps reduce the mobility of tenants?",
        "ref": "caps-2",
        "anonymous": True,
    },
    {"t": 30, "action": "vote", "user": "u3", "q": "caps"},
    {"t": 31, "action": "vote", "user": "u1", "q": "caps"},
    {"t": 40, "action": "ask", "user": "u4", "text": "This panel is crap", "ref": "abuse"},
    {"t": 50, "action": "reject", "moderator": "m1", "q": "abuse", "reason": "inappropriate"},
    {"t": 55, "action": "ban", "moderator": "m1", "user": "u4", "note": "abuse"},
    {"t": 60, "action": "ask", "user": "u4", "text": "Why was I banned?", "ref": "banned"},
    {"t": 65, "action": "vote", "user": "u5", "q": "banned"},
    {"t": 70, "action": "merge", "moderator": "m1", "q": "caps-2", "into": "caps"},
    {"t": 80, "action": "ask", "user": "u6", "text": "Will the city fund more bus lanes?", "ref": "buses"},
    {"t": 85, "action": "vote", "user": "u7", "q": "buses"},
    {"t": 86, "action": "unvote", "user": "u7", "q": "buses"},
    {"t": 90, "action": "live", "moderator": "m1", "q": "caps"},
    {"t": 150, "action": "answer", "moderator": "m1"},
    {"t": 160, "action": "approve", "moderator": "m1", "q": "buses"},
    {"t": 170, "action": "ask", "user": "u8", "text": "   "},
]


async def replay(db, lines, plan=PLAN):
    script = parse_script(json.dumps(line) for line in lines)
    return await rehearse(
        db,
        script,
        plan,
        report_name="housing.md",
        report=HOUSING_MD.encode(),
        similar=SimilarityIndex(LexicalBackend()),
    )


@pytest.fixture
async def rehearsed(db):
    return await replay(db, SCRIPT)


async def test_refused_lines_are_recorded_with_the_bots_reason_and_the_run_goes_on(db, rehearsed):
    export = await export_event(db, rehearsed.event_id, refs=rehearsed.refs)
    buses = next(row for row in export.questions if row.ref == "buses")
    assert rehearsed.refused == [
        Refusal(4, "You cannot vote on your own question."),
        Refusal(8, "A moderator has stopped you from asking questions in this event."),
        Refusal(9, "There is no question banned: the line that asked it was refused."),
        Refusal(16, f"Question #{buses.id} is in the queue, so it cannot be approved."),
        Refusal(17, "Your question is empty. Type the question you would like the panel to answer."),
    ]
    assert rehearsed.lines == 17
    assert rehearsed.done == {
        "ask": 4,
        "vote": 2,
        "unvote": 1,
        "reject": 1,
        "ban": 1,
        "merge": 1,
        "live": 1,
        "answer": 1,
    }


async def test_each_question_ends_as_the_services_left_it_on_the_scripts_clock(db, rehearsed):
    export = await export_event(db, rehearsed.event_id, refs=rehearsed.refs)
    rows = {row.ref: row for row in export.questions}
    assert list(rows) == ["caps", "caps-2", "abuse", "buses"]
    caps, repeat, abuse, buses = rows.values()
    assert (caps.status, caps.score, caps.created_s, caps.answered_s) == ("answered", 1, 10.0, 150.0)
    assert (repeat.status, repeat.merged_into, repeat.similar_to, repeat.author) == (
        "merged",
        "caps",
        "caps",
        "anonymous",
    )
    assert (abuse.status, abuse.author) == ("dismissed", "u4")
    assert (buses.status, buses.votes_up, buses.created_s) == ("published", 0, 80.0)
    assert [row.ref for row in export.queue] == ["buses"]
    assert export.state is EventState.CLOSED
    assert rehearsed.ends_at == START.replace(minute=2, second=50)


async def test_people_of_the_script_act_as_members_and_moderators_of_the_rehearsals_server(db, rehearsed):
    ledger = await ledger_rows(db, rehearsed.event_id, refs=rehearsed.refs)
    decisions = [(row.actor, row.action, row.question, row.reason) for row in ledger if row.actor == "m1"]
    assert decisions == [
        ("m1", "reject", "abuse", "inappropriate"),
        ("m1", "ban", None, None),
        ("m1", "merge", "caps-2", None),
        ("m1", "live", "caps", None),
        ("m1", "answer", "caps", None),
    ]
    assert person_id("u17") == person_id("u17") != person_id("m17")
    assert member("u17").manages_guild is False
    assert moderator("m1").manages_guild is True


async def test_the_digest_and_the_recap_are_drafted_and_the_recap_carries_the_ledger(db, rehearsed):
    assert rehearsed.digest.writer is DraftWriter.EXTRACTIVE
    assert rehearsed.digest.text.startswith("**Digest: Launch of the Housing Report**")
    recap = markdown.render(rehearsed.recap.document)
    assert recap.startswith("**Recap: Launch of the Housing Report**")
    # The ledger's account says why fewer questions were published than received.
    assert recap.endswith(
        "**Moderation ledger**\n\n4 questions received, 3 published, 1 answered, 1 merged, 0 withdrawn. "
        "Of the 1 question not published: 1 set aside in review. "
        "Set aside by the moderators, in review or after: 1 inappropriate."
    )
    ledger = rehearsed.recap.ledger
    assert (ledger.received, ledger.answered, ledger.merged, ledger.rejected) == (4, 1, 1, {"inappropriate": 1})


async def test_themes_are_refreshed_once_a_minute_of_event_time_not_after_every_line(db):
    asks = [
        {
            "t": 1 + n,
            "action": "ask",
            "user": f"u{n}",
            "text": f"Do rent caps reduce mobility in district {n}?",
            "ref": f"q{n}",
        }
        for n in range(FEWEST_QUESTIONS)
    ]
    votes = [{"t": 30 + n, "action": "vote", "user": f"v{n}", "q": f"q{n % 6}"} for n in range(40)]
    later = [{"t": 200, "action": "ask", "user": "u9", "text": "Will the city fund more bus lanes?"}]
    rehearsed = await replay(db, [*asks, *votes, *later])
    # Once when the first minute has passed, once at the end; the 40 votes need none.
    assert rehearsed.theme_refreshes == 2
    export = await export_event(db, rehearsed.event_id, refs=rehearsed.refs)
    assert {row.theme for row in export.questions if row.ref.startswith("q")} == {"Rent caps"}
