"""What "user text is inert" means, checked on the payloads Podium sent.

Discord renders markdown and mentions in a message's content, an embed's description and its
field values (the *markdown surfaces*); titles, footers, author lines, labels and modal titles are
shown as plain text. A character is *escaped* when an odd number of backslashes precede it. Then:

1. Nothing can ping: every message-carrying request has ``allowed_mentions`` with nothing parsed
   (``tests/harness/limits.py``, on every request the harness sees); and no markdown surface holds
   an unescaped ``@everyone``/``@here`` or a mention (``<@id>``, ``<@!id>``, ``<@&id>``, ``<#id>``)
   of anyone but the test server's own channels, role and members, which Podium names itself.
2. Nothing breaks out: no markdown surface holds an unescaped code fence or double backtick, a
   masked link ``](``, a bare ``http(s)://`` link, a spoiler ``||`` or strikethrough ``~~``, or a
   line that starts with an unescaped blockquote ``>``, heading ``#`` or subtext ``-#``: Podium's
   own templates use none of these, so any one of them came from the user's text. No surface at
   all holds a bidirectional embedding, override or isolate control (U+202A..U+202E,
   U+2066..U+2069), which would reorder Podium's own words after the user's.
3. Where the user's text is shown, it is shown only quoted (``assert_quoted``): every character
   markdown reads (``\\*_`~|[]()<>:`` anywhere, ``# > - +`` and ``1.`` at a line's start) is
   escaped, and unescaping gives back the text as stored (or its start, when it was clipped),
   less any bidirectional controls, which quoting drops.
"""

import re
from collections.abc import Iterable
from typing import Any

from tests.harness.payloads import GUILD_ID, MODERATOR_ROLE_ID, MODERATORS_CHANNEL_ID, QA_CHANNEL_ID

ELLIPSIS = "…"
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_EVERYONE = re.compile(r"@(everyone|here)", re.IGNORECASE)
_MENTION = re.compile(r"<(@[!&]?|#)(\d+)>")
_BREAKOUTS = {
    "code fence or double backtick": re.compile(r"``"),
    "masked link": re.compile(r"\]\("),
    "bare link": re.compile(r"https?://", re.IGNORECASE),
    "spoiler": re.compile(r"\|\|"),
    "strikethrough": re.compile(r"~~"),
    "blockquote, heading or subtext line": re.compile(r"^[ \t]*(>{1,3} |#{1,3} |-# )", re.MULTILINE),
}
_INLINE_MARKUP = set("*_`~|[]()<>:")
_LINE_START_MARKUP = re.compile(r"^\s*([#>\-+]|\d+\.)", re.MULTILINE)
# Podium marks a defused mention with a zero-width space; stored text never holds one (it is
# dropped when a question is normalised), so unescaping may drop them all.
_DEFUSER = "\u200b"


def ours(mention_id: int) -> bool:
    """Whether Podium may name this id itself: the test server, its channels, role, and members."""
    return mention_id in {GUILD_ID, QA_CHANNEL_ID, MODERATORS_CHANNEL_ID, MODERATOR_ROLE_ID} or (
        800_000_000_000_000_000 <= mention_id < 1_000_000_000_000_000_000
    )


def live(text: str) -> str:
    """The text as markdown reads it: each escape (a backslash and the character after it) blanked
    out, so a pattern found in the result is one Discord would act on."""
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            out.append("\x00")
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def unescape(text: str) -> str:
    """What a reader sees: the escapes removed, the zero-width defusers dropped."""
    return re.sub(r"\\(.)", r"\1", text, flags=re.DOTALL).replace(_DEFUSER, "")


def markdown_surfaces(body: dict[str, Any]) -> list[str]:
    surfaces = [body.get("content") or ""]
    for embed in body.get("embeds") or []:
        surfaces.append(embed.get("description", ""))
        surfaces += [field["value"] for field in embed.get("fields", [])]
    return surfaces


def plain_surfaces(body: dict[str, Any]) -> list[str]:
    surfaces = [body.get("title") or ""]  # a modal's title
    for embed in body.get("embeds") or []:
        surfaces.append(embed.get("title", ""))
        surfaces.append((embed.get("footer") or {}).get("text", ""))
        surfaces.append((embed.get("author") or {}).get("name", ""))
        surfaces += [field["name"] for field in embed.get("fields", [])]
    surfaces += [str(text) for text in _component_texts(body.get("components") or [])]
    return surfaces


def _component_texts(components: Iterable[dict[str, Any]]) -> Iterable[Any]:
    for component in components:
        yield from (component.get(key) or "" for key in ("label", "placeholder", "value"))
        yield from (option.get("label", "") for option in component.get("options", []))
        inner = component.get("components") or ([component["component"]] if "component" in component else [])
        yield from _component_texts(inner)


def breakouts(body: dict[str, Any]) -> list[str]:
    """Everything in one message body that breaks the rules above, described; empty when inert."""
    found = []
    for surface in markdown_surfaces(body):
        reading = live(surface)
        if _EVERYONE.search(reading):
            found.append(f"live @everyone/@here in {surface!r}")
        found += [
            f"live mention {m.group(0)} in {surface!r}" for m in _MENTION.finditer(reading) if not ours(int(m[2]))
        ]
        found += [f"{name} in {surface!r}" for name, pattern in _BREAKOUTS.items() if pattern.search(reading)]
    for surface in markdown_surfaces(body) + plain_surfaces(body):
        if BIDI_CONTROLS.search(surface):
            found.append(f"bidirectional control in {surface!r}")
    return found


def message_bodies(sent: Iterable[Any]) -> list[dict[str, Any]]:
    """Every message (or modal) body among the recorded requests: posts, edits, answers, follow-ups."""
    bodies = []
    for request in sent:
        body = request.json
        if not isinstance(body, dict):
            continue
        if request.path.endswith("/callback"):
            if body.get("type") in (4, 7, 9):
                bodies.append(body.get("data") or {})
        elif request.method in ("POST", "PATCH") and request.path.split("/")[1] in ("channels", "webhooks"):
            bodies.append(body)
    return bodies


def assert_inert(sent: Iterable[Any]) -> None:
    """No message Podium sent for these requests lets user text ping or break out (rules 1 and 2)."""
    found = [problem for body in message_bodies(sent) for problem in breakouts(body)]
    assert not found, "\n".join(found)


def assert_data_quoted(rendered: str, stored: str) -> None:
    """``rendered`` is ``stored`` as a document's renderer quotes a data field (rule 3 for one line):
    every character markdown reads escaped, except parentheses and a colon outside "://" (Discord
    reads a parenthesis only after a masked link's ``]``, a colon only in a bare link or in a
    custom emoji, which needs ``<``: all escaped); unescaping gives back the text as stored, its
    whitespace run into single spaces and bidirectional controls dropped."""
    reading = live(rendered)
    assert not ((_INLINE_MARKUP - set(":()")) & set(reading)), f"unescaped markup in {rendered!r}"
    assert "://" not in reading, f"a live link in {rendered!r}"
    assert not _LINE_START_MARKUP.match(reading), f"unescaped line-start markup in {rendered!r}"
    assert unescape(rendered) == " ".join(BIDI_CONTROLS.sub("", stored).split()), (rendered, stored)


def assert_quoted(rendered: str, stored: str) -> None:
    """``rendered`` shows ``stored`` only quoted (rule 3): all its markup escaped, nothing lost but
    a clipped tail."""
    reading = live(rendered)
    assert not (_INLINE_MARKUP & set(reading)), f"unescaped markup in {rendered!r}"
    assert not _LINE_START_MARKUP.search(reading), f"unescaped line-start markup in {rendered!r}"
    shown, stored = unescape(rendered), BIDI_CONTROLS.sub("", stored)
    if shown.endswith(ELLIPSIS) and shown != stored:
        shown = shown[: -len(ELLIPSIS)].rstrip("\\")
        assert stored.startswith(shown.rstrip()), (shown, stored)
    else:
        assert shown == stored, (shown, stored)
