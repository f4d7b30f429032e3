"""Checking every line a draft holds before a moderator sees it.

A line must cite at least one id that was in the writer's input (``[Q12]``, ``[p12]``,
``[§3.2]``). Citations of ids that were not in the input are removed, and the line is dropped if
none is left. A line carrying a mention (``@everyone``, ``@here``, ``<@123>``, ``<@&123>``,
``<#123>``) or a link that is not in the report is dropped whole: such a line is what a prompt
injection looks like, and repairing it would keep the rest of the attacker's sentence. Every
removal is recorded, for the moderator and the audit.

Citations are not enough: a model can cite real ids for cover and still invent. So every claim
a line makes (a number or percentage, a date, a proper name, a quotation) must appear in the
questions and passages that line cites, or among the figures the code computed for the draft
(counts, theme names, the event's title). A line with a claim found in neither is held back
from the draft and recorded with what was unsupported, for the moderator to read, never posted.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace

from pydantic import BaseModel

from bot.llm.outputs import OutputT
from bot.llm.spotlight import MARK

LINE_MAX = 600
_ID = r"Q\d+|p\d+(?:[a-z]|-\d+)?|§\d+(?:\.\d+)*(?:[a-z]|-\d+)?"
_CITATION_GROUP = re.compile(rf"\[\s*((?:{_ID})(?:\s*[,;]\s*(?:{_ID}))*)\s*\]")
_ID_RE = re.compile(_ID)
MENTION = re.compile(r"@everyone|@here|<@[!&]?\d+>|<#\d+>|</[\w -]+:\d+>", re.IGNORECASE)
LINK = re.compile(r"(?:https?://|www\.)[^\s<>()\[\]]+|discord(?:app)?\.(?:gg|com/invite)/\S+", re.IGNORECASE)


_QUOTATION = re.compile(r"“([^”]{2,})”|\"([^\"]{2,})\"")
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*(?:\s?%|\s(?:per\s?cent|percent)\b)?")
_WORD = re.compile(r"[^\W\d_][\w’'&.-]*")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;…]\s+|[(“\"—–-]\s*)$")
# Words written with a capital in ordinary English prose, wherever they fall in a sentence.
_ORDINARY_CAPITALS = frozenset({"i", "q&a", "ok"})


@dataclass(frozen=True, slots=True)
class Sources:
    """What a draft may cite and link to, and what its claims may rest on: the ids in its input
    with their words (a question's text, a passage's heading and text), the report's own links,
    and the figures the code computed (counts, theme names, the title), which any line may state."""

    ids: frozenset[str]
    urls: frozenset[str] = frozenset()
    texts: Mapping[str, str] = field(default_factory=dict, hash=False)
    figures: frozenset[str] = frozenset()

    def only(self, ids: Iterable[str]) -> "Sources":
        """These sources, narrowed to the ids a writer was actually given."""
        kept = frozenset(ids) & self.ids
        return replace(self, ids=kept, texts={i: t for i, t in self.texts.items() if i in kept})


@dataclass(frozen=True, slots=True)
class Dropped:
    section: str
    line: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


# The reason given for a line kept once its invented citations were removed; every other reason
# held the line back.
REPAIRED = "removed citations of "


def held_back(dropped: Iterable[dict[str, str]]) -> list[dict[str, str]]:
    """The recorded changes (``Dropped.as_dict``) that held a line back, not those that repaired one."""
    return [d for d in dropped if not d["reason"].startswith(REPAIRED)]


def cited_ids(text: str) -> list[str]:
    """Every id cited in ``text``, in order, repeats included."""
    return [ident for group in _CITATION_GROUP.finditer(text) for ident in _ID_RE.findall(group.group(1))]


def without_citations(text: str) -> str:
    """``text`` with its bracketed citations taken out, and no space left before punctuation."""
    words = " ".join(_CITATION_GROUP.sub(" ", text).split())
    return re.sub(r"\s+([.,;:!?])", r"\1", words)


def links_in(text: str) -> set[str]:
    """The links in ``text``, without trailing punctuation."""
    return {match.rstrip(".,;:!?'\"") for match in LINK.findall(text)}


def _words(text: str) -> str:
    """The text as lowercase words between single spaces, for finding one text inside another."""
    return " " + " ".join(re.findall(r"[^\W_]+", text.casefold())) + " "


def _number(token: str) -> str:
    digits = re.sub(r"(?<=\d),(?=\d{3})", "", token.split()[0].rstrip("%"))
    percent = "%" in token or "cent" in token.casefold()
    return digits + ("%" if percent else "")


def claims(line: str) -> list[str]:
    """What a line states that needs a source: quotations, numbers (percentages and dates
    included) and proper names (capitalised words that do not start a sentence)."""
    text = _CITATION_GROUP.sub(" ", line)
    found = [next(g for g in match.groups() if g).strip() for match in _QUOTATION.finditer(text)]
    rest = _QUOTATION.sub(" ", text)
    # Questions are cited as #12 on the board; the number is the citation, not a claim.
    rest = re.sub(r"#\d+", " ", rest)
    found += [_number(match.group()) for match in _NUMBER.finditer(rest)]
    for match in _WORD.finditer(rest):
        word = match.group().rstrip(".’'-")
        capital = word[:1].isupper() and word.casefold() not in _ORDINARY_CAPITALS
        if capital and not _SENTENCE_START.search(rest[: match.start()]):
            found.append(word)
    return list(dict.fromkeys(found))


def unsupported(line: str, cited: Iterable[str], sources: Sources) -> list[str]:
    """The claims of ``line`` that neither the sources it cites nor the code's figures hold."""
    support = " ".join([*(sources.texts.get(ident, "") for ident in cited), *sources.figures])
    words = _words(support)
    numbers = {_number(match.group()) for match in _NUMBER.finditer(support)}
    missing = []
    for claim in claims(line):
        # A bare number is held by the same number given as a percentage, not the reverse.
        number = bool(re.fullmatch(r"[\d.,]+%?", claim))
        held = (claim in numbers or f"{claim}%" in numbers) if number else _words(claim.rstrip("…")) in words
        if not held:
            missing.append(claim)
    return missing


def check_line(line: str, sources: Sources) -> tuple[str | None, str | None]:
    """The line as it may stand (or None) and why it changed (or None)."""
    line = " ".join(line.replace(MARK, " ").split())
    if not line:
        return None, None
    if len(line) > LINE_MAX:
        return None, f"longer than {LINE_MAX} characters"
    if MENTION.search(line):
        return None, "mentions someone"
    foreign = sorted(links_in(line) - sources.urls)
    if foreign:
        return None, f"links to {', '.join(foreign)}, which is not in the report"
    unknown: list[str] = []

    def keep_known(group: re.Match[str]) -> str:
        ids = _ID_RE.findall(group.group(1))
        unknown.extend(ident for ident in ids if ident not in sources.ids)
        return "".join(f"[{ident}]" for ident in dict.fromkeys(ids) if ident in sources.ids)

    repaired = " ".join(_CITATION_GROUP.sub(keep_known, line).split())
    if not cited_ids(repaired):
        reason = f"cites {', '.join(unknown)}, not in its input" if unknown else "cites nothing"
        return None, reason
    missing = unsupported(repaired, cited_ids(repaired), sources)
    if missing:
        return None, f"unsupported: {', '.join(missing)} (in none of the sources it cites)"
    return repaired, f"{REPAIRED}{', '.join(unknown)}, not in its input" if unknown else None


def check_lines(lines: Iterable[str], sources: Sources, section: str) -> tuple[list[str], list[Dropped]]:
    """The lines that may stand (repaired where they can be), and what was dropped or repaired."""
    kept: list[str] = []
    dropped: list[Dropped] = []
    for line in lines:
        checked, reason = check_line(line, sources)
        if checked is not None:
            kept.append(checked)
        if reason is not None:
            dropped.append(Dropped(section=section, line=line, reason=reason))
    return kept, dropped


def check_output(output: OutputT, sources: Sources) -> tuple[OutputT, list[Dropped]]:
    """The output with every line checked (lists of lines at any depth, such as a theme's lines),
    and what was dropped or repaired, by section."""
    dropped: list[Dropped] = []

    def walk(part: BaseModel, section: str) -> BaseModel:
        updates: dict[str, object] = {}
        for name, value in part:
            if isinstance(value, list) and all(isinstance(item, str) for item in value):
                updates[name], rejected = check_lines(value, sources, section or name)
                dropped.extend(rejected)
            elif isinstance(value, list):
                updates[name] = [walk(item, getattr(item, "theme", name)) for item in value]
        return part.model_copy(update=updates)

    return walk(output, ""), dropped  # type: ignore[return-value]


def output_lines(output: BaseModel) -> list[str]:
    """Every line an output holds, at any depth."""
    lines: list[str] = []
    for _, value in output:
        if isinstance(value, list):
            for item in value:
                lines.extend([item] if isinstance(item, str) else output_lines(item))
    return lines
