"""Hostile text for the fuzz tests: 0 to 10,000 characters mixing what breaks renderers.

Emoji (with ZWJ sequences, skin tones, flags, keycaps), right-to-left text and the bidirectional
controls (U+202E and friends), combining marks, zero-width characters, markdown (fences, quotes,
emphasis, masked and bare links, headings, lists, spoilers), every kind of Discord mention, and
ordinary prose. Mention ids are drawn from 10xxxxxxxxxxxxxxxx, which no id in the test server
uses, so a live one in a payload can only have come from the fuzz.
"""

from hypothesis import strategies as st

TEXT_MAX = 10_000

FUZZ_ID = st.integers(100_000_000_000_000_000, 109_999_999_999_999_999)

MARKDOWN = st.sampled_from(
    [
        "```",
        "```py\n",
        "``",
        "`",
        "**",
        "__",
        "*",
        "_",
        "~~",
        "||",
        "> ",
        ">>> ",
        "# ",
        "## ",
        "-# ",
        "- ",
        "+ ",
        "1. ",
        "\\",
        "\n",
        "\n\n",
        "[x](http://evil.example/a)",
        "[click](<https://evil.example/b>)",
        "http://evil.example/c",
        "https://discord.gg/raid",
        "<t:1700000000:R>",
        ":smile:",
        "<:pepe:123456789012345678>",
        "</ask:1>",
    ]
)
PINGS = st.one_of(
    st.sampled_from(["@everyone", "@here", "@EVERYONE", "\\@everyone", "@\u200beveryone", "@\u200dhere"]),
    FUZZ_ID.map("<@{}>".format),
    FUZZ_ID.map("<@!{}>".format),
    FUZZ_ID.map("<@&{}>".format),
    FUZZ_ID.map("<#{}>".format),
    FUZZ_ID.map("<@\u200b{}>".format),
)
EMOJI = st.sampled_from(
    ["😀", "👩\u200d💻", "👨\u200d👩\u200d👧\u200d👦", "🏳️\u200d🌈", "🧑🏽\u200d🚀", "👍🏽", "🇺🇦", "❤️", "1️⃣"]
)
RIGHT_TO_LEFT = st.sampled_from(
    [
        "\u202e",
        "\u202d",
        "\u202a",
        "\u202b",
        "\u202c",
        "\u2066",
        "\u2067",
        "\u2068",
        "\u2069",
        "\u200e",
        "\u200f",
        "\u061c",
        "مرحبا بالعالم",
        "שָׁלוֹם",
        "\u202egnp.exe",
    ]
)
COMBINING = st.text(st.characters(categories=("Mn", "Me")), min_size=1, max_size=12)
ZERO_WIDTH = st.sampled_from(["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u180e"])
SENTENCE = st.sampled_from(
    [
        "How will the rent cap be funded?",
        " What about students renting rooms? ",
        "Does zoning reform lower rents",
        "ok",
    ]
)
PROSE = st.one_of(SENTENCE, st.just(" "), st.text(st.characters(categories=("L", "N", "P", "Zs")), max_size=30))
FRAGMENT = st.one_of(PROSE, MARKDOWN, PINGS, EMOJI, RIGHT_TO_LEFT, COMBINING, ZERO_WIDTH)


def _repeat(parts: tuple[str, int]) -> str:
    return parts[0] * parts[1]


hostile_text = st.one_of(
    st.lists(FRAGMENT, max_size=24).map("".join),
    # A real question with hostile text around it, so that many examples are stored and shown.
    st.tuples(st.lists(FRAGMENT, max_size=12).map("".join), SENTENCE, st.lists(FRAGMENT, max_size=12).map("".join)).map(
        "".join
    ),
    # Long texts: a mix repeated up to the cap, so limits and clipping meet every kind of character.
    st.tuples(st.lists(FRAGMENT, min_size=1, max_size=6).map("".join), st.integers(1, 3_000)).map(_repeat),
).map(lambda text: text[:TEXT_MAX])
