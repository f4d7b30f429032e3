"""What a bot holds in memory from its start: libraries a live event rarely or never needs are
imported where they are used (docs/architecture.md, "Memory"), not by the bot's modules."""

import json
import subprocess
import sys

from tests.house.imports import ROOT

# Charts (a recap), PDF reports (read in a child process), the language model's client and its
# token counts (only with a model configured), and what the default models would otherwise pull in.
NOT_AT_START = ("matplotlib", "pypdf", "openai", "tiktoken", "sklearn", "profanity_check", "wordllama")

START = """
import json, sys
import bot.app
from bot.services.sense.screening import load_classifier
from bot.services.sense.backends import backend_named

load_classifier()
backend_named("hybrid").encode(["Is the model loaded?"])
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def test_a_started_bot_has_not_imported_what_a_live_event_does_not_need():
    done = subprocess.run([sys.executable, "-c", START], cwd=ROOT, capture_output=True, text=True, check=True)
    imported = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert imported >= {"discord", "numpy", "tokenizers"}  # the bot and both models did load
    assert sorted(imported & set(NOT_AT_START)) == []
