"""Reading a report file into blocks of text: headings and paragraphs, with their page numbers.

PDF (pypdf), Markdown, plain text and HTML. A file must be what its name says it is: a ``.pdf``
that is not a PDF, or a ``.txt`` that is binary, is refused rather than guessed at. This module
is plain CPU work; callers run it in a thread.
"""

import io
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import PurePath

from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError

from bot.domain.enums import ReportFormat
from bot.domain.errors import InvalidInput
from bot.services.qa.text import valid_unicode

MAX_PAGES = 1_000
FORMATS = {
    ".pdf": ReportFormat.PDF,
    ".md": ReportFormat.MARKDOWN,
    ".markdown": ReportFormat.MARKDOWN,
    ".txt": ReportFormat.TEXT,
    ".text": ReportFormat.TEXT,
    ".html": ReportFormat.HTML,
    ".htm": ReportFormat.HTML,
}
NUMBERED_HEADING = re.compile(r"^(\d+(?:\.\d+)*)\.?\s+(\S.{0,110})$")
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\(([^)\s]+)[^)]*\)")
_MD_NOISE = re.compile(r"(\*\*|__|`+|^\s*>\s?|^\s*[-*+]\s+)", re.MULTILINE)
_BLANK_LINES = re.compile(r"\n\s*\n")


@dataclass(frozen=True, slots=True)
class Block:
    """A heading (``level`` 1-6) or a paragraph (``level`` 0), on a page when the format has pages."""

    text: str
    level: int = 0
    page: int | None = None


@dataclass(frozen=True, slots=True)
class ReportText:
    format: ReportFormat
    blocks: list[Block]
    pages: int | None


def report_format(filename: str) -> ReportFormat:
    """The format a file's name claims, or ``InvalidInput`` naming the formats Podium reads."""
    suffix = PurePath(filename).suffix.lower()
    if suffix not in FORMATS:
        raise InvalidInput("Podium reads reports as PDF, Markdown (.md), plain text (.txt) or HTML (.html) files.")
    return FORMATS[suffix]


def read_report(filename: str, data: bytes) -> ReportText:
    """The file's text as blocks; ``InvalidInput`` if it is empty, encrypted or not what it claims."""
    kind = report_format(filename)
    if kind is ReportFormat.PDF:
        blocks, pages = _read_pdf(filename, data)
    else:
        text = _decode(filename, data)
        blocks = {ReportFormat.MARKDOWN: _read_markdown, ReportFormat.TEXT: _read_text, ReportFormat.HTML: _read_html}[
            kind
        ](text)
        pages = None
    if not any(block.level == 0 for block in blocks):
        raise InvalidInput(f"{filename} has no text Podium can read. A scanned PDF needs text recognition (OCR) first.")
    return ReportText(format=kind, blocks=blocks, pages=pages)


def _read_pdf(filename: str, data: bytes) -> tuple[list[Block], int]:
    if not data.lstrip().startswith(b"%PDF-"):
        raise InvalidInput(f"{filename} is named like a PDF but is not one.")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise FileNotDecryptedError("needs a password")
        if len(reader.pages) > MAX_PAGES:
            raise InvalidInput(f"{filename} has {len(reader.pages)} pages; Podium reads reports of up to {MAX_PAGES}.")
        # A PDF's text maps can name lone surrogates; they are dropped like any invalid text.
        texts = [valid_unicode(page.extract_text() or "") for page in reader.pages]
    except (FileNotDecryptedError, DependencyError):
        raise InvalidInput(f"{filename} is encrypted. Upload a copy without a password.") from None
    except (PdfReadError, ValueError, KeyError, TypeError):
        raise InvalidInput(f"{filename} could not be read as a PDF; it may be damaged.") from None
    blocks: list[Block] = []
    for number, text in enumerate(texts, start=1):
        # Words hyphenated across a line end are joined again before paragraphs are found.
        text = re.sub(r"(\w)-\n(\w)", r"\1\2", text)
        for chunk in _BLANK_LINES.split(text):
            blocks.extend(_plain_chunk(chunk, page=number))
    return blocks, len(texts)


def _decode(filename: str, data: bytes) -> str:
    if data.lstrip().startswith(b"%PDF-"):
        raise InvalidInput(f"{filename} is a PDF; name it .pdf and upload it again.")
    if b"\x00" in data[:8192]:
        raise InvalidInput(f"{filename} is not a text file.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(f"{filename} is not UTF-8 text; save it as UTF-8 and upload it again.") from None


def _plain_chunk(chunk: str, *, page: int | None) -> list[Block]:
    """A run of lines between blank lines: a numbered heading on its own line, or a paragraph."""
    lines = [line.strip() for line in chunk.splitlines() if line.strip()]
    if not lines:
        return []
    first = NUMBERED_HEADING.match(lines[0])
    if first and len(lines[0].split()) <= 14 and not lines[0].endswith((".", "?", "!", ":", ";", ",")):
        heading = Block(text=lines[0], level=first.group(1).count(".") + 1, page=page)
        rest = " ".join(lines[1:])
        return [heading, Block(text=rest, page=page)] if rest else [heading]
    return [Block(text=" ".join(lines), page=page)]


def _read_text(text: str) -> list[Block]:
    return [block for chunk in _BLANK_LINES.split(text) for block in _plain_chunk(chunk, page=None)]


def _read_markdown(text: str) -> list[Block]:
    blocks: list[Block] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            joined = _MD_NOISE.sub("", _MD_LINK.sub(r"\1 (\2)", " ".join(paragraph)))
            if joined.strip():
                blocks.append(Block(text=" ".join(joined.split())))
            paragraph.clear()

    for line in text.splitlines():
        heading = _MD_HEADING.match(line)
        if heading:
            flush()
            blocks.append(Block(text=_MD_LINK.sub(r"\1", heading.group(2)), level=len(heading.group(1))))
        elif not line.strip():
            flush()
        else:
            paragraph.append(line.strip())
    flush()
    return blocks


class _HTMLBlocks(HTMLParser):
    _PARAGRAPHS = frozenset(
        {"p", "li", "blockquote", "pre", "td", "th", "dd", "dt", "figcaption", "caption", "div", "section"}
    )
    _SKIPPED = frozenset({"script", "style", "template", "noscript", "head", "nav"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.tags_seen = 0
        self._text: list[str] = []
        self._level = 0
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags_seen += 1
        if tag in self._SKIPPED:
            self._skipping += 1
        elif re.fullmatch(r"h[1-6]", tag):
            self._flush()
            self._level = int(tag[1])
        elif tag in self._PARAGRAPHS or tag == "br":
            self._flush()
        elif tag == "a":
            # The link is kept beside its text: links in the report are ones a draft may repeat.
            href = dict(attrs).get("href") or ""
            if href.startswith(("http://", "https://")):
                self._text.append(f" ({href}) ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIPPED:
            self._skipping = max(0, self._skipping - 1)
        elif re.fullmatch(r"h[1-6]", tag) or tag in self._PARAGRAPHS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self._text.append(data)

    def _flush(self) -> None:
        text = " ".join("".join(self._text).split())
        if text:
            self.blocks.append(Block(text=text, level=self._level))
        self._text.clear()
        self._level = 0

    def close(self) -> None:
        super().close()
        self._flush()


def _read_html(text: str) -> list[Block]:
    parser = _HTMLBlocks()
    parser.feed(text)
    parser.close()
    if not parser.tags_seen:
        raise InvalidInput("That file is named like an HTML page but has no HTML in it.")
    return parser.blocks
