"""Documents as Discord messages: the Markdown of ``bot.render.markdown``, split between blocks
into messages within Discord's 2,000 characters (a block too long for one message is cut between
lines, then words). Sent with mentions disabled, as everything Podium sends."""

from bot.domain.documents import Document
from bot.render.markdown import blocks_text

CONTENT_MAX = 2_000


def _pieces(text: str, limit: int) -> list[str]:
    pieces: list[str] = []
    for line in text.split("\n"):
        while len(line) > limit:
            cut = line.rfind(" ", 0, limit)
            cut = cut if cut > 0 else limit
            pieces.append(line[:cut])
            line = line[cut:].lstrip()
        pieces.append(line)
    return pieces


def messages(document: Document, limit: int = CONTENT_MAX) -> list[str]:
    """The document as Discord messages of at most ``limit`` characters, cut between blocks."""
    out: list[str] = []
    current = ""
    for block in blocks_text(document):
        parts = [block] if len(block) <= limit else _pieces(block, limit)
        for part in parts:
            candidate = f"{current}\n\n{part}" if current else part
            if len(candidate) > limit:
                out.append(current)
                current = part
            else:
                current = candidate
    if current:
        out.append(current)
    return [message for message in out if message.strip()]
