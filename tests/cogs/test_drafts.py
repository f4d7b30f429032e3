"""Report-grounded drafts in Discord: the report, briefs, digests, and a recap only a moderator posts."""

import re

from bot.domain.documents import Document
from bot.render import markdown
from bot.services.drafts.drafting import get_draft
from bot.services.reports.report import get_report
from tests.cogs.steps import ask, open_event, set_up_server
from tests.factories import host
from tests.harness.driver import callback, custom_ids, is_ephemeral, posted, replies, reply_text
from tests.harness.payloads import (
    HOST,
    MODERATOR,
    QA_CHANNEL_ID,
    audience,
    chat_message,
    click,
    modal_submit,
    slash,
    with_attachment,
)

REPORT = b"""# Housing for All

## 1. Rent caps

Rent caps limit yearly increases to inflation plus two percent in cities with acute shortages.

## 2. Funding

The programme is funded by a land value levy and a national housing bond of 40 billion.
"""


async def add_report(discord_bot, event_id: int) -> list:
    url = discord_bot.fake.attach("housing.md", REPORT)
    payload = with_attachment(slash(HOST, "report add", event=event_id), "file", "housing.md", url, len(REPORT))
    return await discord_bot.send(payload)


async def test_a_moderator_attaches_the_report(discord_bot):
    event_id = await open_event(discord_bot)
    sent = await add_report(discord_bot, event_id)
    assert callback(sent)["type"] == 5, "ingestion is deferred first"
    assert re.search(r"Report added to “Launch of the Housing Report”: \d+ passages", reply_text(sent))
    assert (await get_report(discord_bot.db, event_id)) is not None


async def test_members_cannot_attach_a_report(discord_bot):
    event_id = await open_event(discord_bot)
    url = discord_bot.fake.attach("x.md", REPORT)
    payload = with_attachment(slash(audience(1), "report add", event=event_id), "file", "x.md", url, len(REPORT))
    sent = await discord_bot.send(payload)
    assert "Only this server's Podium moderators" in reply_text(sent)


async def test_a_brief_cites_the_report(discord_bot):
    event_id = await open_event(discord_bot)
    await add_report(discord_bot, event_id)
    qid = await ask(discord_bot, audience(1), "How is the programme funded?")
    sent = await discord_bot.send(slash(HOST, "brief", question=qid))
    assert callback(sent)["type"] == 5
    [draft] = replies(sent)
    assert is_ephemeral(draft)
    assert draft["embeds"][0]["title"].startswith("Brief #")
    assert "§2" in draft["embeds"][0]["description"] or "p1" in draft["embeds"][0]["description"]


async def test_the_recap_is_posted_only_when_a_moderator_approves_it(discord_bot):
    await set_up_server(discord_bot)
    event_id = await open_event(discord_bot)
    await add_report(discord_bot, event_id)
    await ask(discord_bot, audience(1), "How is the programme funded? @everyone")
    await ask(discord_bot, audience(2), "Do rent caps cover student rooms?")
    await discord_bot.send(slash(HOST, "event close", event=event_id))
    sent = await discord_bot.send(slash(MODERATOR, "recap"))
    [preview] = replies(sent)
    assert preview["embeds"][0]["title"].startswith("Recap #")
    assert preview["embeds"][0]["description"].startswith("**Recap: Launch of the Housing Report**\n\n")
    draft_id = int(re.search(r"Recap #(\d+)", preview["embeds"][0]["title"]).group(1))
    assert custom_ids(preview) == [f"podium:recap:{a}:{draft_id}" for a in ("approve", "regenerate", "edit")]
    assert posted(sent, QA_CHANNEL_ID) == [], "nothing public before approval"

    buttons = {**chat_message(MODERATOR, ""), "components": preview["components"]}
    sent = await discord_bot.send(click(audience(3), buttons, f"podium:recap:approve:{draft_id}"))
    assert "Only this server's Podium moderators" in reply_text(sent)
    assert posted(sent, QA_CHANNEL_ID) == []

    sent = await discord_bot.send(click(MODERATOR, buttons, f"podium:recap:approve:{draft_id}"))
    public = posted(sent, QA_CHANNEL_ID)
    assert public, reply_text(sent)
    assert all(len(m["content"]) <= 2000 for m in public)
    assert public[-1]["uploaded"] == ["timeline.png"], "the timeline chart goes with the recap"
    assert "@everyone" not in "".join(m["content"] for m in public)
    assert f"Recap #{draft_id} approved and posted" in reply_text(sent)
    # What members read: bold headings and bullets, citations they can follow, nothing escaped.
    text = "\n".join(m["content"] for m in public)
    assert text.startswith("**Recap: Launch of the Housing Report**")
    assert "\\*" not in text
    assert "\\:" not in text
    assert "**Left open (2), and what the report says**" in text
    assert re.search(r"^- “How is the programme funded\?” #\d+", text, re.MULTILINE), "the mention is gone"
    assert "(§2, 2. Funding)" in text
    assert text.rstrip().endswith("2 questions received, 2 published, 0 answered, 0 merged, 0 withdrawn.")
    # The rehearsal's recap.md is rendered from the same document: the same Markdown, in one piece.
    approved = await get_draft(discord_bot.db, draft_id, host())
    assert "\n\n".join(m["content"] for m in public).startswith(markdown.render(Document.from_dict(approved.document)))


async def test_the_recap_can_be_edited_before_approval(discord_bot):
    await set_up_server(discord_bot)
    event_id = await open_event(discord_bot)
    await ask(discord_bot, audience(1), "How is the programme funded?")
    await discord_bot.send(slash(HOST, "event close", event=event_id))
    preview = replies(await discord_bot.send(slash(MODERATOR, "recap")))[0]
    draft_id = int(re.search(r"Recap #(\d+)", preview["embeds"][0]["title"]).group(1))
    buttons = {**chat_message(MODERATOR, ""), "components": preview["components"]}
    form = callback(await discord_bot.send(click(MODERATOR, buttons, f"podium:recap:edit:{draft_id}")))["data"]
    label = form["components"][0]["components"][0]["label"]
    assert label == "Recap (keep its #12 and (p. 4, …) citations)"
    sent = await discord_bot.send(
        modal_submit(MODERATOR, form, {label: "**Funding**\n- The audience asked how it is funded #1."})
    )
    # The moderator's Markdown stands as written: bold heading, bullet, the board's citation.
    assert "**Funding**\n- The audience asked how it is funded #1." in reply_text(sent)


async def test_the_queue_shows_how_each_question_stands_against_the_report(discord_bot):
    await set_up_server(discord_bot)
    event_id = await open_event(discord_bot)
    await add_report(discord_bot, event_id)
    await ask(discord_bot, audience(1), "How is the programme funded by the land value levy?")
    sent = await discord_bot.send(slash(MODERATOR, "mod queue"))
    page = replies(sent)[0]
    assert "📗" in page["embeds"][0]["description"]
    assert "the report covers it" in page["embeds"][0]["footer"]["text"]
