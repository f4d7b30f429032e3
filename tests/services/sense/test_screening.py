"""Abuse screening: the offensive-language classifier holds a question for review, with why."""

import pytest

from bot.domain.enums import QuestionStatus
from bot.services.qa.events import update_event
from bot.services.qa.questions import submit_question
from bot.services.sense import screening
from bot.services.sense.screening import offensive_scores, reads_as_english

INSULT = "You are all CCP shills and this report is propaganda garbage"


async def test_an_insult_without_swear_words_waits_for_review_with_the_score(db, event, asker):
    question = await submit_question(db, event.id, asker, INSULT)
    assert (question.status, question.flagged) == (QuestionStatus.PENDING_REVIEW, True)
    assert question.flag_reason.startswith("the offensive-language classifier scored it 0.")
    assert "this event holds from 0.40" in question.flag_reason


async def test_an_ordinary_question_is_published(db, event, asker):
    question = await submit_question(db, event.id, asker, "How will the rent cap be paid for in rural areas?")
    assert (question.status, question.flagged, question.flag_reason) == (QuestionStatus.PUBLISHED, False, None)


async def test_the_event_sets_its_threshold_and_one_turns_the_classifier_off(db, event, moderator, asker):
    await update_event(db, event.id, moderator, abuse_threshold=1.0)
    question = await submit_question(db, event.id, asker, INSULT)
    assert (question.status, question.flagged) == (QuestionStatus.PUBLISHED, False)


def test_another_language_is_not_scored():
    assert not reads_as_english("Die Mineralölsteuer soll abgeschafft werden, da die CO2 Steuer Autofahrer belastet")
    assert offensive_scores(["Die Politik muss aber für Maßnahmen die Eier haben", "you idiots"])[0] is None


@pytest.mark.parametrize("text", ["you idiots", "What a load of shit this panel is"])
def test_short_and_plain_insults_score_high(text):
    [score] = offensive_scores([text])
    assert score > 0.9


async def test_a_question_scored_ahead_keeps_the_score_it_would_have_alone(monkeypatch):
    texts = ["Why does the report ignore renters?", "You are all idiots and liars", "Who pays for it?"]
    alone = [screening.offensive_scores([text])[0] for text in texts]
    screening.score_ahead(texts)

    def no_classifier():
        raise AssertionError("scored again")

    monkeypatch.setattr(screening, "load_classifier", no_classifier)
    assert [await screening.offensive_score(text) for text in texts] == alone


def test_the_scores_are_the_packages_own():
    """Podium scores alt-profanity-check's model without scikit-learn; the package's own
    ``predict_prob`` (which imports it) gives the same scores."""
    from profanity_check import predict_prob

    texts = [
        INSULT,
        "you idiots",
        "What a load of shit this panel is",
        "How will the rent cap be paid for in rural areas?",
        "Why does the report ignore renters? Renters RENTERS!",
        "the and of",  # stop words only: no word of the model's vocabulary
        "Is the café in Zürich a naïve SCAM, you morons?",
    ]
    assert offensive_scores(texts) == [round(float(score), 4) for score in predict_prob(texts)]
