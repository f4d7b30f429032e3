"""The one place Podium's messages are shaped: Discord's limits enforced, user and model text defused.

Everything Podium sends goes through ``fit_content`` / ``fit_embed`` here and out with
``AllowedMentions.none()``. Text typed by people (questions, names) or written by a model is data:
``quote`` escapes its markdown and mentions, so it can neither ping anyone nor break out of the
quote or field it is shown in.
"""

import re

import discord

CONTENT_MAX = 2_000
EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4_096
EMBED_FIELDS_MAX = 25
EMBED_FIELD_NAME_MAX = 256
EMBED_FIELD_VALUE_MAX = 1_024
EMBED_FOOTER_MAX = 2_048
EMBED_AUTHOR_MAX = 256
EMBED_TOTAL_MAX = 6_000
CUSTOM_ID_MAX = 100
BUTTONS_PER_ROW = 5
ROWS_MAX = 5
SELECT_OPTIONS_MAX = 25
SELECT_LABEL_MAX = 100
MODAL_TITLE_MAX = 45
TEXT_INPUT_MAX = 4_000

NO_MENTIONS = discord.AllowedMentions.none()
ELLIPSIS = "…"

_MENTION_LIKE = re.compile(r"<(@[!&]?|#)(\d+)>")
# Characters Discord reads as markup anywhere in a line, and those it reads at a line's start.
_INLINE_MARKUP = re.compile(r"([\\*_`~|\[\]()<>:])")
_LINE_START_MARKUP = re.compile(r"^(\s*)([#>\-+]|\d+\.)", re.MULTILINE)
# Bidirectional embeddings, overrides and isolates: they reorder whatever follows them on the line,
# Podium's own words included. (The marks U+200E/U+200F, which right-to-left text needs, stay.)
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, with an ellipsis when something was cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS


def quote(text: str) -> str:
    """User or model text, made inert: markdown escaped, mentions broken, @everyone/@here defused,
    bidirectional controls dropped."""
    text = _BIDI_CONTROLS.sub("", text)
    text = _MENTION_LIKE.sub(lambda m: f"<{m.group(1)}\u200b{m.group(2)}>", text)
    text = _INLINE_MARKUP.sub(r"\\\1", text)
    text = _LINE_START_MARKUP.sub(r"\1\\\2", text)
    return re.sub(r"@(everyone|here)", "@\u200b\\1", text, flags=re.IGNORECASE)


def fit_content(text: str | None) -> str | None:
    return None if text is None else clip(text, CONTENT_MAX)


def fit_embed(embed: discord.Embed) -> discord.Embed:
    """Clip every part of the embed to its limit, then the description until the total fits."""
    if embed.title:
        embed.title = clip(embed.title, EMBED_TITLE_MAX)
    if embed.description:
        embed.description = clip(embed.description, EMBED_DESCRIPTION_MAX)
    if embed.author.name:
        embed.set_author(name=clip(embed.author.name, EMBED_AUTHOR_MAX), icon_url=embed.author.icon_url)
    if embed.footer.text:
        embed.set_footer(text=clip(embed.footer.text, EMBED_FOOTER_MAX), icon_url=embed.footer.icon_url)
    fields = embed.fields[:EMBED_FIELDS_MAX]
    embed.clear_fields()
    for field in fields:
        embed.add_field(
            name=clip(field.name or "\u200b", EMBED_FIELD_NAME_MAX),
            value=clip(field.value or "\u200b", EMBED_FIELD_VALUE_MAX),
            inline=field.inline,
        )
    excess = len(embed) - EMBED_TOTAL_MAX
    if excess > 0 and embed.description:
        embed.description = clip(embed.description, max(1, len(embed.description) - excess))
    while len(embed) > EMBED_TOTAL_MAX and embed.fields:
        embed.remove_field(-1)
    return embed


def check_custom_id(custom_id: str) -> str:
    """Refuse (as a bug) a custom_id Discord would reject."""
    if len(custom_id) > CUSTOM_ID_MAX:
        raise ValueError(f"custom_id of {len(custom_id)} characters: {custom_id[:40]}...")
    return custom_id


def split_content(text: str, limit: int = CONTENT_MAX) -> list[str]:
    """Text cut into messages of at most ``limit`` characters, at line ends where possible."""
    chunks: list[str] = []
    current = ""
    for line in text.splitlines():
        while len(line) > limit:
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            candidate = line
        current = candidate
    if current.strip():
        chunks.append(current)
    return [chunk for chunk in chunks if chunk.strip()]
