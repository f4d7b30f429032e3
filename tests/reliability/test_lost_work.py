"""Work a moderator or member did is not lost to a failure or a restart.

- A recap approved while Podium may not post in the channel (Discord's 403) is posted once it may,
  by pressing Approve again, with the moderator's edits and without repeating what already went out.
- A form opened before the bot restarted and submitted after is answered as it would have been:
  the question asked, the reason recorded, the edit saved.
"""

import re

from sqlmodel import select

from bot.domain.enums import DraftStatus, QuestionStatus
from db.engine import Database
from db.models import Draft, Question
from tests.cogs.steps import ask, open_event, set_up_server
from tests.harness.driver import DiscordHarness, callback, custom_ids, posted, replies, reply_text
from tests.harness.payloads import HOST, MODERATOR, QA_CHANNEL_ID, audience, chat_message, click, modal_submit, slash

# A moderator's edit long enough to need three messages, with a marker on each line to count them.
EDITED = "\n".join(f"Edited line {n:03d}: the panel heard the audience on housing and rail." for n in range(60))


def press(person, custom_id: str) -> dict:
    """A click on a button ``custom_id`` of a message in the moderators' channel."""
    button = {"type": 2, "style": 2, "label": "x", "custom_id": custom_id}
    message = {**chat_message(person, ""), "components": [{"type": 1, "components": [button]}]}
    return click(person, message, custom_id)


async def recap_preview(bot: DiscordHarness) -> tuple[int, dict]:
    """The moderator drafts the recap; its number and the message holding its buttons."""
    [preview] = replies(await bot.send(slash(MODERATOR, "recap")))
    draft_id = int(re.search(r"Recap #(\d+)", preview["embeds"][0]["title"]).group(1))
    return draft_id, {**chat_message(MODERATOR, ""), "components": preview["components"]}


async def test_a_recap_that_could_not_be_posted_is_posted_later_with_its_edits_once(discord_bot):
    await set_up_server(discord_bot)
    event_id = await open_event(discord_bot)
    await ask(discord_bot, audience(1), "Who pays for the rail line?")
    await discord_bot.send(slash(HOST, "event close", event=event_id))
    draft_id, buttons = await recap_preview(discord_bot)
    form = callback(await discord_bot.send(click(MODERATOR, buttons, f"podium:recap:edit:{draft_id}")))["data"]
    await discord_bot.send(modal_submit(MODERATOR, form, {"text": EDITED}))

    discord_bot.fake.forbid(QA_CHANNEL_ID, after=1)  # the first message goes out, then 403
    sent = await discord_bot.send(click(MODERATOR, buttons, f"podium:recap:approve:{draft_id}"))
    assert "could not post all of it" in reply_text(sent)
    assert "press **Approve and post** again" in reply_text(sent)
    assert len(posted(sent, QA_CHANNEL_ID)) == 2, "one posted, one refused"

    discord_bot.fake.allow(QA_CHANNEL_ID)
    sent = await discord_bot.send(click(MODERATOR, buttons, f"podium:recap:approve:{draft_id}"))
    assert f"Recap #{draft_id} approved and posted" in reply_text(sent)
    recap = [m["content"] for m in discord_bot.fake.messages.values() if "Edited line" in (m.get("content") or "")]
    # As posted: made inert, so its punctuation comes escaped.
    lines = [line.replace("\\", "") for m in recap for line in m.splitlines() if line.startswith("Edited line")]
    assert lines == EDITED.splitlines(), "every line, once, in order"

    sent = await discord_bot.send(click(MODERATOR, buttons, f"podium:recap:approve:{draft_id}"))
    assert f"Recap #{draft_id} is posted already." in reply_text(sent)
    [draft] = await discord_bot.db.read(lambda s: s.exec(select(Draft).where(Draft.id == draft_id)).all())
    assert draft.status is DraftStatus.APPROVED
    assert draft.posted_at is not None


async def test_forms_opened_before_a_restart_are_answered_after_it(db):
    url = db.url.render_as_string(hide_password=False)
    async with DiscordHarness(Database(url)) as before:
        await set_up_server(before)
        event_id = await open_event(before, anonymous=True)
        [panel] = [m for m in before.fake.messages.values() if f"podium:ask:{event_id}" in custom_ids(m)]
        ask_form = callback(await before.send(click(audience(1), panel, f"podium:ask:{event_id}")))["data"]
        qid = await ask(before, audience(2), "Will the rail line reach the airport?")
        edit_form = callback(await before.send(press(MODERATOR, f"podium:mod:edit:{qid}")))
    async with DiscordHarness(Database(url)) as after:
        sent = await after.send(
            modal_submit(
                audience(1), ask_form, {"Your question": "Who pays for the rail line?", "anonymity": ["anonymous"]}
            )
        )
        assert "Thanks! Question #" in reply_text(sent), reply_text(sent)
        sent = await after.send(
            modal_submit(MODERATOR, edit_form["data"], {"text": "Will the rail line serve the airport?"})
        )
        assert reply_text(sent), "the edit is answered"
    questions = await db.read(lambda s: s.exec(select(Question).order_by(Question.id)).all())
    assert [(q.text, q.anonymous) for q in questions] == [
        ("Will the rail line serve the airport?", False),
        ("Who pays for the rail line?", True),
    ]
    assert all(q.status is QuestionStatus.PUBLISHED for q in questions)
