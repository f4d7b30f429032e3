"""The model writer: prompts over the facts, map-reduce for large events, every line validated.

A brief is one call. A digest or recap first reads every question in batches packed to fit the
context window (the map step: a few lines of notes per theme, per batch), then writes the draft
from the facts, the themes' representative questions, the notes and the report passages (the
reduce step), trimming detail until that prompt fits. 1,000 questions of a typical length take
a handful of map calls in an 8k-token context.
"""

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bot.llm.client import ModelClient
from bot.llm.outputs import BriefOutput, DigestOutput, NotesOutput, Output, RecapOutput, ThemeLines
from bot.llm.prompts import messages_for, prompt_version
from bot.llm.spotlight import MARK, block
from bot.llm.tokens import count_message_tokens, count_tokens
from bot.llm.validate import Dropped, Sources, check_output
from bot.services.drafts.facts import BriefFacts, EventFacts, PassageFact, QuestionFact, ThemeFact
from bot.services.drafts.model_calls import CallUsage, ask
from db.engine import Database

MAP_CONCURRENCY = 4
# Room kept free in every prompt: token counts for unknown models are estimates.
SAFETY_MARGIN = 0.03
# The notes read every question: those in no theme under this heading, which is no theme (the
# reduce step lists the themes without it, so no draft can name it as one).
IN_NO_THEME = "questions in no theme"


@dataclass(slots=True)
class Written:
    output: Output
    prompt_version: str
    dropped: list[Dropped] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Detail:
    """How much of the facts a reduce prompt carries; less and less until it fits."""

    themes: int
    representatives: int
    notes: int
    passages: int


DETAILS = (Detail(12, 3, 2, 8), Detail(12, 2, 1, 4), Detail(8, 1, 1, 2), Detail(5, 1, 1, 0), Detail(3, 1, 0, 0))


def _question(question: QuestionFact) -> str:
    return block(f"{question.ref} {question.votes:+d} {question.status}", question.text)


def _passage(passage: PassageFact) -> str:
    return block(passage.citation, f"{passage.heading}: {passage.text}" if passage.heading else passage.text)


def _theme_name(theme: ThemeFact) -> str:
    return block("theme", theme.name)


def _read_groups(facts: EventFacts) -> list[ThemeFact]:
    """The themes, then the questions in none of them: what the notes read, every question once."""
    themed = {qid for theme in facts.themes for qid in theme.question_ids}
    rest = [q for q in facts.questions if q.id not in themed]
    if not rest:
        return list(facts.themes)
    return [*facts.themes, ThemeFact(IN_NO_THEME, len(rest), sum(q.votes for q in rest), [q.id for q in rest])]


def _same_theme(name: str, themes: Sequence[ThemeFact]) -> ThemeFact | None:
    wanted = " ".join(name.replace(MARK, " ").split()).casefold()
    return next((theme for theme in themes if " ".join(theme.name.split()).casefold() == wanted), None)


def _limit(model: ModelClient) -> int:
    return int(model.prompt_token_limit * (1 - SAFETY_MARGIN))


async def write_brief(db: Database, model: ModelClient, facts: BriefFacts, usage: CallUsage, *, fresh: bool) -> Written:
    def build(passages: int) -> list[dict[str, str]]:
        return messages_for(
            "brief",
            question=_question(facts.question),
            question_id=f"[{facts.question.ref}]",
            passages="\n".join(
                _passage(PassageFact(hit.citation, hit.heading, hit.text)) for hit in facts.hits[:passages]
            )
            or "(none: no passage of the report matches this question)",
            max_lines=4,
        )

    given = next(
        (n for n in range(len(facts.hits), -1, -1) if count_message_tokens(build(n), model.model) <= _limit(model)), 0
    )
    output = await ask(db, model, facts.event_id, build(given), BriefOutput, usage, fresh=fresh)
    sources = facts.sources().only({facts.question.ref, *(hit.citation for hit in facts.hits[:given])})
    checked, dropped = check_output(output, sources)
    return Written(checked, prompt_version("brief"), dropped)


def _map_batches(
    model: ModelClient, facts: EventFacts, purpose: str
) -> list[list[tuple[ThemeFact, list[QuestionFact]]]]:
    """Every question, theme by theme, packed into batches whose prompts fit the context."""
    empty = messages_for("notes", purpose=purpose, title=facts.title, part=1, parts=1, themes="", questions="")
    room = _limit(model) - count_message_tokens(empty, model.model)
    by_id = facts.by_id()
    batches: list[list[tuple[ThemeFact, list[QuestionFact]]]] = [[]]
    used = 0
    for theme in _read_groups(facts):
        header = count_tokens(_theme_name(theme), model.model) + 1
        for question in (by_id[qid] for qid in theme.question_ids):
            cost = count_tokens(_question(question), model.model) + 1
            opens_theme = not batches[-1] or batches[-1][-1][0] is not theme
            if used + cost + (header if opens_theme else 0) > room and batches[-1]:
                batches.append([])
                used, opens_theme = 0, True
            if opens_theme:
                batches[-1].append((theme, []))
                used += header
            batches[-1][-1][1].append(question)
            used += cost
    return [batch for batch in batches if batch]


async def _notes(
    db: Database, model: ModelClient, facts: EventFacts, purpose: str, usage: CallUsage, *, fresh: bool
) -> tuple[dict[str, list[str]], list[Dropped]]:
    """The map step: notes per theme from reading every question."""
    batches = _map_batches(model, facts, purpose)
    gate = asyncio.Semaphore(MAP_CONCURRENCY)

    async def read(part: int, batch: list[tuple[ThemeFact, list[QuestionFact]]]) -> NotesOutput:
        messages = messages_for(
            "notes",
            purpose=purpose,
            title=facts.title,
            part=part,
            parts=len(batches),
            themes="\n".join(_theme_name(theme) for theme, _ in batch),
            questions="\n".join(
                f"{_theme_name(theme)}\n" + "\n".join(_question(q) for q in questions) for theme, questions in batch
            ),
        )
        async with gate:
            return await ask(db, model, facts.event_id, messages, NotesOutput, usage, fresh=fresh)

    reads = [asyncio.ensure_future(read(part, batch)) for part, batch in enumerate(batches, start=1)]
    try:
        outputs = await asyncio.gather(*reads)
    finally:
        # After the first failure the draft falls back: the batches still waiting must not go on
        # calling a model that is down.
        for pending in reads:
            pending.cancel()
    notes: dict[str, list[str]] = {}
    dropped: list[Dropped] = []
    for batch, output in zip(batches, outputs, strict=True):
        known, unknown = _known_themes(output.themes, [theme for theme, _ in batch])
        given = facts.sources().only(q.ref for _, questions in batch for q in questions)
        checked, rejected = check_output(NotesOutput(themes=known), given)
        dropped += unknown + rejected
        for entry in checked.themes:
            notes.setdefault(entry.theme, []).extend(entry.lines)
    return notes, dropped


def _known_themes(entries: Sequence[ThemeLines], themes: Sequence[ThemeFact]) -> tuple[list[ThemeLines], list[Dropped]]:
    """The entries about themes that were given, under the given name, and the others' lines, dropped."""
    known, unknown = [], []
    for entry in entries:
        theme = _same_theme(entry.theme, themes)
        if theme is None:
            unknown += [Dropped(entry.theme, line, "about a theme that was not given") for line in entry.lines]
        else:
            known.append(ThemeLines(theme=theme.name, lines=entry.lines))
    return known, unknown


def _themes_block(facts: EventFacts, detail: Detail) -> str:
    by_id = facts.by_id()
    parts = []
    for theme in facts.themes[: detail.themes]:
        representatives = "\n".join(_question(by_id[qid]) for qid in theme.question_ids[: detail.representatives])
        parts.append(f"{_theme_name(theme)} {theme.count} questions, {theme.votes} votes\n{representatives}")
    return "\n".join(parts)


def _notes_block(facts: EventFacts, notes: dict[str, list[str]], detail: Detail) -> str:
    lines = [
        block(f"notes on {theme.name}", line)
        for theme in facts.themes[: detail.themes]
        for line in notes.get(theme.name, [])[: detail.notes]
    ] + [block(f"notes on {IN_NO_THEME}", line) for line in notes.get(IN_NO_THEME, [])[: detail.notes]]
    return "\n".join(lines) or "(none)"


def _facts_block(facts: EventFacts) -> str:
    ledger = facts.ledger
    return (
        f"{ledger.received} questions received; {len(facts.questions)} in the queue or answered; "
        f"{len(facts.answered)} answered; {len(facts.unanswered)} not answered; {len(facts.themes)} themes"
    )


def _fit(model: ModelClient, build: Callable[[Detail], list[dict[str, str]]]) -> tuple[list[dict[str, str]], Detail]:
    for detail in DETAILS:
        messages = build(detail)
        if count_message_tokens(messages, model.model) <= _limit(model):
            return messages, detail
    return build(DETAILS[-1]), DETAILS[-1]


def _reduce_sources(facts: EventFacts, detail: Detail) -> Sources:
    return facts.sources().only(
        [*(q.ref for q in facts.questions), *(p.citation for p in facts.passages[: detail.passages])]
    )


async def write_digest(
    db: Database, model: ModelClient, facts: EventFacts, usage: CallUsage, *, fresh: bool
) -> Written:
    notes, dropped = await _notes(db, model, facts, "digest", usage, fresh=fresh)

    def build(detail: Detail) -> list[dict[str, str]]:
        return messages_for(
            "digest",
            title=facts.title,
            facts=_facts_block(facts),
            themes=_themes_block(facts, detail),
            notes=_notes_block(facts, notes, detail),
            passages="\n".join(_passage(p) for p in facts.passages[: detail.passages]) or "(none)",
        )

    messages, detail = _fit(model, build)
    output = await ask(db, model, facts.event_id, messages, DigestOutput, usage, fresh=fresh)
    known, unknown = _known_themes(output.themes, facts.themes)
    checked, rejected = check_output(
        DigestOutput(overview=output.overview, themes=known), _reduce_sources(facts, detail)
    )
    return Written(checked, prompt_version("notes", "digest"), dropped + unknown + rejected)


async def write_recap(db: Database, model: ModelClient, facts: EventFacts, usage: CallUsage, *, fresh: bool) -> Written:
    notes, dropped = await _notes(db, model, facts, "recap", usage, fresh=fresh)

    def build(detail: Detail) -> list[dict[str, str]]:
        shown = detail.themes * detail.representatives
        return messages_for(
            "recap",
            title=facts.title,
            facts=_facts_block(facts),
            answered="\n".join(_question(q) for q in facts.answered[:shown]) or "(none)",
            unanswered="\n".join(_question(q) for q in facts.unanswered[: detail.themes]) or "(none)",
            themes=_themes_block(facts, detail),
            notes=_notes_block(facts, notes, detail),
            passages="\n".join(_passage(p) for p in facts.passages[: detail.passages]) or "(none)",
        )

    messages, detail = _fit(model, build)
    output = await ask(db, model, facts.event_id, messages, RecapOutput, usage, fresh=fresh)
    checked, rejected = check_output(output, _reduce_sources(facts, detail))
    return Written(checked, prompt_version("notes", "recap"), dropped + rejected)
