"""Structured documents: what services and drafts return instead of text in a markup.

A document is headings, paragraphs, bullets and quoted questions, whose words are data (a
question as typed, a line a model wrote, a report's heading) and whose citations are references
a reader can follow: a question as ``#12`` as on the board, a passage by its page or section and
its heading. Nothing here knows Markdown, Discord or its limits: ``bot.render`` turns a document
into each medium, quoting the data and adding the markup.
"""

from dataclasses import asdict, dataclass, field
from typing import Any, Literal


@dataclass(frozen=True, slots=True)
class Citation:
    """A question (``question`` is its number) or a report passage (``where``: "p. 12" or
    "§3.2", with its ``heading``)."""

    question: int | None = None
    where: str = ""
    heading: str = ""


@dataclass(frozen=True, slots=True)
class Line:
    """Words (data) followed by the citations they rest on."""

    text: str
    citations: tuple[Citation, ...] = ()


@dataclass(frozen=True, slots=True)
class Block:
    """One block of a document.

    - ``heading``: ``lines[0].text`` is the heading;
    - ``paragraph``: its lines run on as sentences;
    - ``bullets``: one bullet per line;
    - ``question``: a question quoted as asked (``lines[0]``), with its number, votes and a note
      (when it was answered), and lines about it beneath (``lines[1:]``);
    - ``markup``: text a moderator wrote in Markdown, kept as they wrote it (mentions still made inert).
    """

    kind: Literal["heading", "paragraph", "bullets", "question", "markup"]
    lines: tuple[Line, ...] = ()
    number: int | None = None
    votes: int = 0
    note: str = ""


@dataclass(frozen=True, slots=True)
class Document:
    blocks: tuple[Block, ...] = field(default_factory=tuple)

    def __add__(self, other: "Document") -> "Document":
        return Document(self.blocks + other.blocks)

    def as_dict(self) -> dict[str, Any]:
        """The document as JSON-ready data, to store with a draft."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Document":
        """A document stored with ``as_dict``."""
        return cls(
            tuple(
                Block(
                    kind=block["kind"],
                    lines=tuple(
                        Line(line["text"], tuple(Citation(**c) for c in line["citations"])) for line in block["lines"]
                    ),
                    number=block["number"],
                    votes=block["votes"],
                    note=block["note"],
                )
                for block in data.get("blocks", [])
            )
        )


def heading(text: str) -> Block:
    return Block("heading", (Line(text),))


def paragraph(*lines: Line) -> Block:
    return Block("paragraph", tuple(lines))


def bullets(lines: list[Line]) -> Block:
    return Block("bullets", tuple(lines))


def question(number: int, text: str, *, votes: int = 0, note: str = "", beneath: tuple[Line, ...] = ()) -> Block:
    """A question quoted as asked; ``beneath`` are lines about it (what the report says of it)."""
    return Block("question", (Line(text), *beneath), number=number, votes=votes, note=note)


def markup(text: str) -> Block:
    return Block("markup", (Line(text),))
