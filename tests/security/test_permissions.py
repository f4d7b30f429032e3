"""Every moderator action, through every entry a member can reach, refused for a member and done
for a moderator.

The entries are enumerated from the running bot, not listed by hand: every command of its tree
(subcommands included), every persistent component template it registered, and every form
(``PodiumModal``) its cogs define. Each must have a case below or be named as the audience's own;
the meta tests fail when a command, component or form is added without one. A member's attempt
must get the polite ephemeral refusal, change nothing in the database (every table compared row by
row) and post nothing publicly; the same attempt by a moderator must not be refused, and (unless
it only reads) must change something.
"""

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from discord import app_commands
from sqlmodel import SQLModel

from bot.discord import buttons
from bot.discord.errors import PodiumModal
from bot.discord.forms import PersistentForm
from tests.cogs.steps import ask, open_event, set_up_server
from tests.harness.driver import DiscordHarness, callback, replies, reply_text
from tests.harness.payloads import (
    HOST,
    MODERATOR,
    MODERATORS_CHANNEL_ID,
    QA_CHANNEL_ID,
    Person,
    audience,
    chat_message,
    click,
    modal_submit,
    slash,
    with_attachment,
)
from tests.security.inert import message_bodies

NOT_A_MODERATOR = "Only this server's Podium moderators can do that."
NOT_A_MANAGER = "Only members with the Manage Server permission can change Podium's settings."
MEMBER = audience(7)
BANNED = audience(9)
REPORT = b"# Housing\n\n## Funding\n\nThe programme is funded by a land value levy.\n"

# What the audience may do; everything else in the tree is a moderator's (or the owner's).
AUDIENCE_COMMANDS = {"ask", "my-questions", "withdraw", "notify", "Ask the panel", "event list"}
AUDIENCE_COMPONENTS = {
    buttons.VOTE,
    buttons.ASK,
    buttons.BOARD_VOTE,
    buttons.BROWSE,
    buttons.MINE,
    buttons.BROWSE_PAGE,
    buttons.BROWSE_MENU,
}

Prepare = Callable[[DiscordHarness], Awaitable[dict[str, Any]]]


async def _nothing(bot: DiscordHarness) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Form:
    """A moderator's form: the click that opens it for a moderator, and what is typed in it."""

    opener: Callable[[Person, dict[str, Any]], dict[str, Any]]
    answers: dict[str, Any]
    prepare: Prepare = _nothing


@dataclass(frozen=True)
class Case:
    """One entry: how to prepare the event so a moderator's use makes sense, and the interaction."""

    build: Callable[[Person, dict[str, Any]], dict[str, Any]]
    prepare: Prepare = _nothing
    reads_only: bool = False
    refusal: str = NOT_A_MODERATOR
    moderator: Person = MODERATOR


# --- preparations -------------------------------------------------------------------------------


async def _draft_event(bot: DiscordHarness) -> dict[str, Any]:
    sent = await bot.send(slash(HOST, "event create", title="Second event"))
    return {"event": int(re.search(r"#(\d+)", reply_text(sent)).group(1))}


async def _live(bot: DiscordHarness) -> dict[str, Any]:
    await bot.send(slash(MODERATOR, "mod next"))
    return {}


async def _banned(bot: DiscordHarness) -> dict[str, Any]:
    await bot.send(slash(MODERATOR, "mod ban", member=BANNED))
    return {}


async def _pending(bot: DiscordHarness) -> dict[str, Any]:
    await bot.send(slash(HOST, "event settings", event=1, premoderation=True))
    return {"question": await ask(bot, audience(2), "Waiting for review, please")}


async def _pinned(bot: DiscordHarness) -> dict[str, Any]:
    await bot.send(click(MODERATOR, _buttons("podium:mod:pin:1"), "podium:mod:pin:1"))
    return {}


async def _dismissed(bot: DiscordHarness) -> dict[str, Any]:
    await bot.send(_click("podium:aside:off_topic:1")(MODERATOR, {}))
    return {}


async def _second_question(bot: DiscordHarness) -> dict[str, Any]:
    return {"other": await ask(bot, audience(3), "Who builds the new homes first?")}


async def _merged(bot: DiscordHarness) -> dict[str, Any]:
    other = (await _second_question(bot))["other"]
    await bot.send(_click("podium:merge:{other}", ["1"])(MODERATOR, {"other": other}))
    return {"question": other}


async def _recap(bot: DiscordHarness) -> dict[str, Any]:
    await bot.send(slash(HOST, "event close", event=1))
    [preview] = replies(await bot.send(slash(MODERATOR, "recap")))
    return {"draft": int(re.search(r"Recap #(\d+)", preview["embeds"][0]["title"]).group(1))}


async def _closed(bot: DiscordHarness) -> dict[str, Any]:
    await bot.send(slash(HOST, "event close", event=1))
    return {}


def _buttons(custom_id: str, values: list[str] | None = None) -> dict[str, Any]:
    """A message holding one component with ``custom_id``: what a forged click is sent on."""
    if values is None:
        component = {"type": 2, "style": 2, "label": "x", "custom_id": custom_id}
    else:
        component = {"type": 3, "custom_id": custom_id, "options": [{"label": v, "value": v} for v in values]}
    return {**chat_message(HOST, ""), "components": [{"type": 1, "components": [component]}]}


def _click(custom_id: str, values: list[str] | None = None) -> Callable[[Person, dict[str, Any]], dict[str, Any]]:
    def build(person: Person, found: dict[str, Any]) -> dict[str, Any]:
        filled = custom_id.format(**({"question": 1, "draft": 0, "other": 1} | found))
        chosen = [v.format(other=found.get("other", 1)) for v in values] if values is not None else None
        return click(person, _buttons(filled, chosen), filled, values=chosen)

    return build


def _command(name: str, **options: Any) -> Callable[[Person, dict[str, Any]], dict[str, Any]]:
    def build(person: Person, found: dict[str, Any]) -> dict[str, Any]:
        given = {key: found.get(key, value) if key == "event" else value for key, value in options.items()}
        return slash(person, name, **given)

    return build


def _report_add(person: Person, found: dict[str, Any]) -> dict[str, Any]:
    url = f"http://127.0.0.1:{found['cdn']}/attachments/housing.md"
    return with_attachment(slash(person, "report add", event=1), "file", "housing.md", url, len(REPORT))


async def _cdn(bot: DiscordHarness) -> dict[str, Any]:
    bot.fake.attach("housing.md", REPORT)
    return {"cdn": bot.fake.port}


COMMANDS: dict[str, Case] = {
    "mod queue": Case(_command("mod queue"), reads_only=True),
    "mod next": Case(_command("mod next")),
    "mod answered": Case(_command("mod answered"), prepare=_live),
    "mod ban": Case(_command("mod ban", member=BANNED, reason="flooding")),
    "mod unban": Case(_command("mod unban", member=BANNED), prepare=_banned),
    "event create": Case(_command("event create", title="A new event")),
    "event schedule": Case(
        _command("event schedule", event=2, start="2030-01-01 18:00", end="2030-01-01 20:00"), prepare=_draft_event
    ),
    "event open": Case(_command("event open", event=2), prepare=_draft_event),
    "event pause": Case(_command("event pause", event=1)),
    "event close": Case(_command("event close", event=1)),
    "event archive": Case(_command("event archive", event=2), prepare=_draft_event),
    "event status": Case(_command("event status", event=1), reads_only=True),
    "event settings": Case(_command("event settings", event=1, premoderation=True)),
    "report add": Case(_report_add, prepare=_cdn),
    "brief": Case(_command("brief", question=1)),
    "digest": Case(_command("digest")),
    "recap": Case(_command("recap"), prepare=_closed),
    "present": Case(_command("present")),
    "console": Case(_command("console")),
    "podium-setup": Case(_command("podium-setup", timezone="Europe/Paris"), refusal=NOT_A_MANAGER, moderator=HOST),
}

COMPONENTS: dict[str, Case] = {
    "podium:mod:approve:{question}": Case(_click("podium:mod:approve:{question}"), prepare=_pending),
    "podium:mod:live:{question}": Case(_click("podium:mod:live:{question}")),
    "podium:mod:answer:{question}": Case(_click("podium:mod:answer:{question}")),
    "podium:mod:pin:{question}": Case(_click("podium:mod:pin:{question}")),
    "podium:mod:unpin:{question}": Case(_click("podium:mod:unpin:{question}"), prepare=_pinned),
    "podium:mod:edit:{question}": Case(_click("podium:mod:edit:{question}"), reads_only=True),
    "podium:mod:aside:{question}": Case(_click("podium:mod:aside:{question}"), reads_only=True),
    "podium:mod:restore:{question}": Case(_click("podium:mod:restore:{question}"), prepare=_dismissed),
    "podium:mod:merge:{question}": Case(_click("podium:mod:merge:{question}"), reads_only=True),
    "podium:mod:unmerge:{question}": Case(_click("podium:mod:unmerge:{question}"), prepare=_merged),
    "podium:aside:{reason}:{question}": Case(_click("podium:aside:inappropriate:{question}"), prepare=_pending),
    "podium:merge:{question}": Case(_click("podium:merge:{other}", ["1"]), prepare=_second_question),
    "podium:mergeinto:{question}:{into}": Case(_click("podium:mergeinto:{other}:1"), prepare=_second_question),
    "podium:next:{event}": Case(_click("podium:next:1")),
    "podium:pick:{event}": Case(_click("podium:pick:1", ["1"]), reads_only=True),
    "podium:queue:{event}:{order}:{page}": Case(_click("podium:queue:1:top:0"), reads_only=True),
    "podium:recap:approve:{draft}": Case(_click("podium:recap:approve:{draft}"), prepare=_recap),
    "podium:recap:regenerate:{draft}": Case(_click("podium:recap:regenerate:{draft}"), prepare=_recap),
    "podium:recap:edit:{draft}": Case(_click("podium:recap:edit:{draft}"), prepare=_recap, reads_only=True),
}


AUDIENCE_FORMS = {"AskModal", "SearchModal"}
FORMS: dict[str, Form] = {
    "EditModal": Form(_click("podium:mod:edit:{question}"), {"Question": "How will the rent cap be paid for?"}),
    "NoteModal": Form(_click("podium:aside:other:{question}"), {"Reason": "asked in the wrong event"}),
    "EditRecapModal": Form(
        _click("podium:recap:edit:{draft}"),
        {"Recap (keep its #12 and (p. 4, …) citations)": "The audience asked how the cap is funded #1."},
        prepare=_recap,
    ),
}


def walk(commands):
    for command in commands:
        if isinstance(command, app_commands.Group):
            yield from walk(command.commands)
        else:
            yield command


def component_ids(bot: DiscordHarness) -> set[str]:
    """Every custom_id a registered persistent component can answer to, as a case key: the
    template's groups turned into placeholders, moderation actions expanded one by one."""
    from bot.discord.buttons import DECISIONS

    keys = set()
    for pattern in bot.bot._connection._view_store._dynamic_items:
        if pattern.pattern in AUDIENCE_COMPONENTS:
            continue
        key = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", pattern.pattern)
        if "(?P<action>" in pattern.pattern:
            choices = (
                {d.value: d for d in DECISIONS}
                if key.startswith("podium:mod:")
                else re.search(r"<action>([^)]*)\)", pattern.pattern)[1]
            )
            names = choices if isinstance(choices, dict) else choices.split("|")
            keys |= {key.replace("{action}", name) for name in names}
        else:
            keys.add(key)
    return keys


async def test_every_moderator_command_has_a_case(discord_bot):
    names = {command.qualified_name for command in walk(discord_bot.bot.tree.get_commands())}
    assert names - AUDIENCE_COMMANDS == set(COMMANDS)


async def test_every_moderator_component_has_a_case(discord_bot):
    assert component_ids(discord_bot) == set(COMPONENTS)


def subclasses(cls: type) -> set[type]:
    return {sub for direct in cls.__subclasses__() for sub in {direct, *subclasses(direct)}}


async def test_every_moderator_form_has_a_case(discord_bot):
    forms = {form.__name__ for form in subclasses(PodiumModal) if form is not PersistentForm}
    assert forms - AUDIENCE_FORMS == set(FORMS)


# --- the checks ---------------------------------------------------------------------------------


async def snapshot(bot: DiscordHarness) -> dict[str, list]:
    """Every row of every Podium table."""

    def read(session):
        return {
            table.name: sorted(map(repr, session.execute(sa.select(table)).all()))
            for table in SQLModel.metadata.sorted_tables
        }

    return await bot.db.read(read)


def public(sent) -> list:
    return [
        body
        for request, body in zip(sent, [r.json for r in sent], strict=True)
        if request.method in ("POST", "PATCH") and request.path.startswith(f"/channels/{QA_CHANNEL_ID}/")
    ]


async def scenario(bot: DiscordHarness, case: Case | Form) -> dict[str, Any]:
    await set_up_server(bot)
    await open_event(bot)
    await ask(bot, audience(1), "How will the rent cap be funded?")
    return await case.prepare(bot)


async def check(bot: DiscordHarness, case: Case, found: dict[str, Any]) -> None:
    before = await snapshot(bot)
    sent = await bot.send(case.build(MEMBER, found))
    [answer] = replies(sent)
    assert answer["content"] == case.refusal
    assert answer["flags"] & 64, "the refusal is private"
    assert await snapshot(bot) == before, "a member's attempt changed something"
    assert public(sent) == [], "a member's attempt posted something"
    assert not [r for r in sent if r.path.startswith(f"/channels/{MODERATORS_CHANNEL_ID}/")]

    sent = await bot.send(case.build(case.moderator, found))
    shown = reply_text(sent) + str([body.get("title") for body in message_bodies(sent)])
    assert case.refusal not in shown
    assert "something went wrong" not in shown, shown
    assert replies(sent) or callback(sent)["type"] == 9, "the moderator got no answer"
    if not case.reads_only:
        assert await snapshot(bot) != before, f"the moderator's action changed nothing: {reply_text(sent)}"


@pytest.mark.parametrize("name", sorted(COMMANDS))
async def test_a_moderator_command_is_refused_for_a_member_and_done_for_a_moderator(discord_bot, name):
    case = COMMANDS[name]
    await check(discord_bot, case, await scenario(discord_bot, case))


@pytest.mark.parametrize("template", sorted(COMPONENTS))
async def test_a_forged_moderator_component_is_refused_for_a_member_and_works_for_a_moderator(discord_bot, template):
    case = COMPONENTS[template]
    await check(discord_bot, case, await scenario(discord_bot, case))


@pytest.mark.parametrize("name", sorted(FORMS))
async def test_a_moderators_form_submitted_by_a_member_is_refused_and_works_for_the_moderator(discord_bot, name):
    # discord.py finds an open form by its custom_id alone, so a member who learnt one could send
    # it: the service behind it must refuse them as it refuses a forged button.
    form = FORMS[name]
    found = await scenario(discord_bot, form)
    opened = callback(await discord_bot.send(form.opener(MODERATOR, found)))
    assert opened["type"] == 9, opened
    before = await snapshot(discord_bot)
    sent = await discord_bot.send(modal_submit(MEMBER, opened["data"], form.answers))
    [answer] = replies(sent)
    assert answer["content"] == NOT_A_MODERATOR
    assert answer["flags"] & 64
    assert await snapshot(discord_bot) == before
    assert public(sent) == []

    sent = await discord_bot.send(modal_submit(MODERATOR, opened["data"], form.answers))
    assert NOT_A_MODERATOR not in reply_text(sent)
    assert "something went wrong" not in reply_text(sent)
    assert await snapshot(discord_bot) != before
