"""The rules a question's text must pass before Podium stores it.

Storage keeps the text as typed, after normalisation; making it safe to show (mentions, markdown)
is the renderer's job, not this module's.
"""

import re
import unicodedata

from better_profanity import profanity

from bot.domain.errors import InvalidInput

# Invisible characters that only hide or disguise text. ZWJ (U+200D) is kept between emoji,
# where it joins sequences such as 👩‍💻, and dropped elsewhere.
_INVISIBLE = {
    "\u200b",  # zero width space
    "\u200c",  # zero width non-joiner
    "\u2060",  # word joiner
    "\ufeff",  # zero width no-break space / BOM
    "\u180e",  # Mongolian vowel separator
    "\u00ad",  # soft hyphen
}
_BIDI_CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}
_ZWJ = "\u200d"

_MENTION = re.compile(r"<(?:@[!&]?|#)\d+>|@everyone|@here", re.IGNORECASE)
_LINK = re.compile(r"(?:https?://|www\.)\S+|discord\.gg/\S+", re.IGNORECASE)


def _is_emoji_part(char: str) -> bool:
    return unicodedata.category(char) == "So" or "\ufe00" <= char <= "\ufe0f" or "\U0001f3fb" <= char <= "\U0001f3ff"


def valid_unicode(text: str) -> str:
    """The text with every lone UTF-16 surrogate dropped, so that it can be encoded as UTF-8.

    A JSON string may carry one as an escape (``"\\ud800"``); Python decodes it to a ``str`` that
    no UTF-8 codec accepts and that native code (hashing, drivers) may crash on. A surrogate pair
    written as two escapes is joined into its character first, as the JSON it came from meant.
    """
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
    """Drop lone surrogates, NFC-normalise, drop control and zero-width characters, collapse
    whitespace, trim."""
    text = unicodedata.normalize("NFC", valid_unicode(text))
    kept: list[str] = []
    for i, char in enumerate(text):
        if char == _ZWJ:
            nxt = text[i + 1] if i + 1 < len(text) else ""
            if kept and _is_emoji_part(kept[-1]) and nxt and _is_emoji_part(nxt):
                kept.append(char)
            continue
        if char in _INVISIBLE or char in _BIDI_CONTROLS:
            continue
        if unicodedata.category(char) == "Cc":
            # Tabs and newlines become spaces (and then collapse); other controls vanish.
            if char.isspace():
                kept.append(" ")
            continue
        kept.append(char)
    return " ".join("".join(kept).split())


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


def is_profane(text: str) -> bool:
    """Whether the profanity filter (better-profanity's word list) flags the text."""
    return profanity.contains_profanity(text)
