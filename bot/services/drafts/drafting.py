"""Briefs, digests and recaps: report-grounded drafts that a moderator reads, edits and approves.

Each draft is written from facts the code computes (``bot.services.drafts.facts``) by the language
model when one is configured, or by the extractive writer when none is, or when the model
fails, times out, answers out of shape or has spent the event's budget; the draft says which
wrote it and why. Every line is validated against the ids in its input before it is stored.

Drafts are kept with their inputs, model, prompt version, usage and what the validator dropped,
for audit. Nothing here posts anything: approving a recap marks it approved and returns its
document for the caller to render and post.
"""

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TypedDict, Unpack

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.domain.actors import Actor
from bot.domain.clock import utcnow
from bot.domain.documents import Document, markup
from bot.domain.enums import DraftKind, DraftStatus, DraftWriter, EventState, LedgerAction, QuestionStatus
from bot.domain.errors import InvalidInput, InvalidTransition, NotFound
from bot.llm.client import ModelClient, ModelUnavailable
from bot.llm.outputs import BriefOutput, DigestOutput, MalformedOutput, Output, RecapOutput
from bot.llm.validate import MENTION, Sources, check_output, cited_ids, held_back, output_lines
from bot.render import markdown
from bot.services.drafts import extractive, model_writer
from bot.services.drafts.draft_text import (
    UNANSWERED_SHOWN,
    label,
    render_brief,
    render_digest,
    render_ledger,
    render_recap,
)
from bot.services.drafts.facts import (
    BriefFacts,
    EventFacts,
    LedgerSummary,
    PassageFact,
    QuestionFact,
    changes_since,
    drafted_questions,
    group_themes,
    ledger_summary,
    pointers,
    question_fact,
    report_urls,
    shown_themes,
    with_passages,
)
from bot.services.drafts.model_calls import CallUsage
from bot.services.qa.events import load_event
from bot.services.qa.guilds import require_moderator
from bot.services.qa.questions import load_question
from bot.services.records.ledger import record
from bot.services.reports.retrieval import report_index
from bot.services.reports.triage import store_brief_verdict
from db.engine import Database
from db.models import Draft, Event, Question

log = logging.getLogger(__name__)

# A brief lists five passages: with four, the sentence that supports a covered question was among
# them for 0.79 of the labelled CRS questions, with five for 0.82 (bench/briefs.py).
BRIEF_PASSAGES = 5
EDIT_MAX = 20_000


@dataclass(frozen=True, slots=True)
class ApprovedRecap:
    """An approved recap, ready to post: the ``document`` to render (the recap as drafted, or as a
    moderator rewrote it, then the moderation ledger's account)."""

    draft: Draft
    document: Document
    ledger: LedgerSummary
    # How many of the messages Discord has already been given (a post resumed after a failure).
    posted: int = 0


@dataclass(frozen=True, slots=True)
class _Written:
    writer: DraftWriter
    output: Output
    prompt_version: str
    dropped: list[dict[str, str]]
    usage: dict[str, int]
    fallback_reason: str | None


async def _write(
    model: ModelClient | None,
    by_model: Callable[[CallUsage], Awaitable[model_writer.Written]],
    by_extraction: Callable[[], Output],
    sources: Sources,
    task: str,
) -> _Written:
    """The model's draft, or the extractive one when there is no model, it fails, or it has not
    finished within its budget (so a deferred command always gets its draft in time)."""
    usage = CallUsage()
    reason = None
    if model is not None:
        try:
            async with asyncio.timeout(model.draft_budget_s) as budget:
                written = await by_model(usage)
        except (ModelUnavailable, MalformedOutput) as error:
            reason = str(error)
        except TimeoutError:
            if not budget.expired():
                raise
            reason = f"the language model did not finish within {model.draft_budget_s:g} s"
        if reason is None:
            if output_lines(written.output):
                dropped = [d.as_dict() for d in written.dropped]
                return _Written(
                    DraftWriter.MODEL, written.output, written.prompt_version, dropped, usage.as_dict(), None
                )
            reason = "none of the language model's lines cited their sources"
        log.warning("drafting falls back to the extractive writer: %s", reason)
    # The extractive writer's lines go through the same checks as a model's.
    output, dropped = check_output(by_extraction(), sources)
    return _Written(
        DraftWriter.EXTRACTIVE,
        output,
        f"extractive/{task}",
        [d.as_dict() for d in dropped],
        usage.as_dict(),
        reason,
    )


def _moderated(session: Session, event_id: int, moderator: Actor) -> Event:
    event = load_event(session, event_id)
    require_moderator(session, event.guild_id, moderator)
    return event


def _last_digest(session: Session, event_id: int, other_than: int | None) -> Draft | None:
    """The moderators' latest digest of the event (not the one being rewritten)."""
    query = select(Draft).where(Draft.event_id == event_id, Draft.kind == DraftKind.DIGEST)
    if other_than is not None:
        query = query.where(col(Draft.id) != other_than)
    return session.exec(query.order_by(col(Draft.id).desc()).limit(1)).first()


async def _event_facts(
    db: Database, event_id: int, moderator: Actor, *, kind: DraftKind, now: datetime, replaces: int | None = None
) -> EventFacts:
    def read(session: Session) -> tuple[Event, list[QuestionFact], LedgerSummary, int, Draft | None]:
        event = _moderated(session, event_id, moderator)
        waiting = session.exec(
            select(sa.func.count()).where(
                Question.event_id == event_id, Question.status == QuestionStatus.PENDING_REVIEW
            )
        ).one()
        earlier = _last_digest(session, event_id, replaces) if kind is DraftKind.DIGEST else None
        return event, drafted_questions(session, event_id), ledger_summary(session, event), waiting, earlier

    event, drafted, summary, waiting, earlier = await db.read(read)
    questions = [question for question in drafted if question.instruction is None]
    questions = await asyncio.to_thread(shown_themes, questions)
    since = None
    if earlier is not None:
        minutes = max(0, int((now - earlier.created_at).total_seconds() // 60))
        since = changes_since(earlier.inputs.get("facts", {}), questions, minutes)
    index = await report_index(db, event_id)
    themes, passages = await asyncio.to_thread(with_passages, index, questions, group_themes(questions))
    unanswered = [q for q in questions if q.status != "answered"][:UNANSWERED_SHOWN]
    found = await asyncio.to_thread(pointers, index, unanswered)
    # The pointers' passages are sources too: the open questions' bullets cite them.
    known = {p.citation for p in passages}
    passages += [PassageFact(p.citation, p.heading, p.excerpt) for p in found.values() if p.citation not in known]
    return EventFacts(
        event_id=event_id,
        title=event.title,
        questions=questions,
        themes=themes,
        ledger=summary,
        passages=passages,
        report_urls=report_urls(index),
        flagged=[question for question in drafted if question.instruction is not None],
        pointers=found,
        waiting_review=waiting,
        since=since,
    )


async def _brief_facts(db: Database, question_id: int, moderator: Actor) -> BriefFacts:
    def read(session: Session) -> tuple[Event, Question]:
        question = load_question(session, question_id)
        return _moderated(session, question.event_id, moderator), question

    event, question = await db.read(read)
    index = await report_index(db, event.id)
    return BriefFacts(
        event_id=event.id,
        title=event.title,
        question=question_fact(question),
        hits=index.search(question.text, BRIEF_PASSAGES) if index else [],
        report_urls=report_urls(index),
        has_report=index is not None,
    )


def _store(
    session: Session,
    *,
    kind: DraftKind,
    event_id: int,
    moderator: Actor,
    facts: EventFacts | BriefFacts,
    written: _Written,
    model: ModelClient | None,
    document: Document,
    now: datetime,
    question_id: int | None = None,
    replaces: int | None = None,
) -> Draft:
    sources = facts.sources()
    draft = Draft(
        event_id=event_id,
        kind=kind,
        question_id=question_id,
        writer=written.writer,
        model=model.model if model and written.writer is DraftWriter.MODEL else None,
        prompt_version=written.prompt_version,
        fallback_reason=written.fallback_reason,
        inputs={"facts": asdict(facts), "sources": {"ids": sorted(sources.ids), "urls": sorted(sources.urls)}},
        output=written.output.model_dump(),
        dropped=written.dropped,
        usage=written.usage,
        document=document.as_dict(),
        generated_text=markdown.render(document),
        text=markdown.render(document),
        replaces=replaces,
        created_by=moderator.user_id,
        created_at=now,
    )
    session.add(draft)
    session.flush()
    return draft


def _footer(written: _Written, model: ModelClient | None) -> str:
    return label(written.writer, model.model if model else None, len(held_back(written.dropped)))


async def brief_question(
    db: Database,
    question_id: int,
    moderator: Actor,
    *,
    model: ModelClient | None = None,
    fresh: bool = False,
    replaces: int | None = None,
    now: datetime | None = None,
) -> Draft:
    """A brief for the moderators on one question: the report passages it touches and whether the
    report covers it, challenges it or is silent. The verdict becomes the question's triage tag."""
    now = now or utcnow()
    facts = await _brief_facts(db, question_id, moderator)
    written = await _write(
        # An instruction to a model is not put in front of one: the extractive brief says what it is.
        model if facts.question.instruction is None else None,
        lambda usage: model_writer.write_brief(db, model, facts, usage, fresh=fresh),  # type: ignore[arg-type]
        lambda: extractive.write_brief(facts),
        facts.sources(),
        "brief",
    )
    output = BriefOutput.model_validate(written.output.model_dump())
    document = render_brief(facts, output, _footer(written, model))

    def store(session: Session) -> Draft:
        question = load_question(session, question_id)
        draft = _store(
            session,
            kind=DraftKind.BRIEF,
            event_id=facts.event_id,
            moderator=moderator,
            facts=facts,
            written=written,
            model=model,
            document=document,
            now=now,
            question_id=question_id,
            replaces=replaces,
        )
        in_lines = {ident for line in output.lines for ident in cited_ids(line)}
        cited = [hit.citation for hit in facts.hits if hit.citation in in_lines]
        store_brief_verdict(session, question, output.verdict, cited, now)
        return draft

    return await db.write(store)


async def _event_draft(
    db: Database,
    kind: DraftKind,
    event_id: int,
    moderator: Actor,
    *,
    model: ModelClient | None = None,
    fresh: bool = False,
    replaces: int | None = None,
    now: datetime | None = None,
) -> Draft:
    now = now or utcnow()
    facts = await _event_facts(db, event_id, moderator, kind=kind, now=now, replaces=replaces)
    if kind is DraftKind.DIGEST:
        by_model, by_extraction, shape, render = (
            model_writer.write_digest,
            extractive.write_digest,
            DigestOutput,
            render_digest,
        )
    else:
        by_model, by_extraction, shape, render = (
            model_writer.write_recap,
            extractive.write_recap,
            RecapOutput,
            render_recap,
        )
    written = await _write(
        model,
        lambda usage: by_model(db, model, facts, usage, fresh=fresh),  # type: ignore[arg-type]
        lambda: by_extraction(facts),
        facts.sources(),
        kind.value,
    )
    document = render(facts, shape.model_validate(written.output.model_dump()), _footer(written, model))

    def store(session: Session) -> Draft:
        return _store(
            session,
            kind=kind,
            event_id=event_id,
            moderator=moderator,
            facts=facts,
            written=written,
            model=model,
            document=document,
            now=now,
            replaces=replaces,
        )

    return await db.write(store)


class Writing(TypedDict, total=False):
    """How a draft is written: by ``model`` if one is given (else extractively), ``fresh`` past
    the model's cache, as of ``now``."""

    model: ModelClient | None
    fresh: bool
    now: datetime | None


async def draft_digest(db: Database, event_id: int, moderator: Actor, **writing: Unpack[Writing]) -> Draft:
    """A digest for the moderators: the audience's themes so far, with representative questions
    and the report passages they touch."""
    return await _event_draft(db, DraftKind.DIGEST, event_id, moderator, **writing)


async def draft_recap(db: Database, event_id: int, moderator: Actor, **writing: Unpack[Writing]) -> Draft:
    """A recap to post after the event once a moderator approves it: what was asked, what was
    answered, the top questions left unanswered, the key themes, each line citing its sources."""
    return await _event_draft(db, DraftKind.RECAP, event_id, moderator, **writing)


def _open_draft(session: Session, draft_id: int, moderator: Actor, *, for_update: bool = False) -> tuple[Draft, Event]:
    draft = session.get(Draft, draft_id, with_for_update=for_update)
    if draft is None:
        raise NotFound(f"There is no draft #{draft_id}.")
    return draft, _moderated(session, draft.event_id, moderator)


async def get_draft(db: Database, draft_id: int, moderator: Actor) -> Draft:
    """One draft, for a moderator of its event."""
    return (await db.read(_open_draft, draft_id, moderator))[0]


async def regenerate_draft(
    db: Database,
    draft_id: int,
    moderator: Actor,
    *,
    model: ModelClient | None = None,
    now: datetime | None = None,
) -> Draft:
    """Write the draft again from fresh facts, bypassing the model's cache; the old one is
    marked superseded and the new one says which it replaces."""
    draft = await get_draft(db, draft_id, moderator)
    if draft.status is not DraftStatus.DRAFT:
        raise InvalidTransition(f"Draft #{draft_id} is {draft.status.value}; only a draft can be written again.")
    if draft.kind is DraftKind.BRIEF and draft.question_id is not None:
        new = await brief_question(
            db, draft.question_id, moderator, model=model, fresh=True, replaces=draft_id, now=now
        )
    elif draft.kind is DraftKind.BRIEF:
        raise InvalidTransition(f"The question of draft #{draft_id} no longer exists.")
    else:
        new = await _event_draft(
            db, draft.kind, draft.event_id, moderator, model=model, fresh=True, replaces=draft_id, now=now
        )

    def supersede(session: Session) -> None:
        old, _ = _open_draft(session, draft_id, moderator, for_update=True)
        if old.status is DraftStatus.DRAFT:
            old.status = DraftStatus.SUPERSEDED
            session.add(old)

    await db.write(supersede)
    return new


def _recap_for_decision(session: Session, draft_id: int, moderator: Actor) -> tuple[Draft, Event]:
    draft, event = _open_draft(session, draft_id, moderator, for_update=True)
    if draft.kind is not DraftKind.RECAP:
        raise InvalidTransition(f"Draft #{draft_id} is a {draft.kind.value}; only recaps are posted.")
    if draft.status is not DraftStatus.DRAFT:
        raise InvalidTransition(f"Recap #{draft_id} is {draft.status.value}; it can no longer change.")
    return draft, event


def _check_edit(text: str, draft: Draft) -> str:
    text = text.strip()
    if not text:
        raise InvalidInput("The recap is empty. Write the recap you would like to post.")
    if len(text) > EDIT_MAX:
        raise InvalidInput(f"Recaps can be at most {EDIT_MAX:,} characters; this one has {len(text):,}.")
    if MENTION.search(text):
        raise InvalidInput(
            "Recaps cannot mention people, roles or channels (@everyone, @here, <@…>). Remove the mention."
        )
    known = set(draft.inputs["sources"]["ids"])
    # Questions are cited as on the board (#12); the bracketed ids of earlier drafts still count.
    unknown = sorted({*cited_ids(text), *(f"Q{n}" for n in re.findall(r"(?<![\w&])#(\d+)", text))} - known)
    if unknown:
        raise InvalidInput(
            f"The recap cites {', '.join(f'#{i[1:]}' if i.startswith('Q') else f'[{i}]' for i in unknown)}, "
            "which this recap was not written from. "
            "Cite only the questions and passages it lists."
        )
    return text


async def edit_recap(db: Database, draft_id: int, moderator: Actor, text: str, *, now: datetime | None = None) -> Draft:
    """Replace a recap's text with the moderator's wording (the generated text is kept). Every
    citation must still resolve, and mentions are refused; links are the moderator's to add."""
    now = now or utcnow()

    def edit(session: Session) -> Draft:
        draft, event = _recap_for_decision(session, draft_id, moderator)
        draft.text = _check_edit(text, draft)
        draft.edited_by = moderator.user_id
        session.add(draft)
        record(
            session,
            guild_id=event.guild_id,
            event_id=event.id,
            actor=moderator,
            action=LedgerAction.RECAP_EDIT,
            at=now,
            note=f"recap #{draft_id}",
        )
        return draft

    return await db.write(edit)


async def approve_recap(db: Database, draft_id: int, moderator: Actor, *, now: datetime | None = None) -> ApprovedRecap:
    """Approve a recap for posting, once the event has closed: returns the document to post (as
    drafted, or as a moderator rewrote it), ending with the moderation ledger's account.

    A recap approved but not all posted (Discord refused, or the bot stopped halfway) may be
    approved again: the same document comes back, with how many of its messages are out already,
    so posting resumes where it stopped, keeping every edit, and nothing is posted twice.
    """
    now = now or utcnow()

    def approve(session: Session) -> ApprovedRecap:
        draft, event = _open_draft(session, draft_id, moderator, for_update=True)
        summary = ledger_summary(session, event)
        if draft.kind is DraftKind.RECAP and draft.status is DraftStatus.APPROVED and draft.approved_document:
            if draft.posted_at is not None:
                raise InvalidTransition(f"Recap #{draft_id} is posted already.")
            approved = Document.from_dict(draft.approved_document)
            return ApprovedRecap(draft, approved, summary, posted=draft.posted_parts)
        draft, event = _recap_for_decision(session, draft_id, moderator)
        if event.state not in (EventState.CLOSED, EventState.ARCHIVED):
            raise InvalidTransition("A recap can be posted once the event has closed.")
        draft.status, draft.approved_by, draft.approved_at = DraftStatus.APPROVED, moderator.user_id, now
        session.add(draft)
        record(
            session,
            guild_id=event.guild_id,
            event_id=event.id,
            actor=moderator,
            action=LedgerAction.RECAP_APPROVE,
            at=now,
            note=f"recap #{draft_id}",
        )
        drafted = Document.from_dict(draft.document)
        body = drafted if draft.edited_by is None and drafted.blocks else Document((markup(draft.text),))
        document = body + render_ledger(summary)
        # Kept as approved, so a post cut short resumes with the very same messages.
        draft.approved_document = document.as_dict()
        return ApprovedRecap(draft=draft, document=document, ledger=summary)

    return await db.write(approve)


async def recap_posted(db: Database, draft_id: int, parts: int, *, complete: bool, now: datetime | None = None) -> None:
    """Remember that the first ``parts`` messages of an approved recap are posted (all of them,
    when ``complete``), so that posting it again resumes after them."""
    now = now or utcnow()

    def remember(session: Session) -> None:
        draft = session.get(Draft, draft_id, with_for_update=True)
        if draft is None:
            raise NotFound(f"There is no draft #{draft_id}.")
        draft.posted_parts = max(draft.posted_parts, parts)
        if complete:
            draft.posted_at = now
        session.add(draft)

    await db.write(remember)
