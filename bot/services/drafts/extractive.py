"""The extractive writer: templated sentences over the facts, the questions' own words and the
report's own passages. It needs no model, so it is the default that runs anywhere, and the
fallback when the model fails, times out or has spent the event's budget.

It fills the same structured outputs a model would, so its drafts render and validate the same
way; they are labelled as extractive.
"""

import re

from bot.llm.outputs import BriefOutput, DigestOutput, RecapOutput, ThemeLines
from bot.services.drafts.draft_text import plural
from bot.services.drafts.facts import BriefFacts, EventFacts, QuestionFact, ThemeFact, quote
from bot.services.reports.retrieval import PassageHit, report_covers, terms

THEMES_IN_OVERVIEW = 3
_SENTENCES = re.compile(r"(?<=[.!?])\s+")


def _cite(*ids: str) -> str:
    return "".join(f"[{ident}]" for ident in dict.fromkeys(ids))


def excerpt(hit: PassageHit, question: str) -> str:
    """The passage's sentence sharing most words with the question, fit to quote."""
    wanted = set(terms(question))
    sentences = _SENTENCES.split(hit.text) or [hit.text]
    best = max(sentences, key=lambda sentence: len(wanted & set(terms(sentence))))
    return quote(best)


def write_brief(facts: BriefFacts) -> BriefOutput:
    """Covers when the best passage holds most of the question's words; otherwise silent.
    (Telling that the report challenges a question takes reading it: only a model says that.)"""
    ref = facts.question.ref
    if facts.question.instruction:
        return BriefOutput(
            verdict="silent",
            lines=[f"This reads as an instruction to a language model ({facts.question.instruction}) {_cite(ref)}."],
        )
    if not facts.has_report:
        return BriefOutput(
            verdict="silent",
            lines=[f"No report has been added to this event, so nothing checks this question {_cite(ref)}."],
        )
    if not facts.hits:
        return BriefOutput(verdict="silent", lines=[f"No passage of the report matches this question {_cite(ref)}."])
    if report_covers(facts.hits):
        lines = [
            f"The report takes this up under “{quote(hit.heading) or 'its text'}”: "
            f"“{excerpt(hit, facts.question.text)}” {_cite(hit.citation, ref)}"
            for hit in [facts.hits[0], *(h for h in facts.hits[1:2] if h.coverage >= 0.5)]
        ]
        return BriefOutput(verdict="covers", lines=lines)
    nearest = facts.hits[0]
    return BriefOutput(
        verdict="silent",
        lines=[
            "The report does not appear to address this question directly; "
            f"the nearest passage is {_cite(nearest.citation, ref)}."
        ],
    )


def _overview(facts: EventFacts, opening: str) -> str:
    top = [facts.questions[0].ref] if facts.questions else []
    names = ", ".join(f"“{quote(theme.name)}”" for theme in facts.themes[:THEMES_IN_OVERVIEW])
    themes = f" Most asked about: {names}." if names else ""
    return f"{opening}{themes} {_cite(*top, *(f'Q{t.question_ids[0]}' for t in facts.themes[:THEMES_IN_OVERVIEW]))}"


def _theme_line(theme: ThemeFact) -> list[str]:
    top = [f"Q{qid}" for qid in theme.question_ids[:3]]
    if theme.citations:
        return [f"The report bears on these questions in {', '.join(f'[{c}]' for c in theme.citations)} {_cite(*top)}."]
    return [f"No passage of the report matches these questions {_cite(*top)}."]


def write_digest(facts: EventFacts) -> DigestOutput:
    if not facts.questions:
        return DigestOutput()
    answered = len(facts.answered)
    opening = (
        f"{plural(len(facts.questions), 'question')} so far, {answered:,} answered, "
        f"in {plural(len(facts.themes), 'theme')}."
    )
    return DigestOutput(
        overview=[_overview(facts, opening)],
        themes=[ThemeLines(theme=theme.name, lines=_theme_line(theme)) for theme in facts.themes],
    )


def _first(questions: list[QuestionFact]) -> str:
    return f"“{quote(questions[0].text)}” {_cite(questions[0].ref)}"


def write_recap(facts: EventFacts) -> RecapOutput:
    if not facts.questions:
        return RecapOutput()
    answered, unanswered = facts.answered, facts.unanswered
    opening = (
        f"The audience asked {plural(facts.ledger.received, 'question')}; "
        f"{plural(len(facts.questions), 'question')} reached the panel's queue."
    )
    return RecapOutput(
        overview=[_overview(facts, opening)],
        answered=[f"The panel answered {plural(len(answered), 'question')}, starting with {_first(answered)}."]
        if answered
        else [],
        unanswered=[
            f"{plural(len(unanswered), 'question')} {'was' if len(unanswered) == 1 else 'were'} left open; "
            f"the most supported was {_first(unanswered)}."
        ]
        if unanswered
        else [],
        themes=[
            f"“{quote(theme.name)}”: {plural(theme.count, 'question')}, {plural(theme.votes, 'vote')} "
            f"{_cite(*(f'Q{qid}' for qid in theme.question_ids[:3]), *theme.citations)}."
            for theme in facts.themes
        ],
    )
