"""Fuzzing what people type: questions (one line and the form), event titles, and report text.

For every example, every payload Podium sent stays within Discord's limits and lets no mention
be parsed (the harness checks each request), no text pings or breaks out (``inert.assert_inert``),
and where the text is shown it is shown only quoted (``inert.assert_quoted``). Text Podium refuses
gets a polite private answer and stores nothing.
"""

import itertools
import re
import unicodedata

import pytest
from hypothesis import event, example, given
from hypothesis import strategies as st
from sqlmodel import func, select

from bot.discord.embeds import PREVIEW_MAX
from bot.domain.documents import Document
from bot.render import markdown
from bot.services.drafts.drafting import get_draft
from bot.services.qa.events import list_events
from bot.services.reports.report import get_report
from db.models import Question
from tests.cogs.steps import ask, set_up_server
from tests.factories import host
from tests.harness.driver import callback, custom_ids, is_ephemeral, posted, replies, reply_text
from tests.harness.payloads import (
    GUILD_ID,
    HOST,
    MODERATOR,
    MODERATORS_CHANNEL_ID,
    QA_CHANNEL_ID,
    audience,
    click,
    modal_submit,
    slash,
    with_attachment,
)
from tests.security.inert import assert_data_quoted, assert_inert, assert_quoted
from tests.security.strategies import TEXT_MAX, hostile_text

APOLOGY = "something went wrong"
OFFER = "Has this been asked already?"
QUESTION_MAX = 4_000
TITLE_MAX = 100
# Members are numbered from here so no example's member meets another's rate limit.
_members = itertools.count(10_000)


def visible(text: str) -> int:
    """Characters a reader sees as letters, digits, symbols or punctuation: a lower bound on the
    length Podium measures, whatever it strips or joins."""
    return sum(1 for char in text if char.isprintable() and not char.isspace() and not _mark(char))


def _mark(char: str) -> bool:
    """Combining marks and format characters, which Podium may join to a letter or drop."""
    return unicodedata.category(char) in ("Mn", "Me", "Cf")


async def question_count(db) -> int:
    return await db.read(lambda session: session.exec(select(func.count()).select_from(Question)).one())


async def latest_question(db) -> Question:
    return await db.read(lambda session: session.exec(select(Question).order_by(Question.id.desc())).first())


def assert_polite_refusal(sent) -> None:
    [answer] = replies(sent)
    assert is_ephemeral(answer)
    assert answer["content"], answer
    assert APOLOGY not in answer["content"], answer
    assert posted(sent, QA_CHANNEL_ID) == []
    assert posted(sent, MODERATORS_CHANNEL_ID) == []


@pytest.fixture
async def fuzz_event(discord_bot):
    """An open event taking the longest questions Podium allows, with a moderator role set."""
    await set_up_server(discord_bot)
    sent = await discord_bot.send(slash(HOST, "event create", title="Fuzz night"))
    event_id = int(re.search(r"#(\d+)", reply_text(sent)).group(1))
    await discord_bot.send(slash(HOST, "event settings", event=event_id, max_length=QUESTION_MAX))
    await discord_bot.send(slash(HOST, "event open", event=event_id))
    return event_id


async def submit(discord_bot, event_id: int, text: str, *, form: bool) -> tuple[list, list]:
    """A new member asks ``text``, by /ask or through the form; if Podium offers similar questions
    first, they send theirs anyway, as a member who means it would. Returns every request sent,
    and those sent for the member's last step."""
    member = audience(next(_members))
    sent = []
    if form:
        sent = await discord_bot.send(slash(member, "ask", event=event_id))
        answers = {"Your question": text, "Who should the panel see?": []}
        last = await discord_bot.send(modal_submit(member, callback(sent)["data"], answers))
    else:
        last = await discord_bot.send(slash(member, "ask", text=text, event=event_id))
    sent += last
    offers = [body for body in replies(last) if body.get("embeds") and body["embeds"][0]["title"] == OFFER]
    if offers:
        event("offered similar questions first")
        # The latest such message: an earlier member may have been offered the very same questions.
        [*_, message] = [m for m in discord_bot.fake.messages.values() if m["embeds"] == offers[0]["embeds"]]
        anyway = next(c for c in custom_ids(message) if not c.startswith("podium:"))
        last = await discord_bot.send(click(member, message, anyway))
        sent += last
    return sent, last


async def check_question(discord_bot, event_id: int, text: str, *, form: bool) -> None:
    before = await question_count(discord_bot.db)
    sent, last = await submit(discord_bot, event_id, text, form=form)
    assert_inert(sent)
    if await question_count(discord_bot.db) == before:
        event(f"refused: {replies(last)[-1]['content'][:40]}")
        assert_polite_refusal(last)
        return
    event("stored")
    assert any(char.isalnum() for char in text), "a question without a letter or digit was stored"
    assert visible(text) <= QUESTION_MAX, "a question longer than the event allows was stored"
    question = await latest_question(discord_bot.db)
    assert f"Question #{question.id}" in reply_text(last)
    if question.card_message_id is not None:
        assert_quoted(discord_bot.card(question.id)["embeds"][0]["description"], question.text)
    queue = await discord_bot.send(slash(MODERATOR, "mod queue", sort="newest", event=event_id))
    assert_inert(queue)
    [line] = [
        line
        for line in replies(queue)[-1]["embeds"][0]["description"].splitlines()
        if line.startswith(f"`#{question.id}` ")
    ]
    shown = re.fullmatch(rf"`#{question.id}` ▲-?\d+ [^ ]* (.*) — \*.*", line)
    assert shown, line
    assert_quoted(shown.group(1), question.text)


@given(text=hostile_text)
@example(text="")
@example(text=" ")
@example(text="\u200b\u202e")
@example(text="x" * QUESTION_MAX)
@example(text="x" * (QUESTION_MAX + 1))
@example(text="`" * TEXT_MAX)
async def test_a_question_asked_in_one_line_is_inert_or_refused_politely(discord_bot, fuzz_event, text):
    await check_question(discord_bot, fuzz_event, text, form=False)


@given(text=hostile_text)
@example(text="")
@example(text="x" * QUESTION_MAX)
@example(text="x" * (QUESTION_MAX + 1))
async def test_a_question_sent_through_the_form_is_inert_or_refused_politely(discord_bot, fuzz_event, text):
    await check_question(discord_bot, fuzz_event, text, form=True)


REPORT = b"# Housing\n\nThe programme is funded by a land value levy and a national housing bond.\n"


async def add_report(discord_bot, event_id: int, filename: str, data: bytes) -> list:
    url = discord_bot.fake.attach(filename, data)
    return await discord_bot.send(
        with_attachment(slash(HOST, "report add", event=event_id), "file", filename, url, len(data))
    )


@given(title=hostile_text)
@example(title="")
@example(title="x" * 100)
@example(title="x" * 101)
@example(title="\u202eTrojan``` title @everyone")
async def test_an_event_title_is_inert_wherever_it_is_shown_or_refused_politely(discord_bot, title):
    before = len(await list_events(discord_bot.db, GUILD_ID))
    created = await discord_bot.send(slash(HOST, "event create", title=title))
    assert_inert(created)
    if len(await list_events(discord_bot.db, GUILD_ID)) == before:
        event(f"refused: {reply_text(created)[:40]}")
        assert_polite_refusal(created)
        assert visible(title) == 0 or len(title) > TITLE_MAX
        return
    event("stored")
    assert visible(title) <= TITLE_MAX
    [stored] = [e for e in await list_events(discord_bot.db, GUILD_ID) if f"#{e.id} " in reply_text(created)]
    shown = re.match(rf"Created #{stored.id} \*\*(.*)\*\* \(draft\)", reply_text(created), re.DOTALL)
    assert_quoted(shown.group(1), stored.title)
    # Everywhere the title is shown: the list, the opening and its panel, the ask form, a card,
    # the queue, the report, the asker's own questions; then it closes so the next one is alone.
    sent = await discord_bot.send(slash(HOST, "event list"))
    sent += await discord_bot.send(slash(HOST, "event open", event=stored.id))
    [panel] = [m for m in discord_bot.fake.messages.values() if f"podium:ask:{stored.id}" in custom_ids(m)]
    sent += await discord_bot.send(click(audience(1), panel, f"podium:ask:{stored.id}"))
    member = audience(next(_members))
    qid = await ask(discord_bot, member, "How will the rent cap be funded?", event=stored.id)
    sent += await discord_bot.send(slash(MODERATOR, "mod queue", event=stored.id))
    sent += await add_report(discord_bot, stored.id, "housing.md", REPORT)
    sent += await discord_bot.send(slash(member, "my-questions", event=stored.id))
    sent += await discord_bot.send(slash(HOST, "event close", event=stored.id))
    assert_inert(sent)
    assert APOLOGY not in str([r.json for r in sent])
    assert discord_bot.card(qid)["embeds"][0]["footer"]["text"].startswith(stored.title[:10])


@pytest.fixture
async def report_event(discord_bot, fuzz_event):
    """The fuzz event with a question to brief and a first report to replace."""
    await add_report(discord_bot, fuzz_event, "first.md", REPORT)
    qid = await ask(discord_bot, audience(1), "How is the rent cap funded by the levy?", event=fuzz_event)
    return fuzz_event, qid


@given(text=hostile_text, extension=st.sampled_from(["md", "txt"]))
@example(text="", extension="md")
@example(text="x" * TEXT_MAX, extension="txt")
async def test_report_text_is_inert_in_the_briefs_that_cite_it_or_refused_politely(
    discord_bot, report_event, text, extension
):
    event_id, qid = report_event
    before = await get_report(discord_bot.db, event_id)
    sent = await add_report(discord_bot, event_id, f"report.{extension}", text.encode())
    assert_inert(sent)
    after = await get_report(discord_bot.db, event_id)
    if after.added_at == before.added_at:
        event(f"refused: {reply_text(sent)[:40]}")
        assert_polite_refusal([r for r in sent if not r.path.endswith("/callback")] or sent)
        return
    event("stored")
    assert "Report added" in reply_text(sent)
    sent = await discord_bot.send(slash(HOST, "brief", question=qid))
    assert_inert(sent)
    [preview] = replies(sent)
    draft_id = int(re.search(r"#(\d+)", preview["embeds"][0]["title"]).group(1))
    draft = await get_draft(discord_bot.db, draft_id, host())
    shown = preview["embeds"][0]["description"]
    # The brief is its document's Markdown: Podium's headings stand bold, and every data field
    # (the question, the report's words and headings) is quoted in it, as the renderer quotes it.
    document = Document.from_dict(draft.document)
    data = [line.text for block in document.blocks for line in block.lines]
    data += [c.heading for block in document.blocks for line in block.lines for c in line.citations]
    for text in data:
        assert_data_quoted(markdown.inert(text), text)
        # A line's citations go before its closing full stop: "… this question #1."
        assert markdown.inert(text).rstrip(".!?") in shown or len(draft.text) > PREVIEW_MAX, text
