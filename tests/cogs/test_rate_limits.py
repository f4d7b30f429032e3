"""Under Discord's rate limits, enforced by the fake as Discord documents them: discord.py reads
the headers and spaces the card posts and edits, so none is refused, every one arrives, and an
asker's confirmation never waits for their card."""

import pytest

from bot.services.qa.questions import get_question
from tests.cogs.steps import open_event
from tests.harness.driver import DiscordHarness
from tests.harness.fake_discord import FakeDiscord, RateLimits
from tests.harness.payloads import QA_CHANNEL_ID, audience, slash

TOPICS = [
    "rent caps in the capital",
    "social housing waiting lists",
    "student accommodation costs",
    "planning permission delays",
    "energy efficiency grants for landlords",
    "homelessness services funding",
    "first time buyer deposits",
    "rural second homes taxation",
    "construction workforce shortages",
    "leasehold reform timetable",
    "flood risk on new estates",
    "council tax revaluation",
]


def refused(fake: FakeDiscord) -> list[str]:
    return [r.route for r in fake.requests if r.status == 429]


@pytest.fixture
async def limited_bot(db):
    async with DiscordHarness(db, question_cards=True, fake=FakeDiscord(rate_limits=RateLimits())) as harness:
        yield harness


async def test_a_flurry_of_card_posts_and_edits_in_one_channel_is_never_refused(limited_bot):
    await open_event(limited_bot)
    for n, topic in enumerate(TOPICS, start=1):
        limited_bot.deliver(slash(audience(n), "ask", text=f"What will the report do about {topic}?"))
    await limited_bot.settle()
    qids = range(1, len(TOPICS) + 1)
    assert [limited_bot.card(qid)["embeds"][0]["title"] for qid in qids] == [f"Question #{qid}" for qid in qids]
    for qid in qids:
        asker = (await get_question(limited_bot.db, qid)).author_id - audience(0).user_id
        limited_bot.deliver(slash(audience(asker), "withdraw", question=qid))
    await limited_bot.settle()
    assert all("withdrawn" in limited_bot.card(qid)["embeds"][0]["description"] for qid in qids)
    posts = [r for r in limited_bot.fake.requests if r.route == f"POST /channels/{QA_CHANNEL_ID}/messages"]
    assert len(posts) > RateLimits().bucket_limit, "more posts in one channel than one window allows"
    assert refused(limited_bot.fake) == []


async def test_the_asker_hears_back_before_a_card_that_waits_for_the_channel(db):
    # One post per channel per second: the event's panel leaves the channel's bucket empty.
    fake = FakeDiscord(rate_limits=RateLimits(bucket_limit=1))
    async with DiscordHarness(db, question_cards=True, fake=fake) as bot:
        await open_event(bot)
        sent = await bot.send(slash(audience(1), "ask", text="Who pays for the new homes?"))
    routes = [r.route for r in sent]
    confirmation = next(i for i, r in enumerate(sent) if r.path.startswith("/webhooks/"))
    card = routes.index(f"POST /channels/{QA_CHANNEL_ID}/messages")
    assert "Question #1" in sent[confirmation].json["content"]
    assert confirmation < card
    assert refused(fake) == []
