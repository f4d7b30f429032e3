"""Reading a report file into blocks of text: headings and paragraphs, with their page numbers.

PDF (pypdf), Markdown, plain text and HTML. A PDF is read line by line as its pages draw
them: running headers and footers, page numbers, contents lines and footnote markers are left
out, headings are told by their size or weight, footnotes become paragraphs of their own, and a
PDF with only an owner password (printing or editing restricted, RC4 or AES) opens as it is. A
file must be what its name says it is: a ``.pdf``
that is not a PDF, or a ``.txt`` that is binary, is refused rather than guessed at. This module
is plain CPU work; callers run it in a thread.
"""

import io
import re
from collections import Counter
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import PurePath
from typing import TYPE_CHECKING

from bot.domain.enums import ReportFormat
from bot.domain.errors import InvalidInput
from bot.services.qa.text import valid_unicode

if TYPE_CHECKING:
    from pypdf import PageObject

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
# Emphasis markers at a word's edge (``_A report_``, ``*not*``), never inside one (``snake_case``)
# or standing alone ("5 * 3"): a passage is quoted as words, and a kept "_" shows as "\_".
_MD_EMPHASIS = re.compile(r"(?<![\w*_])[*_]+(?=\S)|(?<=\S)[*_]+(?![\w*_])")
_BLANK_LINES = re.compile(r"\n\s*\n")
_FOOTNOTE_MARK = re.compile(r"\s*\d{1,3}(?:[,–-]\d{1,3})*\s*")
_CONTENTS_LINE = re.compile(r"(?:\.\s?){4,}\s*[\divxlc]+\s*$", re.IGNORECASE)
_PAGE_NUMBER = re.compile(r"(?:page\s+)?(?:\d{1,4}|[ivxlc]{1,6})(?:\s+of\s+\d{1,4})?", re.IGNORECASE)


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
    # pypdf (about 20 MB resident) is imported when a PDF is read, not by every bot at start.
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        # An owner password only restricts printing or editing; the empty user password opens it.
        if reader.is_encrypted and not reader.decrypt(""):
            raise InvalidInput(f"{filename} needs a password to open. Upload a copy without one.")
        if len(reader.pages) > MAX_PAGES:
            raise InvalidInput(f"{filename} has {len(reader.pages)} pages; Podium reads reports of up to {MAX_PAGES}.")
        pages = [_page_lines(page) for page in reader.pages]
    except (FileNotDecryptedError, DependencyError, NotImplementedError):
        raise InvalidInput(
            f"{filename} is encrypted in a way Podium cannot open. Upload a copy without a password."
        ) from None
    except (PdfReadError, ValueError, KeyError, TypeError):
        raise InvalidInput(f"{filename} could not be read as a PDF; it may be damaged.") from None
    return pdf_blocks(pages), len(pages)


@dataclass(frozen=True, slots=True)
class PdfLine:
    """One line of a PDF page as drawn: its text, baseline height, font size and boldness."""

    text: str
    y: float  # from the page's foot, as a fraction of its height
    size: float
    page_height: float
    bold: bool = False


def _page_lines(page: "PageObject") -> list[PdfLine]:
    """A page's lines in the order its content draws them (column by column, as laid out),
    with footnote markers (digits set small beside a word) left out."""
    height = float(page.mediabox.height) or 792.0
    fragments: list[tuple[str, float, float, float, bool]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: dict | None, size: float) -> None:
        if not text.strip("\n"):
            if text and fragments:
                fragments.append((text.replace("\n", " "), *fragments[-1][1:]))
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        scale = abs(tm[3] * cm[3]) or 1.0
        bold = "bold" in str((font or {}).get("/BaseFont", "")).lower()
        fragments.append((text.replace("\n", " "), x, y, size * scale, bold))

    page.extract_text(visitor_text=visit)
    lines: list[list[tuple[str, float, float, float, bool]]] = []
    for fragment in fragments:
        text, _, y, size, _ = fragment
        if lines:
            line = lines[-1]
            body = max(part[3] for part in line)
            if _FOOTNOTE_MARK.fullmatch(text) and size < 0.8 * body and abs(y - line[0][2]) < body:
                continue
            if abs(y - line[0][2]) <= 0.4 * max(size, body):
                line.append(fragment)
                continue
        lines.append([fragment])
    result = []
    for line in lines:
        text = valid_unicode(" ".join("".join(part[0] for part in line).split()))
        if text:
            size = max(len(part[0].strip()) and part[3] for part in line)
            bold = all(part[4] for part in line if part[0].strip())
            result.append(PdfLine(text=text, y=line[0][2] / height, size=round(size, 1), page_height=height, bold=bold))
    return result


def _shape(text: str) -> str:
    """A line with its numbers blanked, so "Page 7" and "Page 8" count as the same running line."""
    return re.sub(r"\d+", "#", text.casefold())


def pdf_blocks(pages: list[list[PdfLine]]) -> list[Block]:
    """Headings and paragraphs from a PDF's lines: running headers, footers and page numbers
    (lines repeated page after page in the margins, or a bare number there) are left out;
    headings are lines set larger than the body, or short bold lines; a paragraph ends at a
    wider gap than the body's line spacing."""
    repeats = Counter(shape for lines in pages for shape in {_shape(line.text) for line in lines})
    running = {shape for shape, n in repeats.items() if n >= max(3, len(pages) * 0.3)}
    sizes = Counter()
    for lines in pages:
        for line in lines:
            sizes[line.size] += len(line.text)
    body = sizes.most_common(1)[0][0] if sizes else 10.0
    heading_sizes = sorted({line.size for lines in pages for line in lines if line.size >= body * 1.15}, reverse=True)
    blocks: list[Block] = []
    for number, lines in enumerate(pages, start=1):
        kept = [line for line in lines if not _is_margin_line(line, running)]
        blocks += _page_blocks(kept, number, body, heading_sizes)
    return blocks


def _page_blocks(kept: list[PdfLine], number: int, body: float, heading_sizes: list[float]) -> list[Block]:
    blocks: list[Block] = []
    paragraph: list[str] = []
    previous: PdfLine | None = None

    def flush() -> None:
        if paragraph:
            # Words hyphenated across a line end are joined again.
            blocks.extend(_plain_chunk(re.sub(r"(\w)-\n(\w)", r"\1\2", "\n".join(paragraph)), page=number))
            paragraph.clear()

    for line in kept:
        words = len(line.text.split())
        ends_sentence = previous is None or previous.text.endswith((".", ":", "?", "!")) or previous.size != line.size
        if len(line.text) < 3 and line.size > body * 1.15:
            # A drop cap: the large first letter of the paragraph that follows.
            paragraph.append(line.text)
            previous = None
            continue
        if line.size in heading_sizes[:3] and words <= 20:
            flush()
            level = heading_sizes.index(line.size) + 1
            last = blocks[-1] if blocks else None
            if (
                last is not None
                and last.level == level
                and last.page == number
                and previous is not None
                and previous.size == line.size
            ):
                # A heading set over several lines is one heading.
                blocks[-1] = Block(text=f"{last.text} {line.text}", level=level, page=number)
            else:
                blocks.append(Block(text=line.text, level=level, page=number))
        elif line.bold and words <= 14 and not line.text.endswith((".", ",", ";")) and ends_sentence:
            flush()
            own = NUMBERED_HEADING.match(line.text)
            blocks.append(Block(text=line.text, level=own.group(1).count(".") + 1 if own else 2, page=number))
        else:
            gap = previous.y - line.y if previous else 0.0
            small = line.size < body * 0.9 <= (previous.size if previous else 0)
            if previous is not None and (gap > 1.9 * line.size / line.page_height or gap < 0 or small):
                flush()
            # A drop cap is joined to the rest of its word.
            if paragraph and len(paragraph[-1]) < 3 and not previous:
                paragraph[-1] += line.text
            else:
                paragraph.append(line.text)
        previous = line
    flush()
    return blocks


def _is_margin_line(line: PdfLine, running: set[str]) -> bool:
    """A running header or footer, a page number, or a contents line (its dot leaders and page):
    navigation, not the report's text."""
    in_margin = line.y > 0.9 or line.y < 0.1
    return (
        _shape(line.text) in running
        or (in_margin and bool(_PAGE_NUMBER.fullmatch(line.text)))
        or bool(_CONTENTS_LINE.search(line.text))
    )


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
            joined = _MD_EMPHASIS.sub("", _MD_NOISE.sub("", _MD_LINK.sub(r"\1 (\2)", " ".join(paragraph))))
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
