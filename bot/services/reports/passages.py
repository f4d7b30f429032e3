"""Splitting a report's blocks into passages of a few hundred words, each with a citation id.

Passages break at headings, at page ends (PDF), and before they grow past ``MAX_WORDS``; a
paragraph longer than that is cut between sentences. Ids say where a reader finds the passage:
``p12`` is page 12 of a PDF, ``§3.2`` the section numbered 3.2 (from the heading's own number,
or counted from the heading levels when headings are not numbered). Further passages of the
same page or section take a letter: ``p12b``, ``§3.2c``. A document without headings or pages
numbers its passages ``§1``, ``§2``, ...
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import count
from string import ascii_lowercase

from bot.services.reports.report_files import NUMBERED_HEADING, Block

MAX_WORDS = 300
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"“(])")


@dataclass(frozen=True, slots=True)
class PassageText:
    citation: str
    page: int | None
    heading: str
    text: str


class _Outline:
    """Section numbers for headings: their own number if they carry one, else counted by level."""

    def __init__(self) -> None:
        self._stack: list[list[int]] = []  # [level, number] from the outermost heading in

    def number(self, heading: Block) -> str:
        own = NUMBERED_HEADING.match(heading.text)
        if own:
            return own.group(1)
        while self._stack and self._stack[-1][0] > heading.level:
            self._stack.pop()
        if self._stack and self._stack[-1][0] == heading.level:
            self._stack[-1][1] += 1
        else:
            self._stack.append([heading.level, 1])
        return ".".join(str(number) for _, number in self._stack)


def _suffixes() -> Iterator[str]:
    """ "", "b", "c", ... "z", then "-27", "-28", ... for very long sections."""
    for n in count():
        yield "" if n == 0 else ascii_lowercase[n] if n < len(ascii_lowercase) else f"-{n + 1}"


def _pieces(paragraph: str) -> list[str]:
    """A paragraph cut between sentences (or, failing that, between words) into pieces of at most MAX_WORDS."""
    words = paragraph.split()
    if len(words) <= MAX_WORDS:
        return [paragraph]
    pieces: list[str] = []
    current: list[str] = []
    for sentence in _SENTENCE_END.split(paragraph):
        sentence_words = sentence.split()
        for start in range(0, len(sentence_words), MAX_WORDS):
            part = sentence_words[start : start + MAX_WORDS]
            if current and len(current) + len(part) > MAX_WORDS:
                pieces.append(" ".join(current))
                current = []
            current.extend(part)
    if current:
        pieces.append(" ".join(current))
    return pieces


def split_passages(blocks: list[Block]) -> list[PassageText]:
    """The report's passages, in reading order, with unique citation ids."""
    has_pages = any(block.page is not None for block in blocks)
    has_headings = any(block.level for block in blocks)
    outline = _Outline()
    section, heading = "0", ""
    groups: list[tuple[str, int | None, str, list[str]]] = []  # (base id, page, heading, paragraphs)
    words_in_group = 0
    boundary = True

    for block in blocks:
        if block.level:
            section, heading, boundary = outline.number(block), block.text[:200], True
            continue
        for piece in _pieces(block.text):
            size = len(piece.split())
            page_changed = bool(groups) and groups[-1][1] != block.page
            if boundary or page_changed or words_in_group + size > MAX_WORDS:
                base = f"p{block.page}" if has_pages else f"§{section}" if has_headings else f"§{len(groups) + 1}"
                groups.append((base, block.page, heading, []))
                words_in_group, boundary = 0, False
            groups[-1][3].append(piece)
            words_in_group += size

    suffixes: dict[str, Iterator[str]] = {}
    passages = []
    for base, page, group_heading, paragraphs in groups:
        suffix = next(suffixes.setdefault(base, _suffixes()))
        passages.append(
            PassageText(citation=base + suffix, page=page, heading=group_heading, text="\n\n".join(paragraphs))
        )
    return passages
