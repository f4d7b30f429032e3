"""Documents as Markdown: the rehearsal's recap.md and digest.md, a draft's text as moderators
read and edit it, and the body of a Discord message (``bot.render.discord`` adds the limits).

Only the data is quoted (markup characters escaped, mentions broken, bidirectional controls
dropped); headings are bold, bullets are bullets, and citations read as they do on the board:
``#12`` for a question, "(p. 12, Securing critical infrastructure)" for a report passage.
"""

import re

from bot.domain.documents import Block, Citation, Document, Line

# Characters that start emphasis, code, spoilers, masked links, mentions or escapes anywhere, and
# markup at a line's start. Parentheses and colons are left as they are, except a bare link's "://":
# a masked link needs "](" and a custom emoji "<", both escaped, so Podium's own "Rent: 3
# questions (+2)" shows no backslash.
_INLINE_MARKUP = re.compile(r"([\\*_`~|\[\]<>]|:(?=//))")
_LINE_START = re.compile(r"^([#>+-]|\d+\.)")
_MENTION_LIKE = re.compile(r"<(@[!&]?|#|/)")
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def inert(text: str) -> str:
    """Data fit to stand inside markup: one line, markup escaped, mentions and @everyone broken,
    bare links no longer links."""
    text = " ".join(_BIDI_CONTROLS.sub("", text).split())
    text = _MENTION_LIKE.sub(lambda m: f"<\u200b{m.group(1)}", text)
    text = re.sub(r"@(everyone|here)", "@\u200b\\1", text, flags=re.IGNORECASE)
    return _INLINE_MARKUP.sub(r"\\\1", text)


def _citations(citations: tuple[Citation, ...]) -> str:
    questions = [f"#{c.question}" for c in citations if c.question is not None]
    passages = [f"{c.where}, {inert(c.heading)}" if c.heading else c.where for c in citations if c.question is None]
    return " ".join([*questions, *(f"({p})" for p in passages)])


def _line(line: Line) -> str:
    words = inert(line.text)
    cited = _citations(line.citations)
    if cited and words[-1:] in (".", "!", "?"):
        # The citation goes inside the sentence it supports: "… rents (p. 4, Rent caps)."
        return f"{words[:-1]} {cited}{words[-1]}"
    return f"{words} {cited}".strip()


def block_text(block: Block) -> str:
    """One block as Markdown (lines joined by newlines)."""
    if block.kind == "heading":
        return f"**{inert(block.lines[0].text)}**"
    if block.kind == "paragraph":
        return _LINE_START.sub(r"\\\1", " ".join(_line(line) for line in block.lines))
    if block.kind == "bullets":
        return "\n".join(f"- {_line(line)}" for line in block.lines)
    if block.kind == "question":
        votes = f" ({block.votes:+d})" if block.votes else ""
        note = f", {inert(block.note)}" if block.note else ""
        beneath = "".join(f"\n  - {_line(line)}" for line in block.lines[1:])
        return f"- “{inert(block.lines[0].text)}” #{block.number}{votes}{note}{beneath}"
    return as_written(block.lines[0].text)


def as_written(text: str) -> str:
    """Markdown a moderator wrote (or Podium rendered): its markup stands, but it pings no one."""
    text = _MENTION_LIKE.sub(lambda m: f"<\u200b{m.group(1)}", text)
    return re.sub(r"@(everyone|here)", "@\u200b\\1", text, flags=re.IGNORECASE)


def blocks_text(document: Document) -> list[str]:
    """Each block of the document as Markdown, in order."""
    return [text for text in (block_text(block) for block in document.blocks) if text.strip()]


def render(document: Document) -> str:
    """The document as one Markdown text, blocks separated by blank lines."""
    return "\n\n".join(blocks_text(document))
