"""What every payload Podium sends must respect: Discord's limits, and no mention ever parsed.

Limits are those of Discord's API documentation (Message, Embed, Components, Interaction
Response). Every request that creates or edits a message (a post, an edit, an interaction's
answer, a follow-up) must carry ``allowed_mentions`` that lets nothing ping: ``parse`` empty and no
user or role named, so even a mention Podium wrote itself is shown and never notifies anyone.
"""

from typing import TYPE_CHECKING, Any

from bot.discord import render

if TYPE_CHECKING:
    from tests.harness.fake_discord import Request

BUTTON_LABEL_MAX = 80
SELECT_PLACEHOLDER_MAX = 150
SELECT_OPTION_TEXT_MAX = 100
TEXT_INPUT_LABEL_MAX = 45
TEXT_INPUT_PLACEHOLDER_MAX = 100
LABEL_TEXT_MAX = 45
MODAL_COMPONENTS_MAX = 5
# Layout components ("Components V2"): Discord's components reference and openapi.json.
IS_COMPONENTS_V2 = 1 << 15
LAYOUT_COMPONENTS_MAX = 40  # in all, nested ones counted
TEXT_DISPLAY_MAX = 4_000  # one text display; and (as discord.py's LayoutView documents) all of them
ACTION_ROW, BUTTON, SECTION, TEXT_DISPLAY, THUMBNAIL, SEPARATOR, CONTAINER = 1, 2, 9, 10, 11, 14, 17
_LAYOUT_ONLY = {SECTION, TEXT_DISPLAY, THUMBNAIL, 12, 13, SEPARATOR, CONTAINER}
_TOP_LEVEL = {ACTION_ROW, SECTION, TEXT_DISPLAY, 12, 13, SEPARATOR, CONTAINER}
_IN_CONTAINER = {ACTION_ROW, SECTION, TEXT_DISPLAY, 12, 13, SEPARATOR}
# Interaction callbacks that carry a message: CHANNEL_MESSAGE_WITH_SOURCE and UPDATE_MESSAGE.
_MESSAGE_CALLBACKS = (4, 7)
_MODAL_CALLBACK = 9


def assert_within_limits(request: "Request") -> None:
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


def carries_message(request: "Request") -> bool:
    """Whether the request creates or edits a message (other than an interaction callback)."""
    parts = request.path.strip("/").split("/")
    if parts[0] == "webhooks":
        return request.method in ("POST", "PATCH")
    return parts[0] == "channels" and parts[2:3] == ["messages"] and request.method in ("POST", "PATCH")


def layout_problems(body: dict[str, Any], *, creates: bool, was_layout: bool = False) -> list[str]:
    """What Discord would refuse in a message body that uses layout components (or that drops
    their flag from a message that had it); empty when it would take it. ``creates``: a new
    message (it must say IS_COMPONENTS_V2 itself); else an edit of one (``was_layout``: it has the flag)."""
    components = body.get("components") or []
    flags = body.get("flags")
    flagged = bool((flags or 0) & IS_COMPONENTS_V2) or (not creates and was_layout and flags is None)
    if not creates and was_layout and flags is not None and not flagged:
        return ["IS_COMPONENTS_V2 cannot be removed from a message"]
    if not flagged:
        if any(c.get("type") in _LAYOUT_ONLY for c in components):
            return ["layout components without the IS_COMPONENTS_V2 flag"]
        return []
    problems = []
    if body.get("content") or body.get("embeds"):
        problems.append("content or embeds beside IS_COMPONENTS_V2")
    if not len(components) > 0:
        problems.append("a layout message without components")
    everything: list[dict[str, Any]] = []

    def walk(component: dict[str, Any], allowed: set[int], where: str) -> None:
        everything.append(component)
        kind = component.get("type")
        if kind not in allowed:
            problems.append(f"component type {kind} is not allowed in {where}")
        children = component.get("components") or []
        if kind == CONTAINER:
            if not 0 < len(children) <= LAYOUT_COMPONENTS_MAX:
                problems.append(f"a container with {len(children)} components")
            for child in children:
                walk(child, _IN_CONTAINER, "a container")
        elif kind == SECTION:
            if not 0 < len(children) <= 3:
                problems.append(f"a section with {len(children)} text displays")
            for child in children:
                walk(child, {TEXT_DISPLAY}, "a section")
            accessory = component.get("accessory")
            if accessory is None:
                problems.append("a section without its accessory")
            else:
                walk(accessory, {BUTTON, THUMBNAIL}, "a section's accessory")
        elif kind == ACTION_ROW:
            if not 0 < len(children) <= render.BUTTONS_PER_ROW:
                problems.append(f"an action row with {len(children)} components")
            for child in children:
                walk(child, {BUTTON, 3, 5, 6, 7, 8}, "an action row")
        elif kind == TEXT_DISPLAY and not 0 < len(component.get("content") or "") <= TEXT_DISPLAY_MAX:
            problems.append(f"a text display of {len(component.get('content') or '')} characters")

    for component in components:
        walk(component, _TOP_LEVEL, "a message")
    if len(everything) > LAYOUT_COMPONENTS_MAX:
        problems.append(f"{len(everything)} components, more than {LAYOUT_COMPONENTS_MAX}")
    text = sum(len(c.get("content") or "") for c in everything if c.get("type") == TEXT_DISPLAY)
    if text > TEXT_DISPLAY_MAX:
        problems.append(f"{text} characters of text displays, more than {TEXT_DISPLAY_MAX}")
    ids = [c["custom_id"] for c in everything if "custom_id" in c]
    if len(ids) != len(set(ids)):
        problems.append("two components with the same custom_id")
    # A component's own id (0 or none: Discord numbers it) is unique in the message, and an int32.
    numbered = [c["id"] for c in everything if c.get("id")]
    if len(numbered) != len(set(numbered)):
        problems.append("two components with the same id")
    if any(not isinstance(n, int) or not 0 < n < 2**31 for n in numbered):
        problems.append("a component id that is not a positive 32-bit integer")
    for component in everything:
        if component.get("type") in (BUTTON, 3):
            assert_component_safe(component)
    return problems


def every_component(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every component of ``components``, nested ones and accessories included, in the order drawn."""
    found: list[dict[str, Any]] = []

    def walk(component: dict[str, Any]) -> None:
        found.append(component)
        for child in component.get("components") or []:
            walk(child)
        if component.get("accessory"):
            walk(component["accessory"])

    for component in components:
        walk(component)
    return found


def numbered(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The components as Discord stores a layout message's: each without an id (or with 0) given
    the next one in order, skipping those the message already uses."""
    used = {component["id"] for component in every_component(components) if component.get("id")}
    counter = iter(n for n in range(1, 2**31) if n not in used)

    def number(component: dict[str, Any]) -> dict[str, Any]:
        given = {**component, "id": component.get("id") or next(counter)}
        if "components" in component:
            given["components"] = [number(child) for child in component["components"]]
        if component.get("accessory"):
            given["accessory"] = number(component["accessory"])
        return given

    return [number(component) for component in components]


def is_layout(body: dict[str, Any]) -> bool:
    """Whether a message body draws with layout components."""
    flags = body.get("flags") or 0
    return bool(flags & IS_COMPONENTS_V2) or any(c.get("type") in _LAYOUT_ONLY for c in body.get("components") or [])


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
    if is_layout(body):
        # An edit (or an update) of a layout message need not repeat its flag.
        problems = layout_problems(body, creates=False, was_layout=True)
        assert not problems, problems
    elif body.get("components"):
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
