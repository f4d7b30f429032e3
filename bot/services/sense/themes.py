"""Themes: an event's questions in the queue, grouped by what they are about, each with a short label.

**Grouping** uses the sentence embedding of the base install (``embedding.sentence_embedding``),
centred on the event's own mean so that what every question says ("what", "how", the event's
subject) does not pull them together. An event has themes once it has ``FEWEST_QUESTIONS`` (20)
in the queue: themes made of a handful would be guesses the next questions are made to fit, and
a moderator reads a queue that short whole. It decides its own number of themes: about
``4·log10(n)`` (7 at 50 questions, 8 at 100, 12 from 1,000 on, never more), and a theme has at
least 2% of the questions. A refresh starts from the themes stored at the last one and changes as
little as it can, so that a moderator's sort does not reshuffle each minute:

1. a question keeps its theme; a question in none joins the nearest theme if it is at least half
   as close to its centre as that theme's typical question is (so coverage follows the event's
   own spread, not a threshold tuned on one data set);
2. while the event has fewer themes than its size calls for, the questions in none are grouped
   (spherical k-means) into new themes, then the largest theme splits in two if its halves are
   far enough apart not to be merged again, and are not named by the same subject;
3. two themes whose centres are near-identical merge (the larger keeps its questions and name),
   and so do two whose best names share a word fewer than half the event's questions say
   ("submarine cables" and "cable landing stations": ``Labeller.same_subject``); a theme left
   with one question dissolves.

Those steps run until nothing moves, and a theme its questions give no name of its own (every
phrase they share names a larger theme) is planned again in no theme, so refreshing a fixed set
of questions again, or after a restart (the labels are in ``question.theme``, the themes in
``theme``), changes nothing. What fits no theme keeps ``theme`` empty: "other questions" is a
remainder, never a theme.

**Labels** (``theme_labels.Labeller``) are noun phrases or names the theme's questions share, kept
across refreshes while the questions still say them. With a language model, a new theme may be
named by it, and the name is kept only if the theme's questions say its words (``theme_naming``).

``refresh_themes`` clusters (off the event loop) and stores the themes; the caller decides when
(every minute or so while the event is open, before a digest). A refresh reuses what it worked
out for each question at the last one (its vector, its phrases), kept by the question's text.
Reading themes (``list_themes``, ``rank_questions(order=Order.THEME)`` or ``theme=...``) is a
plain query.
"""

import asyncio
import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import sqlalchemy as sa
from sqlmodel import Session, col, delete, select

from bot.llm.client import ModelClient
from bot.services.qa.ranking import VISIBLE, queue_order
from bot.services.sense.embedding import sentence_embedding
from bot.services.sense.theme_labels import LABEL_MAX, TEXTS_KEPT, Labeller
from bot.services.sense.theme_naming import model_name
from db.engine import Database
from db.models import Question
from db.models import Theme as ThemeRow

FEWEST_QUESTIONS = 20  # in the queue, for an event to have themes
MOST_THEMES = 12
# Themes for each tenfold growth of the event. Three made five themes of a 50-question panel on
# some ten subjects, each a mix of two or three; four made themes as pure or purer on every
# topic-labelled set, with most questions still in one (docs/benchmarks.md).
THEMES_PER_DECADE = 4
SMALLEST_SHARE = 0.02  # of the questions, for a new theme
JOIN_FRACTION = 0.5  # of a theme's typical closeness to its centre, to join it
MERGE_SIMILARITY = 0.8  # of two themes' centres, to merge them
# Of two themes' centres before centring: questions this alike are one subject however the
# centred vectors (all noise when every question says the same) fall apart. Distinct themes of the
# development sets reach 0.93 (short COVID-19 questions).
IDENTICAL_SIMILARITY = 0.97
ROUNDS = 8
SEED = 20261201
NO_THEME = -1


class _Vectors:
    """The questions' sentence vectors, kept by text across refreshes (up to ``TEXTS_KEPT``, 1 KB
    each, all events together; emptied when full), so a refresh embeds only the texts it has not
    seen: a question's text rarely changes. A text's vector does not depend on the texts embedded
    with it, so a kept one is the one a fresh embedding would give."""

    def __init__(self) -> None:
        self._rows: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One unit row per text, as ``SentenceEmbedding.embed`` gives it."""
        if not texts:
            return sentence_embedding().embed([])
        with self._lock:
            rows = {text: self._rows[text] for text in texts if text in self._rows}
        missing = [text for text in dict.fromkeys(texts) if text not in rows]
        if missing:
            new = dict(zip(missing, sentence_embedding().embed(missing), strict=True))
            rows |= new
            with self._lock:
                if len(self._rows) + len(new) > TEXTS_KEPT:
                    self._rows.clear()
                self._rows |= new
        return np.stack([rows[text] for text in texts])


_VECTORS = _Vectors()


@dataclass(frozen=True, slots=True)
class Theme:
    """A label and its questions in queue order; ``score`` is their net votes together."""

    label: str
    questions: list[Question]

    @property
    def score(self) -> int:
        return sum(question.score for question in self.questions)


def target_themes(questions: int) -> int:
    """How many themes an event of ``questions`` calls for: a handful, growing slowly."""
    if questions < FEWEST_QUESTIONS:
        return 0
    return int(min(MOST_THEMES, max(2, round(THEMES_PER_DECADE * math.log10(questions)))))


def smallest_theme(questions: int) -> int:
    return max(2, math.ceil(SMALLEST_SHARE * questions))


@dataclass(slots=True)
class Grouping:
    """Each question's theme (a key, or ``NO_THEME``) and which themes were made or remade."""

    themes: np.ndarray
    remade: set[int] = field(default_factory=set)


def centred(vectors: np.ndarray) -> np.ndarray:
    """Unit rows after taking away the rows' mean: what the questions share with all the others goes."""
    if len(vectors) == 0:
        return vectors
    shifted = vectors - vectors.mean(axis=0)
    lengths = np.linalg.norm(shifted, axis=1, keepdims=True)
    lengths[lengths == 0] = 1
    return shifted / lengths


# Whether two groups of questions (positions) are about the same subject by what they say.
SameSubject = Callable[[np.ndarray, np.ndarray], bool]


def group(vectors: np.ndarray, previous: Sequence[int], same_subject: SameSubject | None = None) -> Grouping:
    """Themes for questions with unit ``vectors`` (rows in a stable order), starting from their
    ``previous`` theme keys (``NO_THEME`` for none). Two themes ``same_subject`` finds alike are
    merged, and a theme is not split into two halves it finds alike. CPU-bound: call it off the
    event loop."""
    n = len(vectors)
    grouping = Grouping(np.asarray(previous, dtype=np.int64).copy())
    if target_themes(n) == 0:
        grouping.themes[:] = NO_THEME
        return grouping
    points = centred(vectors)
    for _ in range(ROUNDS):
        before = grouping.themes.copy()
        _step(vectors, points, grouping, same_subject or _never_alike)
        if np.array_equal(before, grouping.themes):
            break
    return grouping


def _never_alike(_a: np.ndarray, _b: np.ndarray) -> bool:
    return False


def _step(vectors: np.ndarray, points: np.ndarray, grouping: Grouping, same_subject: SameSubject) -> None:
    _join(points, grouping.themes)
    _new_themes(points, grouping)
    _split(vectors, points, grouping, same_subject)
    _merge(vectors, points, grouping, same_subject)
    _dissolve(grouping.themes)


def _centres(points: np.ndarray, themes: np.ndarray) -> tuple[list[int], np.ndarray, np.ndarray]:
    """The theme keys (ascending), their unit centres, and each one's joining closeness."""
    keys = sorted(int(k) for k in np.unique(themes) if k != NO_THEME)
    if not keys:
        return [], np.zeros((0, points.shape[1]), dtype=points.dtype), np.zeros(0)
    centres = np.stack([_unit(points[themes == key].sum(axis=0)) for key in keys])
    typical = [float(np.median(points[themes == key] @ centre)) for key, centre in zip(keys, centres, strict=True)]
    floors = JOIN_FRACTION * np.asarray(typical)
    return keys, centres, floors


def _unit(vector: np.ndarray) -> np.ndarray:
    length = float(np.linalg.norm(vector))
    return vector / length if length else vector


def _join(points: np.ndarray, themes: np.ndarray) -> None:
    # Joining moves the centres, which may bring more questions close enough: until none joins.
    for _ in range(ROUNDS):
        pool = np.flatnonzero(themes == NO_THEME)
        keys, centres, floors = _centres(points, themes)
        if not keys or not len(pool):
            return
        closeness = points[pool] @ centres.T
        nearest = np.argmax(closeness, axis=1)
        joins = closeness[np.arange(len(pool)), nearest] >= floors[nearest]
        if not joins.any():
            return
        themes[pool[joins]] = np.asarray(keys)[nearest[joins]]


def _new_themes(points: np.ndarray, grouping: Grouping) -> None:
    themes = grouping.themes
    n = len(themes)
    wanted = target_themes(n) - len(set(themes.tolist()) - {NO_THEME})
    smallest = smallest_theme(n)
    pool = np.flatnonzero(themes == NO_THEME)
    if wanted <= 0 or len(pool) < 2 * smallest:
        return
    labels, centres = kmeans(points[pool], min(wanted, len(pool) // smallest))
    key = int(themes.max()) + 1 if (themes != NO_THEME).any() else 0
    for cluster, centre in enumerate(centres):
        members = pool[labels == cluster]
        closeness = points[members] @ centre
        if len(closeness) == 0:
            continue
        members = members[closeness >= JOIN_FRACTION * float(np.median(closeness))]
        if len(members) >= smallest:
            themes[members] = key
            grouping.remade.add(key)
            key += 1


def _split(vectors: np.ndarray, points: np.ndarray, grouping: Grouping, same_subject: SameSubject) -> None:
    themes = grouping.themes
    n = len(themes)
    keys = sorted(set(themes.tolist()) - {NO_THEME})
    if not keys or len(keys) >= target_themes(n):
        return
    smallest = smallest_theme(n)
    sizes = {key: int((themes == key).sum()) for key in keys}
    # The largest theme first; one split a round, so the counts are looked at again.
    for key in sorted(keys, key=lambda k: (-sizes[k], k)):
        if sizes[key] < max(2 * smallest, 2 * n // (len(keys) + 1)):
            return
        members = np.flatnonzero(themes == key)
        halves, centres = kmeans(points[members], 2)
        counts = np.bincount(halves, minlength=2)
        raw = [_unit(vectors[members[halves == half]].sum(axis=0)) for half in (0, 1)]
        apart = float(centres[0] @ centres[1]) < MERGE_SIMILARITY and float(raw[0] @ raw[1]) < IDENTICAL_SIMILARITY
        # Halves the merge would join again are no split.
        if counts.min() < smallest or not apart or same_subject(members[halves == 0], members[halves == 1]):
            continue
        # The larger half keeps the theme (and may keep its name); the other is a new theme.
        smaller = int(np.argmin(counts))
        new_key = int(themes.max()) + 1
        themes[members[halves == smaller]] = new_key
        grouping.remade.update({key, new_key})
        return


def _merge(vectors: np.ndarray, points: np.ndarray, grouping: Grouping, same_subject: SameSubject) -> None:
    themes = grouping.themes
    while True:
        keys, centres, _ = _centres(points, themes)
        if len(keys) < 2:
            return
        closeness = centres @ centres.T
        positions = [np.flatnonzero(themes == key) for key in keys]
        raw = np.stack([_unit(vectors[members].sum(axis=0)) for members in positions])
        # Alike before centring, or named by the same subject, counts as alike: merged first.
        named_alike = np.array(
            [[a != b and same_subject(positions[a], positions[b]) for b in range(len(keys))] for a in range(len(keys))]
        )
        closeness = np.where((raw @ raw.T >= IDENTICAL_SIMILARITY) | named_alike, 1.0 + closeness, closeness)
        np.fill_diagonal(closeness, -1)
        too_many = len(keys) > target_themes(len(themes)) + 2
        a, b = np.unravel_index(int(np.argmax(closeness)), closeness.shape)
        if closeness[a, b] < MERGE_SIMILARITY and not too_many:
            return
        sizes = {key: int((themes == key).sum()) for key in keys}
        if closeness[a, b] < MERGE_SIMILARITY:
            # More themes than the event calls for: the smallest joins its nearest.
            a = min(range(len(keys)), key=lambda i: (sizes[keys[i]], keys[i]))
            b = int(np.argmax(closeness[a]))
        keep, go = sorted((keys[a], keys[b]), key=lambda k: (-sizes[k], k))
        themes[themes == go] = keep
        grouping.remade.add(keep)


def _dissolve(themes: np.ndarray) -> None:
    keys, counts = np.unique(themes, return_counts=True)
    for key, count in zip(keys, counts, strict=True):
        if key != NO_THEME and count < 2:
            themes[themes == key] = NO_THEME


def kmeans(points: np.ndarray, k: int, *, rounds: int = 50) -> tuple[np.ndarray, np.ndarray]:
    """Spherical k-means of unit ``points``: each row's cluster and the unit centres. Seeded by
    k-means++ from a fixed seed, so the same points always give the same clusters."""
    n = len(points)
    k = max(1, min(k, n))
    random = np.random.default_rng(SEED)
    chosen = [int(random.integers(n))]
    distance = np.clip(1 - points @ points[chosen[0]], 0, None)
    for _ in range(k - 1):
        weights = distance**2
        total = float(weights.sum())
        if total <= 0:
            break
        chosen.append(int(random.choice(n, p=weights / total)))
        distance = np.minimum(distance, np.clip(1 - points @ points[chosen[-1]], 0, None))
    centres = points[chosen].copy()
    labels = np.zeros(n, dtype=np.int64)
    for _ in range(rounds):
        labels = np.argmax(points @ centres.T, axis=1)
        sums = (labels[None, :] == np.arange(len(centres))[:, None]).astype(points.dtype) @ points
        lengths = np.linalg.norm(sums, axis=1, keepdims=True)
        # A cluster left empty keeps its centre.
        moved = np.where(lengths > 0, sums / np.where(lengths > 0, lengths, 1), centres)
        if np.allclose(moved, centres):
            break
        centres = moved
    return labels, centres


@dataclass(frozen=True, slots=True)
class Planned:
    """A refresh's outcome for an event: each question's label (None: in no theme) and each
    theme's label with who named it."""

    labels: dict[int, str | None]
    themes: dict[str, str]  # label → named_by


def plan_themes(
    texts: Sequence[str], previous: Sequence[str | None], named_by: dict[str, str], vectors: np.ndarray | None = None
) -> tuple[Planned, dict[str, list[int]]]:
    """The themes of questions ``texts`` (in a stable order) whose last labels were ``previous``;
    ``named_by`` says who named each stored theme. Returns the plan (keyed by position) and, for
    each theme to name afresh, its positions. CPU-bound: call it off the event loop."""
    if vectors is None:
        vectors = _VECTORS.embed(texts)
    labeller = Labeller(texts)
    plan, fresh, unnamed = _plan_once(vectors, previous, named_by, labeller)
    # A theme that got no name leaves its questions in none, where the next refresh would place
    # them: planned again from this plan until planning it again changes nothing, so a refresh of
    # the same questions is the same.
    for _ in range(ROUNDS):
        if not unnamed:
            break
        again, more, unnamed = _plan_once(vectors, [plan.labels[n] for n in range(len(texts))], plan.themes, labeller)
        settled = again.labels == plan.labels
        fresh = {
            label: [n for n, said in again.labels.items() if said == label]
            for label in (fresh | more)
            if label in again.themes
        }
        plan = again
        if settled:
            break
    return plan, fresh


def _plan_once(
    vectors: np.ndarray, previous: Sequence[str | None], named_by: dict[str, str], labeller: Labeller
) -> tuple[Planned, dict[str, list[int]], int]:
    """One grouping and naming (``plan_themes``), and how many themes got no name."""
    stored = sorted({label for label in previous if label is not None and label in named_by})
    key_of = {label: n for n, label in enumerate(stored)}
    grouping = group(
        vectors, [key_of.get(label, NO_THEME) if label else NO_THEME for label in previous], labeller.same_subject
    )
    members: dict[int, list[int]] = {}
    for position, key in enumerate(grouping.themes.tolist()):
        if key != NO_THEME:
            members.setdefault(key, []).append(position)
    # Largest first, so the largest theme gets the best phrase when two would want one.
    order = sorted(members, key=lambda key: (-len(members[key]), min(members[key])))
    taken: set[str] = set()
    label_of: dict[int, str] = {}
    who: dict[str, str] = {}
    fresh: dict[str, list[int]] = {}
    for key in order:
        old = stored[key] if key < len(stored) else None
        if old is not None and old.casefold() not in taken and labeller.supported(old, members[key]):
            label_of[key], who[old] = old, named_by[old]
            taken.add(old.casefold())
            if key in grouping.remade and named_by[old] == "words":
                fresh[old] = members[key]
            continue
        label = labeller.label(members[key], taken)
        if not label:  # every phrase its questions share names a larger theme, or they share none
            continue
        label_of[key], who[label] = label, "words"
        fresh[label] = members[key]
    labels: dict[int, str | None] = {
        position: label_of.get(int(key)) for position, key in enumerate(grouping.themes.tolist())
    }
    return Planned(labels, who), fresh, len(members) - len(label_of)


async def refresh_themes(db: Database, event_id: int, *, model: ModelClient | None = None) -> None:
    """Group the event's questions in the queue into themes again, starting from the stored ones;
    store each theme and each question's label (``list_themes`` reads them). Questions that left
    the queue keep the label they had (for the recap) while their theme lasts. With ``model``, a
    new theme may be named by it."""
    query = (
        select(Question.id, Question.text, Question.theme)
        .where(Question.event_id == event_id, col(Question.status).in_(VISIBLE))
        .order_by(col(Question.id))
    )

    def read(session: Session) -> tuple[list[tuple[int, str, str | None]], dict[str, str]]:
        rows = [(int(row[0]), row[1], row[2]) for row in session.exec(query).all()]
        stored = session.exec(select(ThemeRow.label, ThemeRow.named_by).where(ThemeRow.event_id == event_id)).all()
        return rows, dict(stored)

    rows, named_by = await db.read(read)
    plan, fresh = await asyncio.to_thread(plan_themes, [row[1] for row in rows], [row[2] for row in rows], named_by)
    labels = {rows[position][0]: label for position, label in plan.labels.items()}
    themes = dict(plan.themes)
    if model is not None and fresh:
        labels, themes = await _named_by_model(db, event_id, model, rows, fresh, labels, themes)

    def store(session: Session) -> None:
        table = Question.__table__
        changed = [
            {"question_id": question_id, "label": label}
            for (question_id, _, before) in rows
            if (label := labels[question_id]) != before
        ]
        if changed:
            session.execute(
                table.update().where(table.c.id == sa.bindparam("question_id")).values(theme=sa.bindparam("label")),
                changed,
            )
        # A question that left the queue keeps its theme's label while the theme lasts; a label
        # whose theme dissolved or took another name would show in the recap as a theme of its own.
        session.execute(
            table.update()
            .where(table.c.event_id == event_id, table.c.theme.is_not(None), table.c.theme.not_in(list(themes)))
            .values(theme=None)
        )
        session.exec(delete(ThemeRow).where(col(ThemeRow.event_id) == event_id))
        session.add_all(ThemeRow(event_id=event_id, label=label, named_by=who) for label, who in sorted(themes.items()))

    # Nothing is read back: every caller refreshes on a clock, or before it reads what it needs,
    # and reading the whole queue again was a refresh's costliest step after grouping.
    await db.write(store)


async def _named_by_model(
    db: Database,
    event_id: int,
    model: ModelClient,
    rows: Sequence[tuple[int, str, str | None]],
    fresh: dict[str, list[int]],
    labels: dict[int, str | None],
    themes: dict[str, str],
) -> tuple[dict[int, str | None], dict[str, str]]:
    taken = {label.casefold() for label in themes}
    for label, positions in fresh.items():
        name = await model_name(db, event_id, [rows[n][0] for n in positions], model=model)
        if name is None or name.casefold() in taken:
            continue
        name = name[:LABEL_MAX]
        taken.add(name.casefold())
        themes.pop(label)
        themes[name] = "model"
        labels = {qid: name if theirs == label else theirs for qid, theirs in labels.items()}
    return labels, themes


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


def label_groups(texts: Sequence[str], groups: Sequence[Sequence[int]]) -> list[str]:
    """A label for each group of positions in ``texts``, from those texts' words alone ("" for a
    group whose texts say no phrase a theme could be named by).

    For what is published (a recap): a label stored while the queue held questions that were set
    aside since may name their words; this one cannot, given only the questions still shown.
    """
    labeller = Labeller(texts)
    taken: set[str] = set()
    return [labeller.label(members, taken) for members in groups]
