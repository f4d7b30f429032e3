"""The audience's actions: ask, vote, withdraw."""

from dataclasses import dataclass

from bot.domain.actors import Actor
from bot.domain.enums import QuestionStatus
from bot.flows.context import Podium
from bot.services.qa.questions import Forwarded, submit_question, withdraw_question
from bot.services.qa.routing import event_channels
from bot.services.qa.votes import VoteTally, toggle_vote
from bot.services.sense.dedup import Suggestion, suggest_similar
from db.models import Question


@dataclass(frozen=True, slots=True)
class Offered:
    """The question was not sent: it seems to repeat these, which the member may upvote instead."""

    suggestions: list[Suggestion]


async def ask(
    podium: Podium,
    event_id: int,
    member: Actor,
    text: str,
    *,
    anonymous: bool = False,
    author: Actor | None = None,
    forwarded: Forwarded | None = None,
    confirmed: bool = False,
) -> Question | Offered:
    """Submit a question and show it where it belongs: to the audience, or to the moderators for review.

    Unless ``confirmed``, a question that repeats one already asked is not sent: the member is
    offered the existing ones instead (``Offered``), and can still send theirs. ``author`` and
    ``forwarded`` are set when ``member`` forwards someone else's message: the question is
    credited to the author, and the service checks the forwarder (see ``submit_question``).
    """
    if not confirmed:
        suggestions = await suggest_similar(podium.db, podium.similar, event_id, text)
        if suggestions:
            return Offered(suggestions)
    question = await submit_question(
        podium.db,
        event_id,
        author or member,
        text,
        anonymous=anonymous,
        forwarded=forwarded,
        similar=podium.similar,
    )
    if question.status is QuestionStatus.PUBLISHED:
        await podium.publisher.publish(question)
    else:
        channel_id = (await event_channels(podium.db, event_id)).moderators
        if channel_id is not None:
            await podium.publisher.request_review(channel_id, question)
    return question


async def vote(podium: Podium, question_id: int, member: Actor, value: int) -> VoteTally:
    """Cast the member's vote (+1 or -1), or take it back if they cast the same one before.

    The caller shows the new counts: on Discord a click on the card is answered by redrawing the
    card itself, which must happen before any other redraw is scheduled (``CardBoard.answer_vote``);
    elsewhere the caller reports ``Publisher.question_changed(..., votes_only=True)``.
    """
    return await toggle_vote(podium.db, question_id, member, value)


async def withdraw(podium: Podium, question_id: int, member: Actor) -> Question:
    """The asker takes their question back; its public face says so."""
    question = await withdraw_question(podium.db, question_id, member)
    podium.publisher.question_changed(question_id)
    return question
