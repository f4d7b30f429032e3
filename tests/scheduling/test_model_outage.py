"""The event's clock with the language model down: the scheduled digest and recap still reach the
moderators, drafted by the extractive writer, which says why."""

from sqlmodel import select

from bot.domain.enums import DraftKind, DraftWriter, EventState
from bot.services.qa.events import get_event
from bot.services.qa.questions import submit_question
from db.models import Draft
from tests.factories import member
from tests.harness.openai_server import Replies, Reply
from tests.scheduling.conftest import MODERATORS_CHANNEL_ID, running_clock, scheduled_event, set_up_guild, until


async def test_with_the_model_down_the_clock_still_delivers_the_digest_and_the_recap(db, publisher, serve_model):
    server, model = serve_model(Replies(Reply(status=500)), llm_max_retries=1)
    await set_up_guild(db)
    async with running_clock(db, publisher, model=model) as clock:
        event = await scheduled_event(db, starts_in=0.5, lasts=1.5)
        await clock.follow(event)

        async def is_open() -> bool:
            return (await get_event(db, event.id)).state is EventState.OPEN

        await until(is_open)
        await submit_question(db, event.id, member(1), "Will the report's targets be binding on councils?")
        await until(lambda: publisher.messages(MODERATORS_CHANNEL_ID, "**Recap**"), within_s=15)

    [digest] = publisher.messages(MODERATORS_CHANNEL_ID, "**Digest**")
    [recap] = publisher.messages(MODERATORS_CHANNEL_ID, "**Recap**")
    for delivered in (digest, recap):
        assert "Assembled by Podium from the questions and the report, without a language model." in delivered.text
    drafts = await db.read(lambda session: session.exec(select(Draft).where(Draft.event_id == event.id)).all())
    assert sorted(draft.kind for draft in drafts) == [DraftKind.DIGEST, DraftKind.RECAP]
    for draft in drafts:
        assert draft.writer is DraftWriter.EXTRACTIVE
        assert "answered with an error (500)" in draft.fallback_reason
    assert server.requests, "the model was asked first"
