"""Exports: an event's questions as CSV, JSON or Markdown, anonymous askers named only on request."""

import csv
import io
import json

from bot.domain.enums import ReasonCode
from bot.services.qa.moderation import mark_answered, set_aside_question
from bot.services.qa.questions import submit_question
from bot.services.qa.votes import cast_vote
from bot.services.records.exports import COLUMNS, ExportFormat, export_event, list_all_events, render
from bot.services.sense.merges import merge_questions
from tests.factories import ask_questions, member


async def asked(db, event, moderator):
    caps, repeat, buses, off_topic = await ask_questions(
        db,
        event,
        [
            "Do rent caps reduce mobility?",
            "Do rent caps reduce mobility for tenants?",
            "Will the city fund | more bus lanes?",
            "Who wins the cup final?",
        ],
    )
    secret = await submit_question(db, event.id, member(9), "Who owns the empty homes?", anonymous=True)
    await cast_vote(db, buses.id, member(20))
    await cast_vote(db, secret.id, member(21))
    await cast_vote(db, secret.id, member(22))
    await merge_questions(db, repeat.id, caps.id, moderator)
    await mark_answered(db, caps.id, moderator)
    await set_aside_question(db, off_topic.id, moderator, ReasonCode.OFF_TOPIC)
    return caps, repeat, buses, off_topic, secret


async def test_csv_has_every_question_with_exactly_the_columns_and_anonymous_askers_hidden(db, event, moderator):
    caps, repeat, buses, off_topic, secret = await asked(db, event, moderator)
    rows = list(csv.DictReader(io.StringIO(render(await export_event(db, event.id), ExportFormat.CSV))))
    assert tuple(rows[0]) == COLUMNS
    assert [row["ref"] for row in rows] == [f"Q{q.id}" for q in (caps, repeat, buses, off_topic, secret)]
    assert rows[1]["merged_into"] == f"Q{caps.id}"
    assert (rows[0]["status"], rows[0]["answered_s"] != "") == ("answered", True)
    assert (rows[4]["author"], rows[4]["anonymous"], rows[4]["score"]) == ("anonymous", "true", "2")
    named = list(csv.DictReader(io.StringIO(render(await export_event(db, event.id, include_authors=True), "csv"))))
    assert named[4]["author"] == "Member 9"


async def test_refs_given_by_a_rehearsal_replace_the_ids(db, event, moderator):
    caps, repeat, *_ = await asked(db, event, moderator)
    export = await export_event(db, event.id, refs={caps.id: "caps", repeat.id: "caps-2"})
    assert [(row.ref, row.merged_into) for row in export.questions[:2]] == [("caps", None), ("caps-2", "caps")]


async def test_json_holds_the_event_its_ledger_and_its_queue(db, event, moderator):
    *_, buses, _, secret = await asked(db, event, moderator)
    document = json.loads(render(await export_event(db, event.id), ExportFormat.JSON))
    assert document["event"]["title"] == "Launch of the Housing Report"
    assert document["queue"] == [f"Q{secret.id}", f"Q{buses.id}"]
    assert document["ledger"]["rejected"] == {"off_topic": 1}
    assert document["ledger"]["text"] == (
        "**Moderation ledger**\n\n5 questions received, 5 published, 1 answered, 1 merged, 0 withdrawn. "
        "Set aside by the moderators, in review or after: 1 off topic."
    )
    assert [question["author"] for question in document["questions"]][-1] == "anonymous"


async def test_markdown_shows_the_queue_then_what_was_answered_then_the_rest(db, event, moderator):
    caps, repeat, _, _, secret = await asked(db, event, moderator)
    text = render(await export_event(db, event.id), ExportFormat.MD)
    assert text.startswith("# Launch of the Housing Report\n")
    queue = text.index("## Queue (2)")
    assert queue < text.index("## Answered (1)") < text.index("## Not in the queue (2)")
    assert f"| 1 | Q{secret.id} | Who owns the empty homes? | +2 |  | anonymous |" in text
    assert "Will the city fund \\| more bus lanes?" in text
    assert f"| Q{repeat.id} | Do rent caps reduce mobility for tenants? | merged into Q{caps.id} | +0 |" in text


async def test_every_event_is_listed_newest_first_with_its_questions(db, event, moderator):
    await asked(db, event, moderator)
    (listing,) = await list_all_events(db)
    assert (listing.id, listing.title, listing.state.value, listing.questions) == (event.id, event.title, "open", 5)
