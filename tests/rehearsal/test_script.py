"""Reading a rehearsal script and an event's plan: every unreadable line is an error naming it."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.domain.enums import ProfanityPolicy, ReasonCode
from bot.rehearsal.script import ScriptError, parse_script, read_plan

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
START = datetime(2025, 6, 12, 17, 0, tzinfo=UTC)
ASK = {"t": 1, "action": "ask", "user": "u1", "text": "Do rent caps work?", "ref": "caps"}


def script(*lines: dict | str):
    return parse_script(line if isinstance(line, str) else json.dumps(line) for line in lines)


def test_a_script_reads_as_actions_in_order():
    actions = script(
        {"t": 12.5, "action": "ask", "user": "u17", "text": "Who pays?", "anonymous": True, "ref": "q1"},
        "",
        {"t": 30, "action": "vote", "user": "u4", "q": "q1", "value": 1},
        {"t": 95, "action": "dismiss", "moderator": "m1", "q": "q1", "reason": "off-topic", "note": "not today"},
        {"t": 95, "action": "answer", "moderator": "m1"},
    )
    assert [(a.number, a.t, a.action) for a in actions] == [
        (1, 12.5, "ask"),
        (3, 30.0, "vote"),
        (4, 95.0, "dismiss"),
        (5, 95.0, "answer"),
    ]
    asked, vote, dismiss, answer = actions
    assert (asked.user, asked.text, asked.anonymous, asked.ref) == ("u17", "Who pays?", True, "q1")
    assert (vote.q, vote.value) == ("q1", 1)
    assert (dismiss.moderator, dismiss.reason, dismiss.note) == ("m1", ReasonCode.OFF_TOPIC, "not today")
    assert answer.q is None


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"t": 5, "action": "vote", ', "line 2: not valid JSON"),
        ("[1, 2]", "line 2: each line must be a JSON object"),
        ({"t": 5, "action": "shout", "user": "u1"}, "line 2: unknown action 'shout'"),
        ({"t": 5, "action": "vote", "user": "u2"}, "line 2: 'vote' needs q."),
        ({"t": 5, "action": "vote", "user": "u2", "q": "caps", "valu": 1}, "line 2: 'vote' does not take valu."),
        (
            {"t": 5, "action": "vote", "user": "u2", "q": "caps", "value": 2},
            "line 2: value must be 1 (up) or -1 (down).",
        ),
        (
            {"t": 5, "action": "vote", "user": "u2", "q": "rent"},
            "line 2: no earlier line asks a question with ref 'rent'.",
        ),
        ({"t": 0.5, "action": "vote", "user": "u2", "q": "caps"}, "line 2: t is 0.5, earlier than the line before (1)"),
        ({"t": "soon", "action": "vote", "user": "u2", "q": "caps"}, "line 2: t must be a number of seconds"),
        (
            {"t": 5, "action": "ask", "user": " ", "text": "Who?", "ref": "x"},
            "line 2: user must be a non-empty string.",
        ),
        ({"t": 5, "action": "ask", "user": "u2", "text": 42, "ref": "x"}, "line 2: text must be a string."),
        ({"t": 5, "action": "ask", "user": "u2", "text": "Again?", "ref": "caps"}, "line 2: ref 'caps' is already"),
        (
            {"t": 5, "action": "reject", "moderator": "m1", "q": "caps", "reason": "boring"},
            "line 2: unknown reason 'boring'",
        ),
        ({"t": 5, "action": "merge", "moderator": "m1", "q": "caps"}, "line 2: 'merge' needs into."),
    ],
)
def test_an_unreadable_line_is_an_error_naming_it(line, message):
    with pytest.raises(ScriptError) as error:
        script(ASK, line)
    assert str(error.value).startswith(message)
    assert error.value.line == 2


def test_the_example_event_plan_reads_with_its_rules():
    plan = read_plan(EXAMPLES / "event.toml", default_start=START)
    assert plan.title == "Keeping the Network Whole: report launch and Q&A"
    assert plan.starts_at == START
    assert plan.ends_at == datetime(2025, 6, 12, 18, 0, tzinfo=UTC)
    assert "Panel: Dr Amara Lindqvist (author)" in plan.description
    assert plan.description.endswith("Moderated by Jo Okafor.")
    assert (plan.settings.rate_limit_count, plan.settings.profanity) == (3, ProfanityPolicy.REVIEW)


def test_without_a_plan_the_event_is_a_plain_rehearsal():
    plan = read_plan(None, default_start=START)
    assert (plan.title, plan.starts_at, plan.ends_at) == ("Rehearsal", START, None)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('title = "Launch"\nstarts_at = 2025-06-12T17:00:00\n', "starts_at must be a date and time with its offset"),
        ('title = "Launch"\n[rules]\nrate_limit = 3\n', "[rules] has no setting rate_limit"),
        ('title = "Launch"\n[rules]\nmax_question_length = 5\n', "[rules] max_question_length:"),
        ("starts_at = 2025-06-12T17:00:00Z\n", "the event needs a title"),
        (
            'title = "Launch"\nstarts_at = 2025-06-12T17:00:00Z\nends_at = 2025-06-12T16:00:00Z\n',
            "ends_at must come after",
        ),
    ],
)
def test_a_plan_that_cannot_be_used_says_why(tmp_path, toml, message):
    path = tmp_path / "event.toml"
    path.write_text(toml)
    with pytest.raises(ScriptError, match=message.replace("[", r"\[").replace("]", r"\]")):
        read_plan(path, default_start=START)
