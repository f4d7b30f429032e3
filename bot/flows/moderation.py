"""The moderators' decisions on questions, each followed by what the audience sees change."""

import dataclasses
from datetime import datetime

from bot.domain.actors import Actor
from bot.domain.enums import QuestionStatus, ReasonCode
from bot.domain.transitions import Decision
from bot.flows.context import Podium
from bot.services.qa import moderation
from bot.services.qa.moderation import AfterLive, LiveChange
from bot.services.qa.routing import event_channels
from bot.services.sense.merges import Merge, merge_questions, unmerge_question
from bot.services.surfaces.notices import News
from db.models import Question


async def decide(
    podium: Podium,
    decision: Decision,
    question_id: int,
    moderator: Actor,
    *,
    reason: ReasonCode | None = None,
    note: str | None = None,
    text: str | None = None,
    now: datetime | None = None,
) -> Question:
    """Take one of the decisions that change only the question itself (approve, set aside with a
    ``reason``, restore, pin, unpin, answer, edit to ``text``)."""
    db = podium.db
    match decision:
        case Decision.APPROVE:
            question = await moderation.approve_question(db, question_id, moderator, now=now)
        case Decision.SET_ASIDE:
            question = await moderation.set_aside_question(
                db, question_id, moderator, reason or ReasonCode.OTHER, note=note, now=now
            )
        case Decision.RESTORE:
            question = await moderation.restore_question(db, question_id, moderator, now=now)
        case Decision.PIN | Decision.UNPIN:
            pinned = decision is Decision.PIN
            question = await moderation.pin_question(db, question_id, moderator, pinned=pinned, now=now)
        case Decision.ANSWER:
            question = await moderation.mark_answered(db, question_id, moderator, now=now)
        case Decision.EDIT:
            question = await moderation.edit_question(db, question_id, moderator, text or "", now=now)
        case _:
            raise ValueError(f"{decision} has a flow of its own")
    podium.publisher.question_changed(question_id)
    if (news := _NEWS.get(decision)) is not None:
        podium.publisher.notify(question_id, news)
    return question


# The decisions an asker is told about (by DM, if they allow it).
_NEWS = {
    Decision.APPROVE: News.PUBLISHED,
    Decision.SET_ASIDE: News.SET_ASIDE,
    Decision.ANSWER: News.ANSWERED,
}


async def take_live(podium: Podium, question_id: int, moderator: Actor) -> LiveChange:
    """Make the question the one being answered now, and say so in the event's channel (and in
    its Stage's topic, when the panel speaks in a Stage)."""
    return await _announce(podium, await moderation.mark_live(podium.db, question_id, moderator))


async def take_next(podium: Podium, event_id: int, moderator: Actor, *, previous: AfterLive) -> LiveChange:
    """Take the top of the queue live; the question answered until now is handled as ``previous`` says."""
    return await _announce(podium, await moderation.take_next(podium.db, event_id, moderator, previous=previous))


async def answer_live(podium: Podium, event_id: int, moderator: Actor) -> Question:
    """Mark the question being answered now as answered."""
    question = await moderation.answer_live(podium.db, event_id, moderator)
    podium.publisher.question_changed(question.id or 0)
    podium.publisher.notify(question.id or 0, News.ANSWERED)
    return question


async def merge(podium: Podium, question_id: int, into_id: int, moderator: Actor) -> Merge:
    """Merge a repeat into the question it repeats: votes united, every asker credited."""
    merged = await merge_questions(podium.db, question_id, into_id, moderator)
    podium.publisher.question_changed(question_id)
    podium.publisher.question_changed(into_id)
    podium.publisher.notify(question_id, News.MERGED)
    return merged


async def unmerge(podium: Podium, question_id: int, moderator: Actor) -> Merge:
    """Put a merged question and the one it was merged into back exactly as they were."""
    undone = await unmerge_question(podium.db, question_id, moderator)
    podium.publisher.question_changed(question_id)
    podium.publisher.question_changed(undone.into.id or 0)
    return undone


async def _announce(podium: Podium, change: LiveChange) -> LiveChange:
    podium.publisher.question_changed(change.live.id or 0)
    podium.publisher.notify(change.live.id or 0, News.LIVE)
    if change.previous is not None:
        podium.publisher.question_changed(change.previous.id or 0)
        if change.previous.status is QuestionStatus.ANSWERED:
            podium.publisher.notify(change.previous.id or 0, News.ANSWERED)
    channel_id = (await event_channels(podium.db, change.live.event_id)).questions
    if channel_id is not None:
        await podium.publisher.announce_live(channel_id, change.live)
    note = await podium.publisher.show_on_stage(change.live)
    return dataclasses.replace(change, note=note) if note else change
