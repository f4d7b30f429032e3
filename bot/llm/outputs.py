"""The structured outputs Podium asks for: JSON in shapes the code owns and renders itself.

The extractive writer fills the same shapes, so a draft renders the same way whoever wrote it.
"""

import json
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class Output(BaseModel):
    # Extra keys a model adds are ignored; missing ones fail, and so does the whole output.
    model_config = ConfigDict(extra="ignore")


class BriefOutput(Output):
    verdict: Literal["covers", "challenges", "silent"]
    lines: list[str] = Field(default_factory=list)


class ThemeLines(Output):
    theme: str
    lines: list[str] = Field(default_factory=list)


class NotesOutput(Output):
    """The map step of a digest or recap: lines per theme for one batch of questions."""

    themes: list[ThemeLines] = Field(default_factory=list)


class DigestOutput(Output):
    overview: list[str] = Field(default_factory=list)
    themes: list[ThemeLines] = Field(default_factory=list)


class RecapOutput(Output):
    overview: list[str] = Field(default_factory=list)
    answered: list[str] = Field(default_factory=list)
    unanswered: list[str] = Field(default_factory=list)
    themes: list[str] = Field(default_factory=list)


class ThemeNameOutput(Output):
    name: str


class MalformedOutput(Exception):
    """The model's answer is not JSON of the expected shape."""


OutputT = TypeVar("OutputT", bound=Output)


def parse_output(content: str, shape: type[OutputT]) -> OutputT:
    """The model's JSON answer as ``shape``; tolerates a Markdown code fence around it."""
    text = content.strip()
    if text.startswith("```"):
        text = text.strip("`").removeprefix("json").strip()
    try:
        return shape.model_validate(json.loads(text))
    except (json.JSONDecodeError, ValidationError) as error:
        raise MalformedOutput(
            f"the language model's answer was not the JSON asked for ({type(error).__name__})"
        ) from None
