"""Gateway payloads shaped as in Discord's API documentation (Interactions; Guild Create)."""

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tests.harness.fake_discord import APPLICATION_ID, interaction_token, snowflake

GUILD_ID = 111_111_111_111_111_111
QA_CHANNEL_ID = 222_222_222_222_222_222
MODERATORS_CHANNEL_ID = 333_333_333_333_333_333
STAGE_CHANNEL_ID = 444_444_444_444_444_444
MODERATOR_ROLE_ID = 555_555_555_555_555_555

VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_GUILD = 1 << 5
MEMBER_PERMISSIONS = VIEW_CHANNEL | SEND_MESSAGES | (1 << 31)  # + USE_APPLICATION_COMMANDS

_tokens = itertools.count(1)


def stage_channels() -> set[int]:
    """The test server's Stage channels (the fake Discord refuses a Stage anywhere else)."""
    return {STAGE_CHANNEL_ID}


@dataclass(frozen=True)
class Person:
    """Someone in the test server, and what Discord says about them in an interaction."""

    user_id: int
    name: str
    roles: tuple[int, ...] = ()
    permissions: int = MEMBER_PERMISSIONS

    def user(self) -> dict[str, Any]:
        return {
            "id": str(self.user_id),
            "username": self.name.lower().replace(" ", "_"),
            "discriminator": "0",
            "global_name": self.name,
            "avatar": None,
        }

    def member(self) -> dict[str, Any]:
        return {
            "user": self.user(),
            "nick": None,
            "roles": [str(r) for r in self.roles],
            "joined_at": "2026-01-01T00:00:00+00:00",
            "deaf": False,
            "mute": False,
            "flags": 0,
            "permissions": str(self.permissions),
        }


def audience(n: int) -> Person:
    return Person(800_000_000_000_000_000 + n, f"Member {n}")


HOST = Person(900_000_000_000_000_001, "Morgan Host", permissions=MEMBER_PERMISSIONS | MANAGE_GUILD)
MODERATOR = Person(900_000_000_000_000_002, "Riley Mod", roles=(MODERATOR_ROLE_ID,))


def guild_create() -> dict[str, Any]:
    """The GUILD_CREATE a bot receives for the test server: its roles and channels."""
    role = {"color": 0, "hoist": False, "managed": False, "mentionable": False, "flags": 0, "icon": None}
    return {
        "id": str(GUILD_ID),
        "name": "Policy Institute",
        "owner_id": str(HOST.user_id),
        "icon": None,
        "features": [],
        "member_count": 3,
        "large": False,
        "unavailable": False,
        "roles": [
            {**role, "id": str(GUILD_ID), "name": "@everyone", "permissions": str(MEMBER_PERMISSIONS), "position": 0},
            {
                **role,
                "id": str(MODERATOR_ROLE_ID),
                "name": "Moderators",
                "permissions": str(MEMBER_PERMISSIONS),
                "position": 1,
            },
        ],
        "channels": [
            _channel(QA_CHANNEL_ID, "qa"),
            _channel(MODERATORS_CHANNEL_ID, "moderators"),
            {**_channel(STAGE_CHANNEL_ID, "stage"), "type": 13, "bitrate": 64000, "user_limit": 0},
        ],
        "members": [],
        "threads": [],
        "emojis": [],
        "stickers": [],
        "voice_states": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
        "joined_at": "2026-01-01T00:00:00+00:00",
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "nsfw_level": 0,
        "premium_tier": 0,
        "preferred_locale": "en-US",
        "afk_timeout": 300,
        "system_channel_flags": 0,
    }


def _channel(channel_id: int, name: str) -> dict[str, Any]:
    return {
        "id": str(channel_id),
        "type": 0,
        "name": name,
        "position": 0,
        "guild_id": str(GUILD_ID),
        "permission_overwrites": [],
        "nsfw": False,
        "parent_id": None,
        "topic": None,
    }


def _interaction(kind: int, person: Person, data: dict[str, Any], channel_id: int) -> dict[str, Any]:
    return {
        "id": str(snowflake()),
        "application_id": str(APPLICATION_ID),
        "type": kind,
        "data": data,
        "guild_id": str(GUILD_ID),
        "channel_id": str(channel_id),
        "channel": {
            "id": str(channel_id),
            "type": 0,
            "guild_id": str(GUILD_ID),
            "name": "qa",
            "permission_overwrites": [],
            "position": 0,
            "nsfw": False,
            "parent_id": None,
        },
        "member": person.member(),
        "token": interaction_token(next(_tokens)),
        "version": 1,
        "app_permissions": str((1 << 50) - 1),
        "locale": "en-US",
        "guild_locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": {"0": str(GUILD_ID)},
        "context": 0,
        "attachment_size_limit": 10 * 1024 * 1024,
    }


def _option(name: str, value: Any) -> dict[str, Any]:
    kind = {bool: 5, int: 4, str: 3, float: 10}[type(value)]
    return {"name": name, "type": kind, "value": value}


def slash(
    person: Person, command: str, channel_id: int = QA_CHANNEL_ID, *, resolved: dict | None = None, **options: Any
) -> dict[str, Any]:
    """An APPLICATION_COMMAND interaction: ``command`` may be "event open" (a subcommand)."""
    name, *sub = command.split()
    opts = [_option(k, v) for k, v in options.items() if v is not None and not isinstance(v, Person)]
    for key, value in options.items():
        if isinstance(value, Person):  # a USER option, resolved as Discord resolves it
            opts.append({"name": key, "type": 6, "value": str(value.user_id)})
            resolved = resolved or {"users": {}, "members": {}}
            resolved["users"][str(value.user_id)] = value.user()
            resolved["members"][str(value.user_id)] = {k: v for k, v in value.member().items() if k != "user"}
    if sub:
        opts = [{"name": sub[0], "type": 1, "options": opts}]
    data: dict[str, Any] = {"id": str(snowflake()), "name": name, "type": 1, "options": opts}
    if resolved:
        data["resolved"] = resolved
    return _interaction(2, person, data, channel_id)


def with_attachment(payload: dict[str, Any], option: str, filename: str, url: str, size: int) -> dict[str, Any]:
    """Add an ATTACHMENT option (type 11) to a command payload, resolved as Discord resolves it."""
    attachment_id = str(snowflake())
    options = payload["data"]["options"]
    target = options[0]["options"] if options and options[0]["type"] in (1, 2) else options
    target.append({"name": option, "type": 11, "value": attachment_id})
    payload["data"].setdefault("resolved", {})["attachments"] = {
        attachment_id: {
            "id": attachment_id,
            "filename": filename,
            "size": size,
            "url": url,
            "proxy_url": url,
            "content_type": "text/markdown",
        }
    }
    return payload


def autocomplete(person: Person, command: str, focused: str, typed: str, **options: Any) -> dict[str, Any]:
    payload = slash(person, command, **options)
    payload["type"] = 4
    opts = payload["data"]["options"]
    target = opts[0]["options"] if opts and opts[0]["type"] == 1 else opts
    target.append({"name": focused, "type": 4, "value": typed, "focused": True})
    return payload


def message_command(person: Person, name: str, message: dict[str, Any], channel_id: int = QA_CHANNEL_ID) -> dict:
    """A message context-menu command (type 3) on ``message``."""
    data = {
        "id": str(snowflake()),
        "name": name,
        "type": 3,
        "target_id": message["id"],
        "resolved": {"messages": {message["id"]: message}},
    }
    return _interaction(2, person, data, channel_id)


def chat_message(author: Person, content: str, channel_id: int = QA_CHANNEL_ID) -> dict[str, Any]:
    return {
        "id": str(snowflake()),
        "channel_id": str(channel_id),
        "author": author.user(),
        "content": content,
        "timestamp": datetime.now(UTC).isoformat(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "pinned": False,
        "type": 0,
        "flags": 0,
        "components": [],
    }


def click(person: Person, message: dict[str, Any], custom_id: str, *, values: list[str] | None = None) -> dict:
    """A MESSAGE_COMPONENT interaction: a button (or, with ``values``, a select) on ``message``."""
    data: dict[str, Any] = {"custom_id": custom_id, "component_type": 2 if values is None else 3}
    if values is not None:
        data["values"] = values
    payload = _interaction(3, person, data, int(message["channel_id"]) or QA_CHANNEL_ID)
    payload["message"] = message
    payload["token"] = interaction_token(next(_tokens), message["id"])
    return payload


def modal_submit(person: Person, modal: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    """A MODAL_SUBMIT for the modal the bot opened, answering its inputs by label text or custom_id."""
    components = []
    for row in modal["components"]:
        inner = row.get("component") or (row.get("components") or [None])[0]
        label = row.get("label") or inner.get("label")
        answer = answers.get(label, answers.get(inner["custom_id"]))
        submitted = {"type": inner["type"], "custom_id": inner["custom_id"]}
        if inner["type"] == 4:
            submitted["value"] = answer or ""
        else:
            submitted["values"] = answer or []
        components.append(
            {"type": row["type"], "component": submitted}
            if row["type"] == 18
            else {"type": 1, "components": [submitted]}
        )
    data = {"custom_id": modal["custom_id"], "components": components}
    return _interaction(5, person, data, QA_CHANNEL_ID)
