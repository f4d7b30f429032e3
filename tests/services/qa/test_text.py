"""Normalising question text: what is kept and what is dropped."""

import pytest

from bot.services.qa.text import normalise


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("  spaced   out\n\nlines\t", "spaced out lines"),
        ("zero\u200bwidth\u2060joiners\ufeff", "zerowidthjoiners"),
        ("bell\x07and\x1bescape", "bellandescape"),
        ("rtl \u202eoverride\u202c", "rtl override"),
        ("e\u0301t\u00e9", "\u00e9t\u00e9"),  # NFC: e + combining acute becomes é
        ("family 👩\u200d👩\u200d👧 stays joined", "family 👩\u200d👩\u200d👧 stays joined"),
        ("stray\u200djoiner", "strayjoiner"),
        ("مرحبا بالعالم", "مرحبا بالعالم"),
        ("**bold** and `code` stay as typed", "**bold** and `code` stay as typed"),
    ],
)
def test_normalise(typed, stored):
    assert normalise(typed) == stored
