"""Drafts as text: the code renders each structured output, with the facts it owns (counts,
representative questions, passages), and splits a recap into messages that fit Discord.

Every line here is either a validated output line, or built by code from the facts with the
questions' words quoted through ``facts.quote``; the text carries no mention and no link that
is not in the report. Sending it with mentions disabled is still the cog's job.
"""

from collections.abc import Iterator, Mapping, Sequence

from bot.domain.enums import DraftWriter
from bot.llm.outputs import BriefOutput, DigestOutput, RecapOutput
from bot.services.drafts.facts import BriefFacts, EventFacts, LedgerSummary, QuestionFact, quote

MESSAGE_LIMIT = 2_000  # Discord's limit on a message's content
THEMES_SHOWN = 8
ANSWERED_SHOWN = 10
UNANSWERED_SHOWN = 5
VERDICTS = {
    "covers": "the report covers it",
    "challenges": "the report challenges it",
    "silent": "the report is silent",
}


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def label(writer: DraftWriter, model: str | None) -> str:
    if writer is DraftWriter.EXTRACTIVE:
        return "_Extractive draft: assembled from the questions and the report by templates, without a language model._"
    return (
        f"_Drafted by a language model ({model}); every line was checked against the questions and passages it cites._"
    )


def _bullets(lines: Sequence[str]) -> list[str]:
    return [f"- {line}" for line in lines]


def _quoted(question: QuestionFact) -> str:
    votes = f" ({question.votes:+d})" if question.votes else ""
    return f"- “{quote(question.text)}”{votes} [{question.ref}]"


def render_brief(facts: BriefFacts, output: BriefOutput, footer: str) -> str:
    question = facts.question
    passages = "; ".join(f"[{hit.citation}] {quote(hit.heading) or '(untitled)'}" for hit in facts.hits)
    return "\n".join(
        [
            f"**Brief on question #{question.id}**: {VERDICTS[output.verdict]}",
            f"> “{quote(question.text)}” [{question.ref}]",
            *_bullets(output.lines),
            *([f"Passages: {passages}"] if passages else []),
            footer,
        ]
    )


def render_digest(facts: EventFacts, output: DigestOutput, footer: str) -> str:
    by_id = facts.by_id()
    lines_by_theme: Mapping[str, list[str]] = {theme.theme: theme.lines for theme in output.themes}
    text = [
        f"**Digest: {quote(facts.title)}**: {plural(len(facts.questions), 'question')}, "
        f"{len(facts.answered):,} answered, {plural(len(facts.themes), 'theme')}",
        *_bullets(output.overview),
    ]
    for theme in facts.themes[:THEMES_SHOWN]:
        text += [
            "",
            f"**{quote(theme.name)}**: {plural(theme.count, 'question')}, {plural(theme.votes, 'vote')}",
            *_bullets(lines_by_theme.get(theme.name, [])),
            *(_quoted(by_id[qid]) for qid in theme.question_ids[:2]),
        ]
    hidden = len(facts.themes) - THEMES_SHOWN
    if hidden > 0:
        text += ["", f"…and {hidden} smaller themes."]
    return "\n".join([*text, "", footer])


def render_recap(facts: EventFacts, output: RecapOutput, footer: str) -> str:
    answered, unanswered = facts.answered, facts.unanswered
    text = [f"**Recap: {quote(facts.title)}**", *_bullets(output.overview)]
    if answered:
        text += ["", f"**What was answered** ({len(answered):,})", *_bullets(output.answered)]
        text += [_quoted(question) for question in answered[:ANSWERED_SHOWN]]
        if len(answered) > ANSWERED_SHOWN:
            text.append(f"- …and {len(answered) - ANSWERED_SHOWN:,} more.")
    if unanswered:
        text += ["", "**Top questions left unanswered**", *_bullets(output.unanswered)]
        text += [_quoted(question) for question in unanswered[:UNANSWERED_SHOWN]]
    if output.themes:
        text += ["", "**Key themes**", *_bullets(output.themes)]
    return "\n".join([*text, "", footer])


def render_ledger(summary: LedgerSummary) -> str:
    """The moderation ledger's account of the event, posted under the recap."""
    counts = (
        f"{summary.received:,} questions received, {summary.published:,} published, {summary.answered:,} answered, "
        f"{summary.merged:,} merged, {summary.withdrawn:,} withdrawn"
    )
    rejected = ", ".join(f"{n:,} {reason.replace('_', ' ')}" for reason, n in summary.rejected.items())
    return f"**Moderation ledger**: {counts}" + (f"; set aside: {rejected}." if rejected else ".")


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """The text in pieces of at most ``limit`` characters, cut between lines (or, for a line too
    long on its own, between words)."""
    pieces: list[str] = []
    current = ""
    for line in _short_lines(text.split("\n"), limit):
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    pieces.append(current)
    return [piece.strip("\n") for piece in pieces if piece.strip()]


def _short_lines(lines: Sequence[str], limit: int) -> Iterator[str]:
    for line in lines:
        while len(line) > limit:
            cut = line.rfind(" ", 0, limit)
            cut = cut if cut > 0 else limit
            yield line[:cut]
            line = line[cut:].lstrip()
        yield line
