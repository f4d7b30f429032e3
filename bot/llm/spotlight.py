"""Spotlighting: untrusted text (questions, report passages, notes a model wrote from them) enters
a prompt inside delimiters it cannot forge, with every space replaced by a marker.

The marker makes the provenance of each word visible to the model (Hines et al., "Defending
Against Indirect Prompt Injection Attacks With Spotlighting", 2024); the system prompt tells the
model that marked text is data to report on, never an instruction to follow.
"""

MARK = "\u02c6"  # ˆ: rare in real text, one token in common vocabularies
OPEN, CLOSE = "\u27e6", "\u27e7"  # ⟦ ⟧ delimit blocks; stripped from what is inside them


def datamark(text: str) -> str:
    """The text with the delimiter and marker characters removed and its words joined by the marker."""
    cleaned = text.translate({ord(OPEN): " ", ord(CLOSE): " ", ord(MARK): " "})
    return MARK.join(cleaned.split())


def block(label: str, text: str) -> str:
    """One untrusted item under a label the code wrote, e.g. ``⟦Q12 +4⟧ Whatˆaboutˆrent? ⟦/⟧``.

    Kept short on purpose: a digest repeats it for every question of the event.
    """
    return f"{OPEN}{label}{CLOSE} {datamark(text)} {OPEN}/{CLOSE}"
