"""What every payload Podium sends must respect: Discord's limits, and no mention ever parsed.

Limits are those of Discord's API documentation (Message, Embed, Components, Interaction
Response). Every request that creates or edits a message (a post, an edit, an interaction's
answer, a follow-up) must carry ``allowed_mentions`` that lets nothing ping: ``parse`` empty and no
user or role named, so even a mention Podium wrote itself is shown and never notifies anyone.
"""

from typing import Any

from bot.discord import render
from tests.harness.fake_discord import Request

BUTTON_LABEL_MAX = 80
SELECT_PLACEHOLDER_MAX = 150
SELECT_OPTION_TEXT_MAX = 100
TEXT_INPUT_LABEL_MAX = 45
TEXT_INPUT_PLACEHOLDER_MAX = 100
LABEL_TEXT_MAX = 45
MODAL_COMPONENTS_MAX = 5
# Interaction callbacks that carry a message: CHANNEL_MESSAGE_WITH_SOURCE and UPDATE_MESSAGE.
_MESSAGE_CALLBACKS = (4, 7)
_MODAL_CALLBACK = 9


def assert_within_limits(request: Request) -> None:
    body = request.json
    if not isinstance(body, dict):
        return
    if request.path.endswith("/callback"):
        kind, body = body.get("type"), body.get("data") or {}
        if kind == _MODAL_CALLBACK:
            assert_modal_safe(body)
            return
        if kind not in _MESSAGE_CALLBACKS:
            return
    elif not carries_message(request):
        return
    assert_message_safe(body)


def carries_message(request: Request) -> bool:
    """Whether the request creates or edits a message (other than an interaction callback)."""
    parts = request.path.strip("/").split("/")
    if parts[0] == "webhooks":
        return request.method in ("POST", "PATCH")
    return parts[0] == "channels" and parts[2:3] == ["messages"] and request.method in ("POST", "PATCH")


def assert_message_safe(body: dict[str, Any]) -> None:
    mentions = body.get("allowed_mentions")
    assert isinstance(mentions, dict), f"no allowed_mentions: {body}"
    assert mentions.get("parse") == [], mentions
    assert not mentions.get("users"), mentions
    assert not mentions.get("roles"), mentions
    assert not mentions.get("replied_user"), mentions
    assert len(body.get("content") or "") <= render.CONTENT_MAX
    embeds = body.get("embeds") or []
    assert len(embeds) <= 10
    for embed in embeds:
        assert_embed_safe(embed)
    if body.get("components"):
        assert_components_safe(body["components"])


def assert_embed_safe(embed: dict[str, Any]) -> None:
    title, description = embed.get("title", ""), embed.get("description", "")
    footer = (embed.get("footer") or {}).get("text", "")
    author = (embed.get("author") or {}).get("name", "")
    assert len(title) <= render.EMBED_TITLE_MAX
    assert len(description) <= render.EMBED_DESCRIPTION_MAX
    assert len(footer) <= render.EMBED_FOOTER_MAX
    assert len(author) <= render.EMBED_AUTHOR_MAX
    fields = embed.get("fields", [])
    assert len(fields) <= render.EMBED_FIELDS_MAX
    total = len(title) + len(description) + len(footer) + len(author)
    for field in fields:
        assert 0 < len(field["name"]) <= render.EMBED_FIELD_NAME_MAX
        assert 0 < len(field["value"]) <= render.EMBED_FIELD_VALUE_MAX
        total += len(field["name"]) + len(field["value"])
    assert total <= render.EMBED_TOTAL_MAX


def assert_modal_safe(body: dict[str, Any]) -> None:
    assert 0 < len(body["title"]) <= render.MODAL_TITLE_MAX, body["title"]
    assert len(body["custom_id"]) <= render.CUSTOM_ID_MAX
    assert 0 < len(body["components"]) <= MODAL_COMPONENTS_MAX
    assert_components_safe(body["components"])


def assert_components_safe(rows: list[dict[str, Any]]) -> None:
    assert len(rows) <= render.ROWS_MAX
    for row in rows:
        if "label" in row:  # a Label wrapping one component (modals)
            assert len(row["label"]) <= LABEL_TEXT_MAX
        children = row.get("components") or [row.get("component")]
        assert len(children) <= render.BUTTONS_PER_ROW
        for child in children:
            assert_component_safe(child)


def assert_component_safe(child: dict[str, Any]) -> None:
    if "custom_id" in child:
        assert len(child["custom_id"]) <= render.CUSTOM_ID_MAX
    kind = child.get("type")
    if kind == 2:
        assert len(child.get("label") or "") <= BUTTON_LABEL_MAX
    if kind == 3:
        options = child.get("options", [])
        assert 0 < len(options) <= render.SELECT_OPTIONS_MAX
        assert len(child.get("placeholder") or "") <= SELECT_PLACEHOLDER_MAX
        for option in options:
            assert 0 < len(option["label"]) <= SELECT_OPTION_TEXT_MAX, option
            assert 0 < len(option["value"]) <= SELECT_OPTION_TEXT_MAX, option
            assert len(option.get("description") or "") <= SELECT_OPTION_TEXT_MAX
    if kind == 4:
        assert 0 < len(child.get("label") or "x") <= TEXT_INPUT_LABEL_MAX
        assert len(child.get("placeholder") or "") <= TEXT_INPUT_PLACEHOLDER_MAX
        assert child.get("max_length", 0) <= render.TEXT_INPUT_MAX
        assert len(child.get("value") or "") <= child.get("max_length", render.TEXT_INPUT_MAX)
