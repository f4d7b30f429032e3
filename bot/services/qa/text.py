"""The rules a question's text must pass before Podium stores it.

Storage keeps the text as typed, after normalisation; making it safe to show (mentions, markdown)
is the renderer's job, not this module's.
"""

import re
import unicodedata

from better_profanity import Profanity

from bot.domain.errors import InvalidInput

# Characters that show nothing, or change how the text around them reads, and only hide or
# disguise text: a question, a name or a title made of them looks blank; one inside a word slips it
# past the profanity filter; tag characters (U+E0000-E007F) carry text a model reads but people do
# not see. Every format character (Unicode category Cf: zero-width spaces and joiners, bidirectional
# controls, tags, invisible operators) goes too, except ZWJ (U+200D) between emoji, where it joins
# sequences such as 👩‍💻; and these, which are letters or marks by category but draw nothing:
_INVISIBLE = {
    "\u034f",  # combining grapheme joiner
    "\u115f",  # Hangul choseong filler
    "\u1160",  # Hangul jungseong filler
    "\u17b4",  # Khmer vowel inherent aq
    "\u17b5",  # Khmer vowel inherent aa
    "\u180b",  # Mongolian free variation selectors
    "\u180c",
    "\u180d",
    "\u180f",
    "\u2800",  # Braille pattern blank
    "\u3164",  # Hangul filler
    "\uffa0",  # halfwidth Hangul filler
}
_ZWJ = "\u200d"
# Variation selectors 17-256: no emoji uses them, so outside an ideographic variation they hide text.
_VARIATION_SUPPLEMENT = range(0xE0100, 0xE01F0)

_MENTION = re.compile(r"<(?:@[!&]?|#)\d+>|@everyone|@here", re.IGNORECASE)
_LINK = re.compile(r"(?:https?://|www\.)\S+|discord\.gg/\S+", re.IGNORECASE)


def _is_emoji_part(char: str) -> bool:
    return unicodedata.category(char) == "So" or "\ufe00" <= char <= "\ufe0f" or "\U0001f3fb" <= char <= "\U0001f3ff"


def valid_unicode(text: str) -> str:
    """The text with every lone UTF-16 surrogate and NUL dropped: text that encodes as UTF-8 and
    that every database Podium runs on can store.

    A JSON string may carry a surrogate as an escape (``"\\ud800"``); Python decodes it to a ``str``
    that no UTF-8 codec accepts and that native code (hashing, drivers) may crash on. A surrogate
    pair written as two escapes is joined into its character first, as the JSON it came from meant.
    PostgreSQL refuses a NUL in any text value, so one in a name or a report would fail the write.
    """
    if "\x00" in text:
        text = text.replace("\x00", "")
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        joined = text.encode("utf-16", "surrogatepass").decode("utf-16", "surrogatepass")
        return "".join(char for char in joined if not "\ud800" <= char <= "\udfff")
    return text


def valid_payload(value: object) -> object:
    """A decoded JSON value with every string in it (keys too) passed through ``valid_unicode``."""
    if isinstance(value, str):
        return valid_unicode(value)
    if isinstance(value, dict):
        return {valid_unicode(key): valid_payload(item) for key, item in value.items()}
    if isinstance(value, list):
        return [valid_payload(item) for item in value]
    return value


def normalise(text: str) -> str:
    """Drop lone surrogates, NFC-normalise, drop control and invisible characters, collapse
    whitespace, trim."""
    return " ".join(_visible(text).split())


def normalise_block(text: str) -> str:
    """Text of several lines (a description, a reason, a moderator's edit) normalised as question
    text is, but keeping its line breaks; blank lines at either end are trimmed."""
    lines = [" ".join(line.split()) for line in _visible(text, keep_newlines=True).split("\n")]
    return "\n".join(lines).strip("\n")


def _visible(text: str, *, keep_newlines: bool = False) -> str:
    text = unicodedata.normalize("NFC", valid_unicode(text))
    kept: list[str] = []
    for i, char in enumerate(text):
        if char == _ZWJ:
            nxt = text[i + 1] if i + 1 < len(text) else ""
            if kept and _is_emoji_part(kept[-1]) and nxt and _is_emoji_part(nxt):
                kept.append(char)
            continue
        category = unicodedata.category(char)
        if category == "Cf" or char in _INVISIBLE or ord(char) in _VARIATION_SUPPLEMENT:
            continue
        if category == "Cc" or char in "\u2028\u2029":
            # Line breaks stay where asked; tabs and other breaks become spaces (and then
            # collapse); other controls vanish.
            if keep_newlines and char in "\n\r\u2028\u2029":
                kept.append("\n" if char != "\r" or text[i + 1 : i + 2] != "\n" else "")
            elif char.isspace():
                kept.append(" ")
            continue
        kept.append(char)
    return "".join(kept)


def check_question_text(text: str, *, max_length: int) -> str:
    """Return the text normalised, or raise ``InvalidInput`` saying what is wrong with it."""
    text = normalise(text)
    if not text:
        raise InvalidInput("Your question is empty. Type the question you would like the panel to answer.")
    without_noise = _LINK.sub(" ", _MENTION.sub(" ", text))
    if not any(char.isalnum() for char in without_noise):
        raise InvalidInput(
            "Your question is only mentions or links. Add a few words saying what you would like to ask."
        )
    if len(text) > max_length:
        raise InvalidInput(
            f"Questions can be at most {max_length} characters; yours has {len(text)}. "
            "Please shorten it and send it again."
        )
    return text


class _WordSet:
    """better-profanity's censor words as one set, matched by regular expression: the same
    answers as its list of ``VaryingString`` (a word stands for every spelling with one of its
    letters' lookalikes in that letter's place, ``@`` for ``a`` and so on), but found in one pass
    of compiled patterns rather than by comparing with each of the ~900 words in turn (which cost
    some 20 ms a question, inside the ask's unit of work)."""

    def __init__(self, words: list[str], lookalikes: dict[str, tuple[str, ...]]) -> None:
        by_length: dict[int, list[str]] = {}
        for word in words:
            letters = "".join(
                "[" + "".join(re.escape(char) for char in lookalikes.get(letter, (letter,))) + "]" for letter in word
            )
            by_length.setdefault(len(word), []).append(letters)
        self._patterns = {length: re.compile("|".join(spelled)) for length, spelled in by_length.items()}

    def __contains__(self, text: object) -> bool:
        pattern = self._patterns.get(len(text)) if isinstance(text, str) else None
        return pattern is not None and pattern.fullmatch(text) is not None

    def __bool__(self) -> bool:
        return bool(self._patterns)


def _filter() -> Profanity:
    """better-profanity's filter with its default word list, its word set swapped for ``_WordSet``
    (its every use of the set is ``in`` and truth; tests/services/qa/test_text.py compares the
    two on the whole list and its lookalike spellings)."""
    words = Profanity()
    # Every lookalike the library maps a letter to is one character, so one character class each.
    if any(len(char) != 1 for chars in words.CHARS_MAPPING.values() for char in chars):
        raise RuntimeError("better-profanity maps a letter to more than one character: update _WordSet")
    words.CENSOR_WORDSET = _WordSet([str(word) for word in words.CENSOR_WORDSET], words.CHARS_MAPPING)
    return words


profanity = _filter()


def is_profane(text: str) -> bool:
    """Whether the profanity filter (better-profanity's word list) flags the text, as written or
    with lookalike letters (fullwidth, ligatures, superscripts) folded to plain ones."""
    folded = unicodedata.normalize("NFKC", normalise(text))
    return profanity.contains_profanity(text) or (folded != text and profanity.contains_profanity(folded))
