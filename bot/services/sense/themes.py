"""Themes: an event's questions in the queue, grouped by what they are about, each with a short label.

The grouping is deterministic: TF-IDF over the questions' words and word pairs (English stop words
left out, so that what remains are keywords), cosine distance, and average-linkage agglomerative
clustering cut at a distance threshold (the ``THEME_DISTANCE_THRESHOLD`` setting). A theme has two
questions or more; a question like no other has none. Its label is its top keywords by summed
TF-IDF weight. Themes use these words whichever similarity backend is set: the label has to name
what its questions share, and that is their words.

``refresh_themes`` clusters (off the event loop) and stores each label on its questions; the
caller decides when (every minute or so while the event is open, before a digest). Reading themes
(``list_themes``, ``rank_questions(order=Order.THEME)`` or ``theme=...``) is a plain query.
"""

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import sqlalchemy as sa
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform
from sqlmodel import Session, col, select

from bot.services.qa.ranking import VISIBLE, queue_order
from bot.services.sense.text_vectors import ENGLISH_STOP_WORDS, tfidf, word_ngrams
from db.engine import Database
from db.models import Question

LABEL_KEYWORDS = 2
LABEL_MAX = 100


@dataclass(frozen=True, slots=True)
class Theme:
    """A label and its questions in queue order; ``score`` is their net votes together."""

    label: str
    questions: list[Question]

    @property
    def score(self) -> int:
        return sum(question.score for question in self.questions)


def cluster_themes(texts: Sequence[str], *, distance_threshold: float) -> list[tuple[str, list[int]]]:
    """Group ``texts`` into themes: (label, positions in ``texts``), largest theme first.

    CPU-bound (quadratic in the number of texts): call it off the event loop.
    """
    if len(texts) < 2:
        return []
    weights, keywords = tfidf(texts, partial(word_ngrams, longest=2, stop_words=ENGLISH_STOP_WORDS))
    if not keywords:  # nothing but stop words: no keywords to group by
        return []
    similarity = (weights @ weights.T).toarray()
    distances = np.clip(1.0 - similarity, 0.0, None)
    np.fill_diagonal(distances, 0.0)
    # Average linkage, merging while the distance is below the threshold (not at it).
    tree = linkage(squareform(distances, checks=False), method="average")
    labels = fcluster(tree, t=np.nextafter(distance_threshold, 0.0), criterion="distance")
    groups: dict[int, list[int]] = {}
    for position, group in enumerate(labels):
        groups.setdefault(int(group), []).append(position)
    themes = sorted((members for members in groups.values() if len(members) > 1), key=lambda m: (-len(m), m[0]))
    return list(zip(_labels(weights, keywords, themes), themes, strict=True))


def label_groups(texts: Sequence[str], groups: Sequence[Sequence[int]]) -> list[str]:
    """A label for each group of positions in ``texts``, from those texts' words alone ("" for a
    group whose texts have no keyword).

    For what is published (a recap): a label stored while the queue held questions that were set
    aside since may name their words; this one cannot, given only the questions still shown.
    """
    if not groups:
        return []
    weights, keywords = tfidf(texts, partial(word_ngrams, longest=2, stop_words=ENGLISH_STOP_WORDS))
    if not keywords:  # nothing but stop words: nothing to name the groups by
        return [""] * len(groups)
    return _labels(weights, keywords, groups)


def _labels(weights: Any, keywords: list[str], groups: Sequence[Sequence[int]]) -> list[str]:
    taken: set[str] = set()
    return [_label(weights[list(members)].sum(axis=0).A1, keywords, taken) for members in groups]


def _label(weight: np.ndarray, keywords: list[str], taken: set[str]) -> str:
    # Heaviest first; on a tie (words always said together) the phrase before its words, then
    # alphabetical. A keyword whose words are all in the label already adds nothing.
    ranked = sorted(np.flatnonzero(weight), key=lambda i: (-round(weight[i], 6), -keywords[i].count(" "), keywords[i]))
    chosen: list[str] = []
    words: set[str] = set()
    for i in ranked:
        if set(keywords[i].split()) <= words:
            continue
        chosen.append(keywords[i])
        words.update(keywords[i].split())
        label = ", ".join(chosen)
        if len(chosen) >= LABEL_KEYWORDS and label not in taken:
            break
    label = ", ".join(chosen)[:LABEL_MAX]
    base, n = label[: LABEL_MAX - 5], 2
    while label in taken:
        label, n = f"{base} ({n})", n + 1
    taken.add(label)
    return label


async def refresh_themes(db: Database, event_id: int, *, distance_threshold: float) -> list[Theme]:
    """Group the event's questions in the queue into themes again, store each label on its questions,
    and return the themes. Questions that left the queue keep the theme they had (for the recap)."""
    query = (
        select(Question.id, Question.text)
        .where(Question.event_id == event_id, col(Question.status).in_(VISIBLE))
        .order_by(col(Question.id))
    )
    rows = await db.read(lambda session: session.exec(query).all())
    themes = await asyncio.to_thread(cluster_themes, [row[1] for row in rows], distance_threshold=distance_threshold)
    labels: dict[int, str | None] = {row[0]: None for row in rows}
    for label, members in themes:
        labels.update({rows[i][0]: label for i in members})

    def store(session: Session) -> None:
        if labels:
            table = Question.__table__
            session.execute(
                table.update().where(table.c.id == sa.bindparam("question_id")).values(theme=sa.bindparam("label")),
                [{"question_id": question_id, "label": label} for question_id, label in labels.items()],
            )

    await db.write(store)
    return await list_themes(db, event_id)


async def list_themes(db: Database, event_id: int) -> list[Theme]:
    """The event's themes as last refreshed, with their questions in the queue; most votes first."""
    query = queue_order(
        select(Question).where(
            Question.event_id == event_id, col(Question.status).in_(VISIBLE), col(Question.theme).is_not(None)
        )
    )
    questions = await db.read(lambda session: session.exec(query).all())
    grouped: dict[str, list[Question]] = {}
    for question in questions:
        grouped.setdefault(question.theme or "", []).append(question)
    themes = [Theme(label, members) for label, members in grouped.items()]
    return sorted(themes, key=lambda theme: (-theme.score, theme.label))
