"""Counting tokens, to fit prompts into the model's context window.

tiktoken knows OpenAI's models, but it downloads each encoding from the internet on first use;
a machine without that access, and every model tiktoken does not know (Llama, Gemma, Mistral
served by vLLM or llama.cpp), gets a deliberately generous estimate instead. Overestimating
costs a few extra calls; underestimating overflows the context.
"""

import functools
import logging
import math
import re
from typing import Any

log = logging.getLogger(__name__)

# Per chat message, for the role and the separators around it (OpenAI's cookbook counts 3-4).
MESSAGE_OVERHEAD = 4
_ASCII_RUN = re.compile(r"[A-Za-z0-9]+|\s+|.", re.DOTALL)


def estimate_tokens(text: str) -> int:
    """An upper-leaning estimate: a token per four letters or digits of a word (BPE vocabularies
    hold most English words whole), none for whitespace, one for every other character."""
    total = 0
    for piece in _ASCII_RUN.findall(text):
        if piece[0].isspace():
            continue
        total += math.ceil(len(piece) / 4) if piece[0].isascii() and piece[0].isalnum() else 1
    return math.ceil(total * 1.1)


@functools.cache
def _encoding(model: str) -> Any:
    import tiktoken  # only a bot with a model configured counts tokens

    try:
        name = tiktoken.encoding_name_for_model(model)
    except KeyError:
        return None
    try:
        return tiktoken.get_encoding(name)
    except Exception as error:  # tiktoken raises whatever its download raised
        log.warning("tiktoken cannot load %s (%s); token counts are estimated", name, type(error).__name__)
        return None


def count_tokens(text: str, model: str) -> int:
    """Tokens in ``text`` for ``model``: exact with tiktoken where it can, estimated otherwise."""
    encoding = _encoding(model)
    if encoding is None:
        return estimate_tokens(text)
    return len(encoding.encode(text, disallowed_special=()))


def count_message_tokens(messages: list[dict[str, str]], model: str) -> int:
    """Tokens a chat request's messages take, with the per-message overhead."""
    return sum(count_tokens(message["content"], model) + MESSAGE_OVERHEAD for message in messages) + 3
