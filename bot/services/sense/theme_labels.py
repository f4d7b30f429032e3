"""A theme's label: the noun phrase or name its questions share, found without a language parser.

Candidates are runs of up to three content words inside a question (a stop word, a verb-ish word
or punctuation ends a run; "of" and "and" may join two content words, as in "cost of living").
Each candidate is scored by how many of the theme's questions say it, against how many of the
event's questions do, so that what the whole event says ("Qatar" in a Qatar forum) names no theme;
a longer phrase said as often as its words wins, and a name written with capitals mid-sentence
(Hong Kong, Huawei) is preferred. Two phrases that each cover part of a theme are joined with
"and" ("Huawei and 5G"). Words are compared folded (lower case, plural "s" off); the label keeps
the way the questions wrote them.
"""

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from bot.domain.wording import QA_WORDS
from bot.services.sense.text_vectors import ENGLISH_STOP_WORDS

LABEL_MAX = 100
LONGEST = 3  # content words in a phrase
LABEL_WORDS = 6
LONGEST_WORD = 20  # a longer "word" is a run of a script written without spaces, not a phrase
CONNECTORS = frozenset({"of", "and", "&"})
# Questions whose phrases, words and verb evidence are kept (about 4 KB each, all events together):
# a refresh reads again only the questions it has not seen, since a question's text rarely changes.
TEXTS_KEPT = 16_384
# A word said by this share of the event's questions or more names no one subject of it (Covid at
# a Covid Q&A).
SUBJECT_SHARE = 0.5


def _listed(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Words that carry no subject: auxiliaries and the verbs questions are phrased with, the
# question's own furniture, and the Q&A's own words (every question at a launch is about the
# report). A phrase may not start or end with one, and none is a label alone.
VERBISH = _listed(
    """
    ask asked asking be been being believe can could define defined did do does doing done ensure
    expect expected explain feel get gets getting give given going got had happen happened happens
    has have having help is know let like look make makes making may mean means might must need
    needs plan planned plans put said say says see seem shall should stop take taken takes tell
    think thinks try use used using want wants was were will work would address addressed become
    come coming consider considered deal go goes gone keep kept provide respond talk talked
    change changed improve increase reduce support supported protect prevent happening allow
    allowed affect affects agree
    """
)
GENERIC = (
    _listed(
        """
    thing things way ways lot lots kind sort yes ok okay please thanks thank hi
    hello dear guys anybody somebody really just also actually example today currently maybe
    right wrong good bad better best new old big small great sure able likely possible many much
    percent per long short high low real true important different free full whole own same
    more less most least first last next lots yeah people person everyone someone
    """
    )
    | QA_WORDS
)
RESERVED = ("other", "others", "other questions", "miscellaneous", "misc", "general")

_SEGMENT = re.compile(r"[.?!;:,()\[\]{}\"“”/|\n]+")
_TOKEN = re.compile(r"\w[\w\-’']*\w|\w")


@lru_cache(maxsize=1 << 16)
def fold(word: str) -> str:
    """A word as labels compare it: lower case, a plural "s" off ("cables" is "cable")."""
    word = word.lower().replace("’", "'").removesuffix("'s")
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@lru_cache(maxsize=1 << 16)
def _blocked(word: str) -> bool:
    lower = word.lower().replace("’", "'")
    # "I'm", "it's", "isn't": a stop word with its ending.
    base = lower.split("'")[0]
    if lower.endswith("n't") or len(lower) < 2:
        return True
    return any(w in ENGLISH_STOP_WORDS or w in VERBISH or w in GENERIC for w in {lower, base})


@dataclass(frozen=True, slots=True)
class Mention:
    key: tuple[str, ...]  # the folded content words (connectors kept out)
    surface: str  # as written
    initial: bool  # at the start of the question, where a capital says nothing


# A mention as kept: its key, surface and whether it is initial. Plain tuples of strings, which
# the garbage collector stops tracking: kept for many questions, objects would make every full
# collection (which stops the event loop too, while a refresh runs in a thread) longer.
_Kept = tuple[tuple[str, ...], str, bool]


def mentions(text: str) -> list[Mention]:
    """Every candidate phrase of ``text``, in order."""
    return [Mention(*kept) for kept in _mentions_of(text)]


@lru_cache(maxsize=TEXTS_KEPT)
def _mentions_of(text: str) -> tuple[_Kept, ...]:
    found: list[_Kept] = []
    first = True
    for segment in _SEGMENT.split(text):
        tokens = _TOKEN.findall(segment)
        if not tokens:
            continue
        runs: list[list[tuple[str, bool]]] = [[]]
        for position, token in enumerate(tokens):
            initial = first and position == 0
            if token.lower() in CONNECTORS and runs[-1] and runs[-1][-1][0].lower() not in CONNECTORS:
                runs[-1].append((token, initial))
            elif _blocked(token) or (token.isdigit() and len(token) < 3) or len(token) > LONGEST_WORD:
                runs.append([])
            else:
                runs[-1].append((token, initial))
        first = False
        for run in runs:
            while run and run[-1][0].lower() in CONNECTORS:
                run.pop()
            found += _spans(run)
    return tuple(found)


def _spans(run: list[tuple[str, bool]]) -> Iterable[_Kept]:
    words = [word for word, _ in run]
    joins = [word.lower() in CONNECTORS for word in words]
    folded = [fold(word) for word in words]
    for start in range(len(run)):
        if joins[start]:
            continue
        key: tuple[str, ...] = ()
        for end in range(start, len(run)):
            if joins[end]:
                continue
            key += (folded[end],)
            if len(key) > LONGEST:
                break
            if key[-1].isdigit() and all(w.isdigit() for w in key):
                continue
            yield key, " ".join(words[start : end + 1]), run[start][1]


def _outside(key: tuple[str, ...], verbs: frozenset[str]) -> bool:
    return key[0] not in verbs and key[-1] not in verbs


@lru_cache(maxsize=TEXTS_KEPT)
def _phrase_counts(
    text: str, verbs: frozenset[str]
) -> tuple[frozenset[tuple[str, ...]], tuple[tuple[str, ...], ...], tuple[tuple[str, ...], ...]]:
    """The keys of ``text``'s phrases that neither start nor end with one of the event's
    ``verbs``; then, a key for each such phrase said inside the question (not first), and for each
    said there with a capital."""
    kept = [(key, surface, initial) for key, surface, initial in _mentions_of(text) if _outside(key, verbs)]
    inside = tuple(key for key, _, initial in kept if not initial)
    capitalised = tuple(key for key, surface, initial in kept if not initial and surface[:1].isupper())
    return frozenset(key for key, _, _ in kept), inside, capitalised


@dataclass(frozen=True, slots=True)
class Candidate:
    key: tuple[str, ...]
    text: str
    share: float  # of the theme's questions that say it
    score: float
    said_by: frozenset[int]  # positions, in the theme, of the questions that say it


class Labeller:
    """Labels for groups of an event's questions, against what the whole event says."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.texts = list(texts)
        self.verbs = verbs_of(texts)
        # Counts only, no object per mention: a refresh runs in a thread, and a full garbage
        # collection, which a heap of surviving small objects brings on, stops the event loop too.
        self.capitalised: Counter[tuple[str, ...]] = Counter()  # said with a capital, not first
        self.inside: Counter[tuple[str, ...]] = Counter()  # said, not first in the question
        self.frequency: Counter[tuple[str, ...]] = Counter()  # questions saying it
        self.keys: list[frozenset[tuple[str, ...]]] = []
        for text in texts:
            keys, inside, capitalised = _phrase_counts(text, self.verbs)
            self.keys.append(keys)
            self.frequency.update(keys)
            self.inside.update(inside)
            self.capitalised.update(capitalised)
        self.words = [_content_word_set(text) for text in texts]
        self.total = max(1, len(texts))
        self._subjects: dict[tuple[int, ...], frozenset[str]] = {}  # see _subject_words

    def _mentions(self, text: str) -> list[Mention]:
        return [Mention(*kept) for kept in _mentions_of(text) if _outside(kept[0], self.verbs)]

    def candidates(self, members: Sequence[int]) -> list[Candidate]:
        """The theme's phrases, best first (their ``text`` is filled in by ``label``)."""
        size = len(members)
        by_key: dict[tuple[str, ...], set[int]] = {}
        for n, member in enumerate(members):
            for key in self.keys[member]:
                by_key.setdefault(key, set()).add(n)
        least = 2 if size > 2 and any(len(who) > 1 for who in by_key.values()) else 1
        found = []
        for key, who in by_key.items():
            if len(who) < least:
                continue
            share = len(who) / size
            spread = self.frequency[key] / self.total
            # Said by most of the event's other questions too, a phrase names no one theme of it
            # (Covid at a Covid Q&A).
            elsewhere = (self.frequency[key] - len(who)) / max(1, self.total - size)
            score = share * math.log1p(share / spread) * (1 - elsewhere) * (1 + 0.3 * (len(key) - 1))
            # Written with a capital where a sentence does not start: a name (Huawei, Hong Kong).
            named = self.capitalised[key] * 2 > self.inside[key] > 0
            found.append(Candidate(key, "", share, score * (1.2 if named else 1.0), frozenset(who)))
        found.sort(key=lambda c: (-round(c.score, 9), -len(c.key), c.key))
        return found

    def _surfaces(self, members: Sequence[int], keys: set[tuple[str, ...]]) -> dict[tuple[str, ...], str]:
        """How the theme's questions write each of ``keys``: the commonest form inside a sentence,
        else at its start (lower-cased there, unless an acronym such as IGF or UN)."""
        inside: dict[tuple[str, ...], Counter[str]] = {}
        first: dict[tuple[str, ...], Counter[str]] = {}
        for member in members:
            for m in self._mentions(self.texts[member]):
                if m.key in keys:
                    (first if m.initial else inside).setdefault(m.key, Counter())[m.surface] += 1
        found = {}
        for key in keys:
            if key in inside:
                found[key] = inside[key].most_common(1)[0][0]
                continue
            words = (first[key].most_common(1)[0][0] if key in first else " ".join(key)).split()
            opening = words[0] if words[0].isupper() and len(words[0]) > 1 else words[0].lower()
            found[key] = " ".join([opening, *words[1:]])
        return found

    def label(self, members: Sequence[int], taken: set[str]) -> str:
        """The best phrase of the theme not already another theme's label ("" if it says none)."""
        candidates = self.candidates(members)
        written: dict[tuple[str, ...], str] = {}
        for n, first in enumerate(candidates):
            partner = self._partner(first, candidates[n + 1 :])
            wanted = {first.key} | ({partner.key} if partner else set())
            if not wanted <= written.keys():
                # Looked up a few candidates at a time: most themes take their first.
                ahead = {c.key for c in candidates[n : n + 8]} | wanted
                written |= self._surfaces(members, ahead - written.keys())
            label = _capitalised(written[first.key])
            if partner is not None and len(label.split()) + len(partner.key) < LABEL_WORDS:
                label = f"{label} and {written[partner.key]}"
            label = label[:LABEL_MAX]
            if label.casefold() not in taken and label.casefold() not in RESERVED:
                taken.add(label.casefold())
                return label
        return ""

    @staticmethod
    def _partner(first: Candidate, rest: Sequence[Candidate]) -> Candidate | None:
        # A second phrase when the first names only part of the theme: a different subject said by
        # other questions of it ("Huawei" and "5G"), not the first's own words again.
        if first.share >= 0.5:
            return None
        for other in rest[:5]:
            if any(_same_word(a, b) for a in other.key for b in first.key) or other.share < max(0.2, first.share / 2):
                continue
            if len(other.said_by - first.said_by) * 2 >= len(other.said_by):
                return other
        return None

    def same_subject(self, a: Sequence[int], b: Sequence[int]) -> bool:
        """Whether two groups of the event's questions are best named by phrases sharing a word
        that fewer than ``SUBJECT_SHARE`` of the event's questions say ("submarine cables" and
        "cable landing stations"): one subject, though their meanings fall apart."""
        ours, theirs = self._subject_words(a), self._subject_words(b)
        return any(_same_word(x, y) for x in ours for y in theirs)

    def _subject_words(self, members: Sequence[int]) -> frozenset[str]:
        # Asked of every pair of themes while they are grouped: worked out once for each group.
        key = tuple(members)
        if key not in self._subjects:
            candidates = self.candidates(members)
            self._subjects[key] = frozenset(
                word
                for word in (candidates[0].key if candidates else ())
                if self.frequency[(word,)] < SUBJECT_SHARE * self.total
            )
        return self._subjects[key]

    def supported(self, label: str, members: Sequence[int], least: float = 0.25) -> bool:
        """Whether at least ``least`` of the theme's questions say one of ``label``'s content words,
        and every one of those words is said by one of them."""
        return supported(label, [self.words[n] for n in members], least)


# After these a word is a verb more often than not ("to define", "will spread", "we need"). Not
# after "do" or "does": in a question they come before the subject ("Do rent caps work?").
_BEFORE_VERBS = _listed(
    """to will would can could should shall may might must don't doesn't didn't not
    i we you they he she it who people"""
)
VERB_SHARE = 0.3


def verbs_of(texts: Sequence[str]) -> frozenset[str]:
    """The folded words the event's questions use as verbs at least ``VERB_SHARE`` of the time
    (a word right after "to", a modal or a pronoun), beyond those of ``VERBISH``."""
    after, seen = Counter[str](), Counter[str]()
    for text in texts:
        text_seen, text_after = _verb_evidence(text)
        seen.update(text_seen)
        after.update(text_after)
    return frozenset(word for word, n in after.items() if n >= 2 and n >= VERB_SHARE * seen[word])


@lru_cache(maxsize=TEXTS_KEPT)
def _verb_evidence(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The folded words of ``text``, and those of them said right after a word a verb follows."""
    tokens = [token.lower() for token in _TOKEN.findall(text)]
    seen, after = [], []
    for before, token in zip(["", *tokens], tokens, strict=False):
        word = fold(token)
        seen.append(word)
        if before in _BEFORE_VERBS:
            after.append(word)
    return tuple(seen), tuple(after)


def content_words(text: str) -> list[str]:
    """The folded words of ``text`` that could carry a subject."""
    return [fold(token) for token in _TOKEN.findall(text) if not _blocked(token) and token.lower() not in CONNECTORS]


@lru_cache(maxsize=TEXTS_KEPT)
def _content_word_set(text: str) -> frozenset[str]:
    return frozenset(content_words(text))


def supported(label: str, questions_words: Sequence[frozenset[str]], least: float = 0.25) -> bool:
    """Whether ``label`` names what these questions (each as its folded content words) share: each
    of its content words is said by one of them, and at least ``least`` of them say one."""
    wanted = set(content_words(label))
    if not wanted or not questions_words:
        return False
    said = set().union(*questions_words)
    # Each word said that is one of the label's, compared once, not once for every question saying it.
    alike = {word: {other for other in said if _same_word(word, other)} for word in wanted}
    if not all(alike.values()):
        return False
    echoing = set().union(*alike.values())
    saying = sum(1 for words in questions_words if not echoing.isdisjoint(words))
    return saying >= least * len(questions_words)


def _same_word(a: str, b: str) -> bool:
    # "fund" and "funding", "tariff" and "tariffs": one stem, compared by a shared start.
    if a == b:
        return True
    stem = min(len(a), len(b))
    return stem >= 4 and a[: max(4, stem - 3)] == b[: max(4, stem - 3)] and abs(len(a) - len(b)) <= 4


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:] if text[:1].islower() else text
