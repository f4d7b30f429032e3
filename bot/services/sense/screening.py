"""Abuse screening beyond swear words: an offline offensive-language classifier.

The classifier is alt-profanity-check's: a linear SVM over word n-grams, trained on tens of
thousands of comments labelled offensive or not, with its model shipped inside the package
(scikit-learn and joblib files, about 2 MB), so nothing is downloaded at run time and no GPU or
PyTorch is needed. Podium scores it with numpy (``OffensiveModel``) rather than through
``profanity_check.predict_prob``, which imports scikit-learn: 75 MB resident in every bot for the
whole event, for a dot product and a sigmoid; the scores are the package's own. It reads English
only (on other languages it scores common words such as German "die" as offensive), so a question
that does not read as English is not scored; the profanity word list still applies to it. Its
figures on Polis are in docs/benchmarks.md.

A question scored at or over its event's ``abuse_threshold`` waits for review instead of going
to the board, with the score shown to moderators only.
"""

import asyncio
import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bot.services.sense.embedding import package_folder
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

# The package's model: a TF-IDF of word unigrams (lower case; rows of unit length; its stop words
# are outside its vocabulary) read by five linear SVMs, each calibrated by a sigmoid, their
# probabilities averaged (scikit-learn's CalibratedClassifierCV). Its files are read in joblib's
# format with scikit-learn's classes taken as plain records: none of scikit-learn's code runs.


class _Fitted:
    """A fitted scikit-learn object as its pickle describes it: its attributes, nothing else."""


def _read(path: Path) -> Any:
    from joblib.numpy_pickle import NumpyUnpickler

    class Unpickler(NumpyUnpickler):
        def find_class(self, module: str, name: str) -> Any:
            if module.split(".")[0] == "sklearn":
                return _Fitted
            return super().find_class(module, name)

    with path.open("rb") as file:
        return Unpickler(str(path), file, ensure_native_byte_order=True).load()


class OffensiveModel:
    """The probability that a text is offensive, as ``profanity_check.predict_prob`` gives it."""

    def __init__(self, folder: Path) -> None:
        vectorizer, model = _read(folder / "vectorizer.joblib"), _read(folder / "model.joblib")
        self._lowercase = vectorizer.lowercase
        self._token = re.compile(vectorizer.token_pattern)
        self._vocabulary: dict[str, int] = vectorizer.vocabulary_
        self._idf: np.ndarray = vectorizer._tfidf.idf_
        calibrated = model.calibrated_classifiers_
        self._coefficients = np.stack([c.estimator.coef_[0] for c in calibrated])
        self._intercepts = np.array([c.estimator.intercept_[0] for c in calibrated])
        self._slopes = np.array([c.calibrators[0].a_ for c in calibrated])
        self._offsets = np.array([c.calibrators[0].b_ for c in calibrated])

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        return np.array([self._probability(text) for text in texts])

    def _probability(self, text: str) -> float:
        counts = Counter(
            self._vocabulary[token]
            for token in self._token.findall(text.lower() if self._lowercase else text)
            if token in self._vocabulary
        )
        features = np.array(sorted(counts), dtype=np.intp)
        weights = np.array([counts[f] for f in features], dtype=np.float64) * self._idf[features]
        length = np.sqrt(np.sum(weights * weights))
        if length:
            weights /= length
        decisions = self._coefficients[:, features] @ weights + self._intercepts
        return float(np.mean(1.0 / (1.0 + np.exp(self._slopes * decisions + self._offsets))))


def package_model() -> OffensiveModel:
    """The model shipped in the ``alt-profanity-check`` package, found without importing it."""
    package = package_folder("profanity_check")
    if package is None:
        raise ModuleNotFoundError("the offensive-language classifier's package 'alt-profanity-check' is not installed")
    return OffensiveModel(package / "data")


def load_classifier() -> Classifier:
    """The classifier, loaded once per process (reading its files takes a moment: call this from a
    worker thread, as ``offensive_scores`` does)."""
    global _classifier
    with _lock:
        if _classifier is None:
            _classifier = package_model()
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
