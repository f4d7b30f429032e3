"""The obedient adversary: a model that does whatever the text in its prompt tells it to. With
prompt injections submitted as questions, no link, mention or uncited claim from the attack
reaches a draft's text; the attack's words appear only quoted, as the question they were."""

import re

import pytest

from bot.domain.enums import DraftWriter
from bot.llm.validate import LINK, MENTION
from bot.services.drafts import drafting
from bot.services.qa.events import close_event
from bot.services.qa.moderation import mark_answered
from bot.services.qa.votes import cast_vote
from bot.services.reports.report import add_report
from tests.factories import ask_questions, member
from tests.harness.cited import resolves
from tests.harness.documents import HOUSING_MD
from tests.harness.models import ATTACKS, CLAIMS, inventive_adversary, obedient_adversary
from tests.harness.openai_server import answer

LEGIT = [
    "Do rent caps reduce mobility for sitting tenants?",
    "How fast does zoning reform near transit lower rents?",
]


@pytest.fixture
async def attacked(db, event, moderator):
    await add_report(db, event.id, moderator, "housing.md", HOUSING_MD.encode())
    legit = await ask_questions(db, event, LEGIT)
    attacks = await ask_questions(db, event, ATTACKS, first_member=10)
    for n, question in enumerate(attacks):
        await cast_vote(db, question.id, member(100 + n))  # the attacks are the most voted
    return legit, attacks


def assert_attack_contained(draft, attack_ids):
    assert not MENTION.search(draft.text), draft.text
    assert LINK.findall(draft.text) == [], draft.text
    assert resolves(draft)
    for line in draft.text.splitlines():
        claims = [claim for claim in CLAIMS if claim in line]
        if claims:
            # Only as a question quoted under its own number, never as something the draft says.
            quoted = re.fullmatch(r"- “[^”]*” #(\d+)(?: \([+-]\d+\))?(?:, [^“”]*)?", line)
            assert quoted, line
            assert f"Q{quoted.group(1)}" in attack_ids, line


async def test_an_instruction_asked_as_a_question_is_flagged_and_never_reaches_the_model(
    db, attacked, moderator, serve_model
):
    legit, attacks = attacked
    server, model = serve_model(answer(obedient_adversary))
    for question in attacks:
        brief = await drafting.brief_question(db, question.id, moderator, model=model)
        assert brief.writer is DraftWriter.EXTRACTIVE
        assert "reads as an instruction to a language model" in brief.text
        assert_attack_contained(brief, {f"Q{q.id}" for q in attacks})
    assert server.requests == [], "no instruction was put in front of the model"
    brief = await drafting.brief_question(db, legit[0].id, moderator, model=model)
    assert brief.writer is DraftWriter.MODEL
    assert_attack_contained(brief, {f"Q{q.id}" for q in attacks})


@pytest.mark.parametrize("kind", ["digest", "recap"])
async def test_the_obedient_adversary_cannot_reach_a_digest_or_recap(db, attacked, moderator, event, serve_model, kind):
    legit, attacks = attacked
    await mark_answered(db, legit[0].id, moderator)
    await close_event(db, event.id, moderator)
    server, model = serve_model(answer(obedient_adversary))
    draft = await (drafting.draft_digest if kind == "digest" else drafting.draft_recap)(
        db, event.id, moderator, model=model
    )
    assert draft.writer is DraftWriter.MODEL
    assert_attack_contained(draft, {f"Q{q.id}" for q in attacks})
    prompts = "".join(request["messages"][-1]["content"] for request in server.requests)
    assert not any(attack.split()[0] in prompts for attack in ATTACKS if attack.split()[0] != "⟦/⟧")
    assert draft.inputs["facts"]["flagged"], "the attacks are flagged for the moderators"


@pytest.mark.parametrize("kind", ["digest", "recap"])
async def test_invented_figures_names_and_quotations_never_reach_the_draft(
    db, attacked, moderator, event, serve_model, kind
):
    legit, _ = attacked
    await mark_answered(db, legit[0].id, moderator)
    await close_event(db, event.id, moderator)
    _, model = serve_model(answer(inventive_adversary))
    draft = await (drafting.draft_digest if kind == "digest" else drafting.draft_recap)(
        db, event.id, moderator, model=model
    )
    assert draft.writer is DraftWriter.MODEL
    for invented in ("73%", "Helena Brandt", "1987", "Housing Freedom Pass"):
        assert invented not in draft.text
    held = [d for d in draft.dropped if d["reason"].startswith("unsupported: ")]
    assert {"73%", "Helena", "Brandt", "1987", "Housing Freedom Pass"} <= {
        claim for d in held for claim in d["reason"].removeprefix("unsupported: ").split(" (")[0].split(", ")
    }
    assert "The audience asks about" in draft.text or "first concern" in draft.text, "supported lines stay"
