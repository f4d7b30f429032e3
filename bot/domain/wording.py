"""Words a question says about the Q&A itself rather than about its subject.

"What does the report say about X?", "Could the panel explain Y?": at a report launch every
question names the report, the panel and the asking, so these words neither find a report's
passage nor name a theme. Retrieval and theme labels both read them from here.
"""

QA_WORDS = frozenset(
    [
        "question",
        "questions",
        "ask",
        "asked",
        "asking",
        "please",
        "explain",
        "say",
        "says",
        "think",
        "report",
        "reports",
        "panel",
        "panels",
        "panelist",
        "panelists",
        "speaker",
        "speakers",
    ]
)
