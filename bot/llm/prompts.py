"""Prompt templates: one file per task in ``prompts/``, each opening with its version.

A template file reads::

    version: brief/1
    ---
    The text, with $placeholders (``string.Template``) filled by the code.

The version is recorded with every draft, so an output can always be traced to the words that
asked for it. Changing a template's wording means bumping its version.
"""

import functools
from dataclasses import dataclass
from pathlib import Path
from string import Template

PROMPTS = Path(__file__).resolve().parents[2] / "prompts"


@dataclass(frozen=True, slots=True)
class Prompt:
    name: str
    version: str
    template: Template

    def render(self, **values: object) -> str:
        """The prompt with every placeholder filled (a missing one is a bug: ``KeyError``)."""
        return self.template.substitute({name: str(value) for name, value in values.items()})


@functools.cache
def load_prompt(name: str) -> Prompt:
    """The template ``prompts/<name>.md``."""
    header, separator, body = (PROMPTS / f"{name}.md").read_text(encoding="utf-8").partition("\n---\n")
    if not separator or not header.startswith("version:"):
        raise ValueError(f"prompts/{name}.md must start with 'version: ...' and a '---' line")
    return Prompt(name=name, version=header.removeprefix("version:").strip(), template=Template(body.strip()))


def messages_for(task: str, **values: object) -> list[dict[str, str]]:
    """The chat messages for a task: the system policy, then the task's prompt."""
    return [
        {"role": "system", "content": load_prompt("system").render()},
        {"role": "user", "content": load_prompt(task).render(**values)},
    ]


def prompt_version(*tasks: str) -> str:
    """The versions of the system policy and the tasks' prompts, as recorded with a draft."""
    return "+".join(load_prompt(name).version for name in ("system", *tasks))
