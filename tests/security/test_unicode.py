"""Text that is not valid Unicode: a lone UTF-16 surrogate, which a JSON string can carry as an
escape (``"\\ud800"``). Native code (MurmurHash in the similar-question check, database drivers)
cannot take one; one question carrying it once crashed the whole process. Every door repairs it
before any rule or native code sees the text: the gateway's interactions, a rehearsal script,
a report's text.
"""

import json
import subprocess
import sys
from dataclasses import replace

from sqlmodel import select

from bot.services.qa.text import valid_unicode
from db.models import Event, Question
from tests.cli.test_rehearse_command import EXAMPLES, podium
from tests.cogs.steps import ask, open_event, set_up_server
from tests.harness.payloads import HOST, QA_CHANNEL_ID, audience, slash

LONE = "\ud800"
PAIR = "\ud83d\ude00"  # 😀 written as two escapes, as JSON spells characters beyond the BMP


def from_the_wire(payload: dict) -> dict:
    """The payload as the gateway decodes it from JSON text (where a surrogate is an escape)."""
    wire = json.dumps(payload)
    assert "\\ud800" in wire
    return json.loads(wire)


def test_a_lone_surrogate_is_dropped_and_a_pair_becomes_its_character():
    assert valid_unicode(f"Who{LONE} pays?") == "Who pays?"
    assert valid_unicode(f"Great {PAIR}") == "Great 😀"
    assert valid_unicode("\udfff\ud800") == ""
    assert valid_unicode("ordinary text, ünïcödé") == "ordinary text, ünïcödé"


async def test_a_question_with_a_lone_surrogate_is_stored_repaired_and_the_bot_serves_on(discord_bot):
    await set_up_server(discord_bot)
    await open_event(discord_bot)
    sent = await discord_bot.send(from_the_wire(slash(audience(1), "ask", text=f"Who{LONE} pays for the{LONE} rail?")))
    assert any(r.path.endswith("/callback") for r in sent)
    # The similar-question check hashes the new text against this one: it must not crash either.
    await ask(discord_bot, audience(2), "Who pays for the rail line?")
    texts = await discord_bot.db.read(lambda s: s.exec(select(Question.text).order_by(Question.id)).all())
    assert texts == ["Who pays for the rail?", "Who pays for the rail line?"]
    posted = [
        r.json for r in discord_bot.fake.requests if r.method == "POST" and f"/channels/{QA_CHANNEL_ID}/" in r.path
    ]
    assert all(LONE not in json.dumps(body, ensure_ascii=False) for body in posted if body)


async def test_a_members_name_and_an_events_title_with_lone_surrogates_are_stored_repaired(discord_bot):
    await set_up_server(discord_bot)
    sent = await discord_bot.send(from_the_wire(slash(HOST, "event create", title=f"Housing{LONE} Report")))
    assert any(r.path.endswith("/callback") for r in sent)
    titles = await discord_bot.db.read(lambda s: s.exec(select(Event.title)).all())
    assert titles == ["Housing Report"]
    await discord_bot.send(slash(HOST, "event open", event=1))
    member = replace(audience(3), name=f"Sam{LONE} Lee")
    await discord_bot.send(from_the_wire(slash(member, "ask", text="Is the report funded?")))
    names = await discord_bot.db.read(lambda s: s.exec(select(Question.author_name)).all())
    assert names == ["Sam Lee"]


def test_the_similar_question_vectors_never_hand_native_code_a_lone_surrogate():
    # In a child process: before the fix this killed the interpreter with a segmentation fault.
    code = (
        "from bot.services.sense.text_vectors import hashed_counts, words\n"
        "print(hashed_counts(['alpha\\ud800beta gamma'], words, features=64).sum())\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert float(result.stdout) == 3.0  # alpha, beta, gamma


def test_a_rehearsal_line_with_a_lone_surrogate_rehearses(tmp_path):
    script = tmp_path / "script.jsonl"
    script.write_text(
        '{"t": 0, "action": "ask", "user": "u1", "text": "Who pays\\ud800 for it?", "ref": "q1"}\n'
        '{"t": 1, "action": "ask", "user": "u2", "text": "Who pays for it all?"}\n'
        '{"t": 2, "action": "vote", "user": "u3", "q": "q1"}\n'
    )
    result = podium("rehearse", script, "--report", EXAMPLES / "report.md", "--out", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    questions = (tmp_path / "out" / "questions.csv").read_text(encoding="utf-8")
    assert "Who pays for it?" in questions
