"""Suggest before submit: a member typing a question already asked is offered the existing one."""

from bot.domain.enums import QuestionStatus, ReasonCode
from bot.services.qa import moderation
from bot.services.qa.questions import submit_question
from bot.services.qa.votes import cast_vote
from bot.services.sense.dedup import suggest_similar
from bot.services.sense.hybrid import HybridBackend
from bot.services.sense.merges import merge_questions
from bot.services.sense.similarity import SimilarityIndex
from tests.factories import RENT_CAP, make_event, member
from tests.factories import ask_similar as ask


async def test_a_draft_repeating_a_question_is_offered_it_with_its_votes(db, event, index):
    asked = await ask(db, event, 1, RENT_CAP, index)
    await ask(db, event, 2, "When will the new homes be built?", index)
    for n in (10, 11):
        await cast_vote(db, asked.id, member(n))
    [suggestion] = await suggest_similar(db, index, event.id, "how will the rent cap be funded")
    assert (suggestion.question_id, suggestion.text, suggestion.votes_up, suggestion.score) == (
        asked.id,
        RENT_CAP,
        2,
        2,
    )
    assert suggestion.similarity >= index.suggest_threshold


async def test_the_member_can_still_send_theirs_and_moderators_see_the_link(db, event, index):
    asked = await ask(db, event, 1, RENT_CAP, index)
    draft = "How will the rent cap be funded??"
    assert [s.question_id for s in await suggest_similar(db, index, event.id, draft)] == [asked.id]
    sent = await ask(db, event, 2, draft, index)
    assert sent.status is QuestionStatus.PUBLISHED
    assert sent.similar_to == asked.id


async def test_a_new_subject_gets_no_suggestion(db, event, index):
    await ask(db, event, 1, RENT_CAP, index)
    assert await suggest_similar(db, index, event.id, "Will the minister resign over the delays?") == []
    assert await suggest_similar(db, index, event.id, "  \u200b ") == []


async def test_suggestions_only_come_from_the_same_event(db, event, index, moderator):
    await ask(db, event, 1, RENT_CAP, index)
    other_event = await make_event(db, moderator)
    assert await suggest_similar(db, index, other_event.id, RENT_CAP) == []


async def test_questions_out_of_public_view_are_never_suggested(db, moderator, index):
    premoderated = await make_event(db, moderator, premoderation=True)
    waiting = await ask(db, premoderated, 1, RENT_CAP, index)
    assert await suggest_similar(db, index, premoderated.id, RENT_CAP) == []
    await moderation.approve_question(db, waiting.id, moderator)
    assert len(await suggest_similar(db, index, premoderated.id, RENT_CAP)) == 1
    await moderation.set_aside_question(db, waiting.id, moderator, ReasonCode.OFF_TOPIC)
    assert await suggest_similar(db, index, premoderated.id, RENT_CAP) == []


async def test_an_answered_question_is_still_suggested(db, event, index, moderator):
    asked = await ask(db, event, 1, RENT_CAP, index)
    await moderation.mark_answered(db, asked.id, moderator)
    [suggestion] = await suggest_similar(db, index, event.id, RENT_CAP)
    assert suggestion.status is QuestionStatus.ANSWERED


async def test_a_merged_question_stands_for_the_one_it_was_merged_into(db, event, index, moderator):
    kept = await ask(db, event, 1, "Who pays for the rent cap in the report?", index)
    repeat = await ask(db, event, 2, RENT_CAP, index)
    await merge_questions(db, repeat.id, kept.id, moderator)
    suggestions = await suggest_similar(db, index, event.id, RENT_CAP)
    assert [s.question_id for s in suggestions] == [kept.id]


async def test_suggestions_come_most_similar_first_up_to_the_limit(db, moderator, index):
    event = await make_event(db, moderator, rate_limit_count=10)
    texts = [RENT_CAP, "How will the rent cap be funded ?", "How will the rent cap be funded, then?"]
    asked = [await ask(db, event, n, text, index) for n, text in enumerate(texts)]
    suggestions = await suggest_similar(db, index, event.id, RENT_CAP, limit=2)
    assert [s.question_id for s in suggestions] == [asked[0].id, asked[1].id]
    assert suggestions[0].similarity >= suggestions[1].similarity


async def test_a_draft_differing_by_one_distinctive_word_is_not_offered(db, event, index):
    leeds = await ask(db, event, 1, "What will the rent cap be in Leeds?", index)
    await ask(db, event, 2, "When will the new homes be built?", index)
    draft = "What will the rent cap be in Bristol?"
    assert await suggest_similar(db, index, event.id, draft) == []
    # ... but moderators still see how close it is.
    assert (await ask(db, event, 3, draft, index)).similar_to == leeds.id


class CountingBackend(HybridBackend):
    """The default backend, counting the texts it encodes."""

    def __init__(self) -> None:
        super().__init__()
        self.encoded: list[str] = []

    def encode(self, texts):
        self.encoded.extend(texts)
        return super().encode(texts)


async def test_an_ask_is_encoded_once_for_its_suggestion_and_its_link(db, event):
    backend = CountingBackend()
    index = SimilarityIndex(backend)
    asked = await submit_question(db, event.id, member(1), RENT_CAP, similar=index)
    draft = "How will the rent cap be funded??"
    before = len(backend.encoded)
    [suggestion] = await suggest_similar(db, index, event.id, draft)
    sent = await submit_question(db, event.id, member(2), draft, similar=index)
    assert len(backend.encoded) == before + 1, "the suggestion's vector is the one the question is sent with"
    assert (suggestion.question_id, sent.similar_to) == (asked.id, asked.id)
    # The event changed (the draft was indexed as it was sent): the same text looked up again is
    # not encoded again, but scored again, against the questions now there.
    again = await suggest_similar(db, index, event.id, draft)
    assert sent.id in {s.question_id for s in again}
    assert len(backend.encoded) == before + 1
