"""The extractive writer: templated sentences over the facts, the questions' own words and the
report's own passages. It needs no model, so it is the default that runs anywhere, and the
fallback when the model fails, times out or has spent the event's budget.

It fills the same structured outputs a model would, so its drafts render and validate the same
way; they are labelled as extractive.
"""

from bot.llm.outputs import BriefOutput, DigestOutput, RecapOutput, ThemeLines
from bot.services.drafts.facts import BriefFacts, EventFacts, ThemeFact, excerpt, quote
from bot.services.reports.retrieval import report_covers


def _cite(*ids: str) -> str:
    return "".join(f"[{ident}]" for ident in dict.fromkeys(ids))


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
    quoted = (
        [
            (hit, said)
            for hit in [facts.hits[0], *(h for h in facts.hits[1:2] if h.coverage >= 0.5)]
            if (said := excerpt(hit, facts.question.text)) is not None
        ]
        if report_covers(facts.hits)
        else []
    )
    if quoted:
        lines = [
            f"The report takes this up under “{quote(hit.heading) or 'its text'}”: “{said}” {_cite(hit.citation, ref)}"
            for hit, said in quoted
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


def _theme_line(theme: ThemeFact) -> list[str]:
    top = [f"Q{qid}" for qid in theme.question_ids[:3]]
    if theme.citations:
        return [f"The report bears on these questions {_cite(*top, *theme.citations)}."]
    return [f"No passage of the report matches these questions {_cite(*top)}."]


def write_digest(facts: EventFacts) -> DigestOutput:
    """A line per theme on where the report bears on it; the counts, questions and pointers are
    laid out by the code around it."""
    return DigestOutput(themes=[ThemeLines(theme=theme.name, lines=_theme_line(theme)) for theme in facts.themes])


def write_recap(facts: EventFacts) -> RecapOutput:
    """Nothing to add in prose: the recap's overview, answered and open questions, the report's
    pointers and the themes are all laid out by the code from the facts."""
    return RecapOutput()
