"""Drafts as structured documents (``bot.domain.documents``): the code lays out each structured output
with the facts it owns (counts, the questions as asked, the report's pointers), and turns the
validated lines' ``[Q12]`` / ``[p4]`` citations into references a reader can follow (``#12``,
"p. 4, Rent caps"). No markup and no Discord limit here: ``bot.render`` does that per medium.
"""

import re
from collections.abc import Mapping, Sequence

from bot.domain.documents import Block, Citation, Document, Line, bullets, heading, paragraph, question
from bot.domain.enums import DraftWriter
from bot.llm.outputs import BriefOutput, DigestOutput, RecapOutput
from bot.llm.validate import cited_ids, without_citations
from bot.services.drafts.facts import OTHER_THEME, BriefFacts, EventFacts, LedgerSummary, QuestionFact, quote

# A digest stays within one screen: so many themes, open questions and flagged ones at most.
DIGEST_THEMES = 5
DIGEST_OPEN = 3
DIGEST_FLAGGED = 3
ANSWERED_SHOWN = 10
UNANSWERED_SHOWN = 5
VERDICTS = {
    "covers": "the report covers it",
    "challenges": "the report challenges it",
    "silent": "the report is silent",
}


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def label(writer: DraftWriter, model: str | None, held_back: int) -> str:
    """The footer: who wrote the draft and exactly what Podium checked in it."""
    checks = (
        "Podium checked every line: it cites questions or report passages it was given, and every number, date, "
        "name and quotation in it appears in those sources or in Podium's own counts; lines with a link or a "
        "mention are removed"
    )
    held = (
        f"; {plural(held_back, 'line')} failed and {'was' if held_back == 1 else 'were'} held back" if held_back else ""
    )
    if writer is DraftWriter.EXTRACTIVE:
        return f"Assembled by Podium from the questions and the report, without a language model. {checks}{held}."
    return f"Drafted by a language model ({model}). {checks}{held}."


def where(citation: str) -> str:
    """A passage id as a reader finds it: ``p12b`` is "p. 12", ``§3.2c`` is "§3.2"."""
    page = re.fullmatch(r"p(\d+)(?:[a-z]|-\d+)?", citation)
    if page:
        return f"p. {page.group(1)}"
    return re.sub(r"(?:[a-z]|-\d+)$", "", citation)


class _Citations:
    """Turns a validated line's bracketed ids into the document's citations."""

    def __init__(self, headings: Mapping[str, str]) -> None:
        self.headings = headings

    def cite(self, ident: str) -> Citation:
        if ident.startswith("Q"):
            return Citation(question=int(ident[1:]))
        return Citation(where=where(ident), heading=self.headings.get(ident, ""))

    def line(self, text: str) -> Line:
        ids = dict.fromkeys(cited_ids(text))
        return Line(without_citations(text), tuple(self.cite(ident) for ident in ids))

    def lines(self, texts: Sequence[str]) -> list[Line]:
        return [self.line(text) for text in texts]


def _asked(q: QuestionFact, *, note: str = "", beneath: tuple[Line, ...] = ()) -> Block:
    return question(q.id, quote(q.text), votes=q.votes, note=note, beneath=beneath)


def _recording_time(seconds: float | None) -> str:
    if seconds is None:
        return "answered"
    whole = int(seconds)
    return f"answered at {whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d} in the recording"


def _named_themes(facts: EventFacts) -> list:
    # The facts hold no "other" theme; a label that merely reads like one is not shown either.
    return [theme for theme in facts.themes if theme.name.casefold() != OTHER_THEME.casefold()]


def _overview(facts: EventFacts) -> Line:
    named = _named_themes(facts)[:3]
    asked = f"The audience asked {plural(len(facts.questions), 'question')} on the board"
    if not named:
        return Line(f"{asked}.")
    themes = ", ".join(f"{theme.name} ({plural(theme.count, 'question')})" for theme in named)
    return Line(f"{asked}; they cared most about {themes}.", tuple(Citation(question=t.question_ids[0]) for t in named))


def _pointers(facts: EventFacts, cites: _Citations, shown: int) -> list[Block]:
    """Each of the top open questions, with what the report says about it."""
    blocks: list[Block] = []
    for q in facts.unanswered[:shown]:
        pointer = facts.pointers.get(q.id)
        if pointer is not None:
            said = Line(f"The report: “{pointer.excerpt}”", (cites.cite(pointer.citation),))
        else:
            said = Line("The report does not take this up.")
        blocks.append(_asked(q, beneath=(said,)))
    return blocks


def render_brief(facts: BriefFacts, output: BriefOutput, footer: str) -> Document:
    cites = _Citations({hit.citation: hit.heading for hit in facts.hits})
    q = facts.question
    # The citation names the passage's heading itself: "(§1.1, 1.1 Rent caps)".
    passages = [Line("", (cites.cite(hit.citation),)) for hit in facts.hits]
    return Document(
        (
            heading(f"Brief on question #{q.id}: {VERDICTS[output.verdict]}"),
            _asked(q),
            bullets(cites.lines(output.lines)),
            *((heading("Passages"), bullets(passages)) if passages else ()),
            paragraph(Line(footer)),
        )
    )


def _since(facts: EventFacts) -> list[Block]:
    since = facts.since
    if since is None:
        return []
    answered = (
        Line(
            f"{plural(len(since.answered), 'question')} answered:", tuple(Citation(question=q) for q in since.answered)
        )
        if since.answered
        else Line("None answered.")
    )
    rising = ", ".join(f"{name} (+{n})" for name, n in since.rising)
    lines = [
        Line(f"{plural(since.new, 'new question')}."),
        answered,
        Line(f"Rising: {rising}." if rising else "No theme grew."),
    ]
    return [heading(f"Since the last digest ({plural(since.minutes_ago, 'minute')} ago)"), bullets(lines)]


def _take_next(facts: EventFacts, cites: _Citations) -> list[Block]:
    top = facts.unanswered[0]
    pointer = facts.pointers.get(top.id)
    said = f"Take #{top.id} next: the most supported question still open ({plural(top.votes, 'vote')})"
    if pointer is None:
        line = Line(f"{said}; the report does not take it up.")
    else:
        line = Line(f"{said}; the report takes it up.", (cites.cite(pointer.citation),))
    return [heading("What to take next"), paragraph(line)]


def render_digest(facts: EventFacts, output: DigestOutput, footer: str) -> Document:
    """The digest moderators read mid-event, within one screen: the board's counts, what changed
    since the last digest, the largest themes, the top open questions with the report's pointer,
    what to take next, and what waits for review or was flagged."""
    cites = _Citations({p.citation: p.heading for p in facts.passages})
    lines_by_theme: Mapping[str, list[str]] = {theme.theme: theme.lines for theme in output.themes}
    review = f", {facts.waiting_review:,} waiting for review" if facts.waiting_review else ""
    counts = (
        f"{plural(len(facts.questions), 'question')} on the board, {len(facts.answered):,} answered, "
        f"{len(facts.unanswered):,} waiting{review}"
    )
    blocks: list[Block] = [
        heading(f"Digest: {facts.title}"),
        paragraph(Line(f"{counts}."), *cites.lines(output.overview)),
        *_since(facts),
    ]
    themes = _named_themes(facts)[:DIGEST_THEMES]
    if themes:
        lines = []
        for theme in themes:
            counted = cites.line(f"{theme.name}: {plural(theme.count, 'question')}, {plural(theme.votes, 'vote')}.")
            # One line per theme keeps the digest to a screen: the writer's first line on it, if any.
            said = cites.lines(lines_by_theme.get(theme.name, [])[:1])
            top = tuple(Citation(question=qid) for qid in theme.question_ids[:2])
            text = " ".join([counted.text, *(line.text for line in said)])
            lines.append(Line(text, top + tuple(c for line in said for c in line.citations if c not in top)))
        blocks += [heading("Themes, largest first"), bullets(lines)]
    if facts.unanswered:
        blocks += [heading("Top open questions, with the report's pointer"), *_pointers(facts, cites, DIGEST_OPEN)]
        blocks += _take_next(facts, cites)
    if facts.flagged:
        flagged = [Line(f"{q.instruction}", (Citation(question=q.id),)) for q in facts.flagged[:DIGEST_FLAGGED]]
        if len(facts.flagged) > DIGEST_FLAGGED:
            flagged.append(Line(f"…and {len(facts.flagged) - DIGEST_FLAGGED:,} more."))
        blocks += [heading("Flagged for review: instructions to a model, not questions"), bullets(flagged)]
    return Document((*blocks, paragraph(Line(footer))))


def render_recap(facts: EventFacts, output: RecapOutput, footer: str) -> Document:
    cites = _Citations({p.citation: p.heading for p in facts.passages})
    answered, unanswered = facts.answered, facts.unanswered
    blocks: list[Block] = [heading(f"Recap: {facts.title}"), paragraph(_overview(facts), *cites.lines(output.overview))]
    if answered:
        blocks += [heading(f"What the panel answered ({len(answered):,})")]
        if output.answered:
            blocks.append(paragraph(*cites.lines(output.answered)))
        blocks += [_asked(q, note=_recording_time(q.answered_offset_s)) for q in answered[:ANSWERED_SHOWN]]
        if len(answered) > ANSWERED_SHOWN:
            blocks.append(paragraph(Line(f"…and {len(answered) - ANSWERED_SHOWN:,} more.")))
    if unanswered:
        blocks += [heading(f"Left open ({len(unanswered):,}), and what the report says")]
        if output.unanswered:
            blocks.append(paragraph(*cites.lines(output.unanswered)))
        blocks += _pointers(facts, cites, UNANSWERED_SHOWN)
    themes = _named_themes(facts)
    if themes or output.themes:
        counted = [Line(f"{t.name}: {plural(t.count, 'question')}, {plural(t.votes, 'vote')}") for t in themes]
        blocks += [heading("Themes"), bullets(counted + cites.lines(output.themes))]
    return Document((*blocks, paragraph(Line(footer))))


def render_ledger(summary: LedgerSummary) -> Document:
    """The moderation ledger's account of the event, posted under the recap: how many questions
    were received and published, and why the two differ."""
    counts = (
        f"{plural(summary.received, 'question')} received, {summary.published:,} published, "
        f"{summary.answered:,} answered, {summary.merged:,} merged, {summary.withdrawn:,} withdrawn."
    )
    why = []
    if summary.received != summary.published:
        # Every question received and not counted as published is one of these three.
        parts = [
            *([f"{summary.rejected_in_review:,} set aside in review"] if summary.rejected_in_review else []),
            *([f"{summary.withdrawn:,} withdrawn by their askers"] if summary.withdrawn else []),
            *([f"{summary.waiting_review:,} still waiting for review"] if summary.waiting_review else []),
        ]
        held = summary.received - summary.published
        why.append(f"Of the {plural(held, 'question')} not published: {', '.join(parts)}.")
    if summary.rejected:
        reasons = ", ".join(f"{n:,} {reason.replace('_', ' ')}" for reason, n in summary.rejected.items())
        why.append(f"Set aside by the moderators, in review or after: {reasons}.")
    return Document((heading("Moderation ledger"), paragraph(Line(counts), *(Line(w) for w in why))))
