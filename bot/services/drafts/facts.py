"""The facts a draft is written from, computed by code: counts, ranked questions, answered and
unanswered questions, themes, the report passages they touch, and the ledger summary.

Writers (a model or the extractive templates) only put prose around these; what the facts say
is never left to a model.
"""

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlmodel import Session, col, select

from bot.domain.enums import LedgerAction, QuestionStatus
from bot.llm.validate import LINK, MENTION, Sources, links_in
from bot.services.qa.instructions import instruction_in
from bot.services.qa.text import normalise
from bot.services.reports.retrieval import PassageHit, PassageIndex, report_covers, terms
from bot.services.sense.themes import label_groups
from db.models import Event, LedgerEntry, Question

# Questions a draft speaks about: the ones the audience can see, and the ones answered.
DRAFTED = frozenset({QuestionStatus.PUBLISHED, QuestionStatus.LIVE, QuestionStatus.ANSWERED})
# What a question in no theme carries in the facts: a remainder, never a theme (no draft, chart or
# prompt lists it among the themes).
OTHER_THEME = "Other questions"
PASSAGES_PER_THEME = 2
QUOTE_MAX = 180
_SENTENCES = re.compile(r"(?<=[.!?])\s+")
# The closest passages a question's pointer may come from (the best with a sentence to quote).
POINTER_CANDIDATES = 3
# A quoted sentence shorter than this brings the next one along.
SHORT_SENTENCE = 60


@dataclass(frozen=True, slots=True)
class QuestionFact:
    id: int
    text: str
    votes: int
    status: str
    theme: str
    answered_offset_s: float | None = None
    instruction: str | None = None  # what it asks a model to do, if it is an instruction to one

    @property
    def ref(self) -> str:
        return f"Q{self.id}"


@dataclass(frozen=True, slots=True)
class ThemeFact:
    name: str
    count: int
    votes: int
    question_ids: list[int]  # most voted first
    citations: list[str] = field(default_factory=list)  # report passages its top questions touch


@dataclass(frozen=True, slots=True)
class PassageFact:
    citation: str
    heading: str
    text: str


@dataclass(frozen=True, slots=True)
class Pointer:
    """What the report says about a question: the passage that bears on it, and its sentence
    sharing most words with the question."""

    citation: str
    heading: str
    excerpt: str


@dataclass(frozen=True, slots=True)
class LedgerSummary:
    """What happened to the event's questions, as the moderation ledger records it."""

    received: int
    published: int
    answered: int
    merged: int
    withdrawn: int
    rejected: dict[str, int] = field(default_factory=dict)  # reason -> questions set aside
    rejected_in_review: int = 0  # of those, set aside before they were ever published
    waiting_review: int = 0  # still held for review


@dataclass(frozen=True, slots=True)
class Changes:
    """What changed on the board since the moderators' last digest."""

    minutes_ago: int
    new: int  # questions on the board now that were not then
    answered: list[int]  # questions answered since, by number
    rising: list[tuple[str, int]]  # named themes that grew, by how many questions, most first


@dataclass(frozen=True, slots=True)
class EventFacts:
    event_id: int
    title: str
    questions: list[QuestionFact]  # most voted first
    themes: list[ThemeFact]  # largest first
    ledger: LedgerSummary
    passages: list[PassageFact]
    report_urls: list[str]
    # Questions that are instructions to a model: shown to moderators, never summarised.
    flagged: list[QuestionFact] = field(default_factory=list)
    pointers: dict[int, Pointer] = field(default_factory=dict)  # for the top open questions
    waiting_review: int = 0  # questions held for a moderator's review
    since: Changes | None = None  # for a digest after an earlier one

    def by_id(self) -> dict[int, QuestionFact]:
        return {question.id: question for question in self.questions}

    @property
    def answered(self) -> list[QuestionFact]:
        """Answered questions in the order they were answered."""
        done = [q for q in self.questions if q.status == QuestionStatus.ANSWERED]
        return sorted(done, key=lambda q: (q.answered_offset_s is None, q.answered_offset_s or 0.0, q.id))

    @property
    def unanswered(self) -> list[QuestionFact]:
        """Questions still waiting or being answered, most voted first."""
        return [q for q in self.questions if q.status != QuestionStatus.ANSWERED]

    def sources(self) -> Sources:
        texts = {question.ref: question.text for question in self.questions} | {
            passage.citation: f"{passage.heading} {passage.text}" for passage in self.passages
        }
        ledger = self.ledger
        counts = [len(self.questions), len(self.answered), len(self.unanswered), len(self.themes), len(self.flagged)]
        counts += [ledger.received, ledger.published, ledger.answered, ledger.merged, ledger.withdrawn]
        counts += [n for theme in self.themes for n in (theme.count, theme.votes)]
        counts += [*ledger.rejected.values(), *(question.votes for question in self.questions)]
        if self.since:
            counts += [self.since.new, len(self.since.answered), *(n for _, n in self.since.rising)]
        figures = {str(n) for n in counts} | {theme.name for theme in self.themes} | {self.title}
        return Sources(ids=frozenset(texts), urls=frozenset(self.report_urls), texts=texts, figures=frozenset(figures))


@dataclass(frozen=True, slots=True)
class BriefFacts:
    event_id: int
    title: str
    question: QuestionFact
    hits: list[PassageHit]
    report_urls: list[str]
    has_report: bool

    def sources(self) -> Sources:
        texts = {self.question.ref: self.question.text} | {
            hit.citation: f"{hit.heading} {hit.text}" for hit in self.hits
        }
        return Sources(
            ids=frozenset(texts), urls=frozenset(self.report_urls), texts=texts, figures=frozenset({self.title})
        )


def quote(text: str) -> str:
    """A question's words fit to quote in a draft: no mentions, links or citation look-alikes, short."""
    # Brackets become parentheses so that "[Q9]" typed by an asker can never pass for a citation.
    text = LINK.sub("(link)", MENTION.sub("", text)).translate(str.maketrans("[]“”", '()""'))
    text = normalise(text)
    return text if len(text) <= QUOTE_MAX else text[: QUOTE_MAX - 1].rsplit(" ", 1)[0] + "…"


def question_fact(question: Question) -> QuestionFact:
    return QuestionFact(
        id=question.id or 0,
        text=question.text,
        votes=question.score,
        status=question.status.value,
        theme=question.theme or OTHER_THEME,
        answered_offset_s=question.answered_offset_s,
        instruction=instruction_in(question.text),
    )


def drafted_questions(session: Session, event_id: int) -> list[QuestionFact]:
    """The event's questions a draft speaks about, most voted first (ties to the earlier)."""
    query = (
        select(Question)
        .where(Question.event_id == event_id, col(Question.status).in_(DRAFTED))
        .order_by(col(Question.score).desc(), col(Question.created_at), col(Question.id))
    )
    return [question_fact(question) for question in session.exec(query).all()]


def shown_themes(questions: Sequence[QuestionFact]) -> list[QuestionFact]:
    """The questions with each theme's label kept only if its questions here say its words.

    A label was stored over the queue as it was, set-aside questions included, and could quote
    words a moderator dismissed; such a label is made again from the words of the theme's shown
    questions alone, so nothing a draft publishes comes from a question set aside.
    """
    grouped: dict[str, list[int]] = {}
    for position, question in enumerate(questions):
        if question.theme != OTHER_THEME:
            grouped.setdefault(question.theme, []).append(position)
    stale = [
        (label, members)
        for label, members in grouped.items()
        if not _words(label) <= set().union(*(_words(questions[n].text) for n in members))
    ]
    relabelled = label_groups([question.text for question in questions], [members for _, members in stale])
    renamed = {old: new or OTHER_THEME for (old, _), new in zip(stale, relabelled, strict=True)}
    return [replace(q, theme=renamed.get(q.theme, q.theme)) for q in questions]


def _words(text: str) -> set[str]:
    # Plurals folded, so that the label "Rent" is said by a question about rents.
    return {word.removesuffix("s") for word in re.findall(r"\w+", text.casefold())}


def group_themes(questions: Sequence[QuestionFact]) -> list[ThemeFact]:
    """Questions by their ``theme`` (as clustering left it), largest theme first; the questions in
    no theme make none."""
    groups: dict[str, list[QuestionFact]] = {}
    for question in questions:
        if question.theme != OTHER_THEME:
            groups.setdefault(question.theme, []).append(question)
    themes = [
        ThemeFact(
            name=name, count=len(members), votes=sum(q.votes for q in members), question_ids=[q.id for q in members]
        )
        for name, members in groups.items()
    ]
    return sorted(themes, key=lambda theme: (-theme.count, -theme.votes, theme.name))


def ledger_summary(session: Session, event: Event) -> LedgerSummary:
    """Counts of the event's questions received, published, answered, merged and withdrawn, and
    the questions set aside by the reason the ledger gives (rejected in review or dismissed)."""
    statuses = Counter(session.exec(select(Question.status).where(Question.event_id == event.id)).all())
    set_aside = session.exec(
        select(LedgerEntry.question_id, LedgerEntry.action, LedgerEntry.reason)
        .join(Question, col(Question.id) == LedgerEntry.question_id)
        .where(
            LedgerEntry.event_id == event.id,
            col(LedgerEntry.action).in_((LedgerAction.REJECT, LedgerAction.DISMISS)),
            Question.status == QuestionStatus.DISMISSED,
        )
        .order_by(col(LedgerEntry.id))
    ).all()
    latest = {question_id: (action, reason) for question_id, action, reason in set_aside}
    dismissed_after_publishing = sum(1 for action, _ in latest.values() if action is LedgerAction.DISMISS)
    reasons = Counter(reason.value if reason else "other" for _, reason in latest.values())
    return LedgerSummary(
        received=sum(statuses.values()),
        published=statuses[QuestionStatus.PUBLISHED]
        + statuses[QuestionStatus.LIVE]
        + statuses[QuestionStatus.ANSWERED]
        + statuses[QuestionStatus.MERGED]
        + dismissed_after_publishing,
        answered=statuses[QuestionStatus.ANSWERED],
        merged=statuses[QuestionStatus.MERGED],
        withdrawn=statuses[QuestionStatus.WITHDRAWN],
        rejected=dict(sorted(reasons.items())),
        rejected_in_review=len(latest) - dismissed_after_publishing,
        waiting_review=statuses[QuestionStatus.PENDING_REVIEW],
    )


def with_passages(
    index: PassageIndex | None, questions: Sequence[QuestionFact], themes: Sequence[ThemeFact]
) -> tuple[list[ThemeFact], list[PassageFact]]:
    """Each theme with the passages its three most voted questions touch, and those passages."""
    if index is None:
        return list(themes), []
    by_id = {question.id: question for question in questions}
    chosen: dict[str, PassageFact] = {}
    placed = []
    for theme in themes:
        hits = index.search(" ".join(by_id[qid].text for qid in theme.question_ids[:3]), PASSAGES_PER_THEME)
        for hit in hits:
            chosen.setdefault(hit.citation, PassageFact(citation=hit.citation, heading=hit.heading, text=hit.text))
        placed.append(replace(theme, citations=[hit.citation for hit in hits]))
    return placed, list(chosen.values())


def changes_since(
    earlier: dict[str, Any], questions: Sequence[QuestionFact], minutes_ago: int, rising_shown: int = 3
) -> Changes:
    """What changed between the facts an earlier digest was written from (as stored with it) and
    the questions on the board now."""
    then = {q["id"]: q for q in earlier.get("questions", [])}
    answered = [
        q.id for q in questions if q.status == QuestionStatus.ANSWERED and then.get(q.id, {}).get("status") != q.status
    ]
    before = Counter(q["theme"] for q in then.values())
    now = Counter(q.theme for q in questions)
    grown = sorted(
        ((name, n - before[name]) for name, n in now.items() if name != OTHER_THEME and n > before[name]),
        key=lambda pair: (-pair[1], pair[0]),
    )
    return Changes(
        minutes_ago=minutes_ago,
        new=sum(1 for q in questions if q.id not in then),
        answered=answered,
        rising=grown[:rising_shown],
    )


def excerpt(hit: PassageHit, question: str) -> str | None:
    """The passage's sentence sharing most words with the question, fit to quote (with the next
    one if it is too short to say much alone: "It takes no decisions."); None if no sentence holds
    two of the question's words (or its only one): the passage then matched through its heading,
    and any sentence of it quoted would be the report's answer to nothing the question asks (a
    report's byline, under a title naming the question's subject)."""
    wanted = set(terms(question))
    sentences = _SENTENCES.split(hit.text) or [hit.text]
    shared = [len(wanted & set(terms(sentence))) for sentence in sentences]
    best = max(range(len(sentences)), key=shared.__getitem__)
    if not shared[best] or shared[best] < min(2, len(wanted)):
        return None
    said = sentences[best]
    if len(said) < SHORT_SENTENCE and best + 1 < len(sentences):
        said = f"{said} {sentences[best + 1]}"
    return quote(said)


def pointers(index: PassageIndex | None, questions: Sequence[QuestionFact]) -> dict[int, Pointer]:
    """For each question, the passage that bears on it most and has a sentence to quote, among
    the closest few, if the report covers it (the brief's reading: the passage holds most of the
    question's words); a nearest passage that does not would be quoted as the report's answer to
    a question it never takes up."""
    found = {}
    for question in questions if index else []:
        for hit in index.search(question.text, POINTER_CANDIDATES):  # type: ignore[union-attr]
            said = excerpt(hit, question.text) if report_covers([hit]) else None
            if said is not None:
                found[question.id] = Pointer(hit.citation, hit.heading, said)
                break
    return found


def report_urls(index: PassageIndex | None) -> list[str]:
    """Every link in the report: the only links a draft may carry."""
    if index is None:
        return []
    return sorted({url for passage in index.passages for url in links_in(passage.text)})
