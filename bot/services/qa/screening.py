"""Abuse screening beyond swear words: an offline offensive-language classifier.

The classifier is alt-profanity-check's: a linear SVM over word n-grams, trained on tens of
thousands of comments labelled offensive or not, with its model shipped inside the package
(scikit-learn and joblib files, about 2 MB), so nothing is downloaded at run time and no GPU or
PyTorch is needed. It reads English only (on other languages it scores common words such as
German "die" as offensive), so a question that does not read as English is not scored; the
profanity word list still applies to it. Its figures on Polis are in docs/benchmarks.md.

A question scored at or over its event's ``abuse_threshold`` waits for review instead of going
to the board, with the score shown to moderators only.
"""

import asyncio
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence

from bot.services.sense.text_vectors import ENGLISH_STOP_WORDS

# Below this share of English function words a text is taken for another language; very short
# questions ("why?", "you idiots") are scored whatever they look like.
ENGLISH_SHARE = 0.2
SHORT_WORDS = 3
# A threshold of 1 turns the classifier off for an event.
OFF = 1.0

Classifier = Callable[[Sequence[str]], Sequence[float]]
_lock = threading.Lock()
_classifier: Classifier | None = None
# Texts scored ahead (``score_ahead``), newest last: a score depends on the text alone.
SCORED_AHEAD_MAX = 100_000
_scored: OrderedDict[str, float | None] = OrderedDict()


def load_classifier() -> Classifier:
    """The classifier, loaded once per process (importing scikit-learn takes a few seconds: call
    this from a worker thread, as ``offensive_scores`` does)."""
    global _classifier
    with _lock:
        if _classifier is None:
            from profanity_check import predict_prob

            _classifier = predict_prob
        return _classifier


def reads_as_english(text: str) -> bool:
    """Whether the classifier can be trusted with the text: enough English function words."""
    words = re.findall(r"\w+", text.lower())
    if len(words) <= SHORT_WORDS:
        return True
    return sum(word in ENGLISH_STOP_WORDS for word in words) / len(words) >= ENGLISH_SHARE


def offensive_scores(texts: Sequence[str]) -> list[float | None]:
    """Each text's probability of being offensive, None for a text that does not read as English.
    Synchronous and CPU-bound: run it in a thread from the event loop."""
    english = [text for text in texts if reads_as_english(text)]
    scored = iter(load_classifier()(english) if english else [])
    return [round(float(next(scored)), 4) if reads_as_english(text) else None for text in texts]


def score_ahead(texts: Iterable[str]) -> None:
    """Score texts about to be asked in one batch (the classifier takes a batch for little more
    than one text): ``offensive_score`` then finds them scored. What a rehearsal does with its
    script's questions. Synchronous and CPU-bound, like ``offensive_scores``."""
    with _lock:
        unscored = list(dict.fromkeys(text for text in texts if text not in _scored))
    scores = offensive_scores(unscored)
    with _lock:
        _scored.update(zip(unscored, scores, strict=True))
        while len(_scored) > SCORED_AHEAD_MAX:
            _scored.popitem(last=False)


async def offensive_score(text: str) -> float | None:
    """The question's offensive-language score (None: not scored), computed off the event loop
    unless it was scored ahead."""
    with _lock:
        if text in _scored:
            return _scored[text]
    [score] = await asyncio.to_thread(offensive_scores, [text])
    return score


def over_threshold(score: float | None, threshold: float) -> bool:
    """Whether a score sends the question to review under this threshold (1: never)."""
    return score is not None and threshold < OFF and score >= threshold


def flag_reason(*, profane: bool, score: float | None, threshold: float) -> str | None:
    """Why a question was flagged, in the words moderators see (None: it was not)."""
    reasons = []
    if profane:
        reasons.append("a word on the profanity filter's list")
    if over_threshold(score, threshold):
        reasons.append(
            f"the offensive-language classifier scored it {score:.2f} (this event holds from {threshold:.2f})"
        )
    return "; ".join(reasons) or None
