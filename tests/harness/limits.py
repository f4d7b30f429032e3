"""What every payload Podium sends must respect: Discord's limits, and no mention ever parsed."""

from typing import Any

from bot.discord import render
from tests.harness.fake_discord import Request


def assert_within_limits(request: Request) -> None:
    body = request.json
    if not isinstance(body, dict):
        return
    if request.path.endswith("/callback"):
        body = body.get("data") or {}
    if "content" in body or "embeds" in body:
        assert_message_safe(body)
    if "components" in body:
        assert_components_safe(body["components"], modal="title" in body)
    if "title" in body:
        assert len(body["title"]) <= render.MODAL_TITLE_MAX


def assert_message_safe(body: dict[str, Any]) -> None:
    assert body.get("allowed_mentions") == {"parse": []} or body.get("allowed_mentions", {}).get("parse") == [], body
    assert len(body.get("content") or "") <= render.CONTENT_MAX
    embeds = body.get("embeds") or []
    assert len(embeds) <= 10
    for embed in embeds:
        total = len(embed.get("title", "")) + len(embed.get("description", ""))
        assert len(embed.get("title", "")) <= render.EMBED_TITLE_MAX
        assert len(embed.get("description", "")) <= render.EMBED_DESCRIPTION_MAX
        fields = embed.get("fields", [])
        assert len(fields) <= render.EMBED_FIELDS_MAX
        for field in fields:
            assert len(field["name"]) <= render.EMBED_FIELD_NAME_MAX
            assert len(field["value"]) <= render.EMBED_FIELD_VALUE_MAX
            total += len(field["name"]) + len(field["value"])
        footer = (embed.get("footer") or {}).get("text", "")
        author = (embed.get("author") or {}).get("name", "")
        total += len(footer) + len(author)
        assert total <= render.EMBED_TOTAL_MAX


def assert_components_safe(rows: list[dict[str, Any]], *, modal: bool = False) -> None:
    assert len(rows) <= render.ROWS_MAX
    for row in rows:
        children = row.get("components") or [row.get("component")]
        assert len(children) <= render.BUTTONS_PER_ROW
        for child in children:
            if "custom_id" in child:
                assert len(child["custom_id"]) <= render.CUSTOM_ID_MAX
            assert len(child.get("options", [])) <= render.SELECT_OPTIONS_MAX
            if modal and child.get("type") == 4:
                assert child.get("max_length", 0) <= render.TEXT_INPUT_MAX
