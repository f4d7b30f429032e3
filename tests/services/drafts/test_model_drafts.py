"""Drafts written by a language model, against a scripted OpenAI-compatible server on 127.0.0.1:
good answers, malformed JSON, timeouts, rate limits, server errors, invented citations, injected
links and mentions, the cache, the event's token budget, and map-reduce for large events."""

import json

import pytest

from bot.domain.enums import DraftWriter
from bot.llm.validate import LINK, MENTION
from bot.services.drafts import drafting
from bot.services.drafts.model_calls import event_usage
from bot.services.reports.report import add_report
from bot.services.sense.theme_naming import name_theme
from tests.factories import ask_questions
from tests.harness.cited import resolves
from tests.harness.documents import HOUSING_MD
from tests.harness.models import diligent, given, task
from tests.harness.openai_server import Replies, Reply, answer

QUESTIONS = [
    "Do rent caps reduce mobility for sitting tenants?",
    "How fast does zoning reform near transit lower rents?",
    "Will the city fund more bus lanes?",
]


@pytest.fixture
async def asked(db, event, moderator):
    await add_report(db, event.id, moderator, "housing.md", HOUSING_MD.encode())
    return await ask_questions(db, event, QUESTIONS)


async def test_a_model_writes_the_brief_and_the_draft_records_how(db, asked, moderator, serve_model):
    server, model = serve_model(answer(diligent))
    brief = await drafting.brief_question(db, asked[0].id, moderator, model=model)
    assert (brief.writer, brief.model, brief.prompt_version) == (
        DraftWriter.MODEL,
        "podium-test-model",
        "system/1+brief/1",
    )
    assert f"- The report discusses this #{asked[0].id} (§1.1, 1.1 Rent caps)." in brief.text
    assert "language model (podium-test-model)" in brief.text
    assert brief.usage["calls"] == 1
    assert brief.usage["prompt_tokens"] > 0
    prompt = server.requests[0]["messages"][1]["content"]
    # The question and the passages enter the prompt marked as data.
    assert "Do\u02c6rent\u02c6caps\u02c6reduce" in prompt
    assert "⟦§1.1⟧" in prompt
    usage = await event_usage(db, asked[0].event_id)
    assert (usage.calls, usage.prompt_tokens) == (1, brief.usage["prompt_tokens"])


async def test_a_digest_maps_over_the_questions_then_writes_from_the_notes(db, asked, moderator, event, serve_model):
    server, model = serve_model(answer(diligent))
    digest = await drafting.draft_digest(db, event.id, moderator, model=model)
    assert [task(request) for request in server.requests] == ["notes", "digest"]
    assert digest.writer is DraftWriter.MODEL
    assert digest.prompt_version == "system/1+notes/1+digest/1"
    # The model's words follow the counts the code computed.
    counts = "3 questions on the board, 0 answered, 3 waiting."
    assert digest.text.split("\n\n")[1].startswith(f"{counts} The audience's first concern is")
    assert resolves(digest)


async def test_a_recap_by_the_model_keeps_the_facts_the_code_computed(db, asked, moderator, event, serve_model):
    _, model = serve_model(answer(diligent))
    recap = await drafting.draft_recap(db, event.id, moderator, model=model)
    assert recap.writer is DraftWriter.MODEL
    assert "**Left open (3), and what the report says**" in recap.text
    assert f"- “{QUESTIONS[0]}” #{asked[0].id}" in recap.text
    assert resolves(recap)


@pytest.mark.parametrize(
    ("replies", "reason"),
    [
        ((Reply(content="Sure! The digest: {overview: [rent]"),), "not the JSON asked for"),
        ((Reply(content=json.dumps({"themes": "not a list"})),), "not the JSON asked for"),
        ((Reply(content="{}", delay=1.0),), "did not answer in time"),
        ((Reply(status=500),), "answered with an error (500)"),
        ((Reply(status=401),), "answered with an error (401)"),
    ],
    ids=["malformed-json", "wrong-shape", "timeout", "server-error", "refused"],
)
async def test_when_the_model_fails_the_extractive_writer_steps_in_and_says_why(
    db, asked, moderator, event, serve_model, replies, reason
):
    _, model = serve_model(Replies(*replies), llm_timeout_s=0.2, llm_max_retries=1)
    digest = await drafting.draft_digest(db, event.id, moderator, model=model)
    assert digest.writer is DraftWriter.EXTRACTIVE
    assert reason in digest.fallback_reason
    assert "Assembled by Podium from the questions and the report, without a language model." in digest.text
    assert resolves(digest)


async def test_a_rate_limited_call_is_retried_and_the_model_still_writes(db, asked, moderator, serve_model):
    server, model = serve_model(Replies(Reply(status=429), Reply(content=diligent_brief(asked))))
    brief = await drafting.brief_question(db, asked[0].id, moderator, model=model)
    assert brief.writer is DraftWriter.MODEL
    assert len(server.requests) == 2


def diligent_brief(asked):
    return json.dumps(
        {"verdict": "challenges", "lines": [f"The report questions this premise [§1.1][Q{asked[0].id}]."]}
    )


async def test_invented_citations_are_removed_and_recorded(db, asked, moderator, serve_model):
    q = f"Q{asked[0].id}"
    lines = [f"Caps cut mobility [§1.1][{q}][p77].", "The report endorses caps [Q999].", f"Fine [{q}]."]
    _, model = serve_model(answer(lambda request: json.dumps({"verdict": "covers", "lines": lines})))
    brief = await drafting.brief_question(db, asked[0].id, moderator, model=model)
    assert f"- Caps cut mobility #{asked[0].id} (§1.1, 1.1 Rent caps)." in brief.text
    assert "endorses" not in brief.text
    assert "77" not in brief.text
    assert "999" not in brief.text
    assert "1 line failed and was held back" in brief.text, "the repaired line is not counted"
    assert [d["reason"] for d in brief.dropped] == [
        "removed citations of p77, not in its input",
        "cites Q999, not in its input",
    ]


async def test_injected_links_and_mentions_are_dropped_and_recorded(db, asked, moderator, serve_model):
    q = f"Q{asked[0].id}"
    lines = [
        f"Read more at https://evil.example/caps [{q}].",
        f"@everyone the report covers this [{q}].",
        f"Ask <@&123456789012345678> or <#42> [{q}].",
        f"The data is at https://example.org/housing-data [§1][{q}].",
    ]
    _, model = serve_model(answer(lambda request: json.dumps({"verdict": "covers", "lines": lines})))
    brief = await drafting.brief_question(db, asked[0].id, moderator, model=model)
    assert not MENTION.search(brief.text)
    # The report's own link is kept, written out but not a live link (the renderer escapes "://").
    assert LINK.findall(brief.text) == []
    assert "https\\://example.org/housing-data" in brief.text
    assert [d["reason"] for d in brief.dropped] == [
        "links to https://evil.example/caps, which is not in the report",
        "mentions someone",
        "mentions someone",
    ]


async def test_when_every_line_is_dropped_the_extractive_writer_steps_in(db, asked, moderator, serve_model):
    _, model = serve_model(answer(lambda request: json.dumps({"verdict": "covers", "lines": ["Uncited."]})))
    brief = await drafting.brief_question(db, asked[0].id, moderator, model=model)
    assert brief.writer is DraftWriter.EXTRACTIVE
    assert brief.fallback_reason == "none of the language model's lines cited their sources"


async def test_the_same_prompt_is_answered_from_the_cache_and_regenerating_asks_again(
    db, asked, moderator, event, serve_model
):
    server, model = serve_model(answer(diligent))
    first = await drafting.draft_digest(db, event.id, moderator, model=model)
    second = await drafting.draft_digest(db, event.id, moderator, model=model)
    assert len(server.requests) == 2
    assert second.usage["cached"] == 2
    assert second.usage["calls"] == 0
    assert second.output == first.output, "the model's lines, from the cache"
    assert "**Since the last digest (0 minutes ago)**" in second.text
    again = await drafting.regenerate_draft(db, second.id, moderator, model=model)
    assert len(server.requests) == 4
    assert again.usage["calls"] == 2


async def test_an_event_that_spent_its_token_budget_gets_extractive_drafts(db, asked, moderator, event, serve_model):
    # A brief's prompt is about 950 tokens here, and each call may answer with up to 1,024: the
    # first fits in 2,500 tokens, the second no longer does.
    server, model = serve_model(answer(diligent), llm_event_token_budget=2500)
    first = await drafting.brief_question(db, asked[0].id, moderator, model=model)
    assert first.writer is DraftWriter.MODEL
    second = await drafting.brief_question(db, asked[1].id, moderator, model=model)
    assert second.writer is DraftWriter.EXTRACTIVE
    assert second.fallback_reason == "this event has spent its language-model token budget"
    assert len(server.requests) == 1


async def test_a_large_event_is_read_in_batches_that_each_fit_the_context(db, event, moderator, serve_model):
    await add_report(db, event.id, moderator, "housing.md", HOUSING_MD.encode())
    await ask_questions(
        db,
        event,
        [f"Question {n}: how would rent caps and zoning reform change rents in district {n}?" for n in range(150)],
    )
    server, model = serve_model(answer(diligent), llm_context_tokens=2048, llm_max_output_tokens=256)
    digest = await drafting.draft_digest(db, event.id, moderator, model=model)
    kinds = [task(request) for request in server.requests]
    assert kinds.count("notes") >= 3
    assert kinds[-1] == "digest"
    assert max(server.prompt_tokens()) <= 2048 - 256
    seen = {ident for request in server.requests if task(request) == "notes" for ident in given(request)[0]}
    assert len(seen) == 150
    assert digest.writer is DraftWriter.MODEL
    assert resolves(digest)
    assert digest.usage["largest_prompt_tokens"] <= 2048 - 256


async def test_a_theme_is_named_by_the_model_or_else_by_its_words(db, asked, event, serve_model):
    _, model = serve_model(answer(diligent))
    ids = [q.id for q in asked[:2]]
    assert await name_theme(db, event.id, ids, model=model) == "Rent caps"
    assert await name_theme(db, event.id, ids) == "Rent", "the word both questions say (rent caps, rents)"
    _, mischief = serve_model(answer(lambda request: json.dumps({"name": "@everyone see https://evil.example"})))
    assert await name_theme(db, event.id, ids[:1], model=mischief) == "Rent caps", "its own words, not the model's"
    # A name the questions do not support is not taken: "Rent caps" for a question on bus lanes.
    bus_lanes = [asked[2].id]
    assert await name_theme(db, event.id, bus_lanes, model=model) == await name_theme(db, event.id, bus_lanes)
    assert await name_theme(db, event.id, bus_lanes) == "Bus lanes"
