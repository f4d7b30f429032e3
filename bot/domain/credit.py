"""Who asked a question, as the audience may see it: the one home of the anonymity rule.

A member who asks anonymously is never named to the audience: not on a card, the board, Browse,
the presenter screen, or an export made without authors. Moderators still see who asked (their
queue and console show the name beside "anonymous").

After merges a question is credited to everyone who asked it, each person once under each face
they asked with (``bot.services.sense.merges.askers``): someone who asked once by name and once
anonymously counts twice, so that a named credit never unmasks the anonymous question. A question
credited to several people names none of them.
"""

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Asker:
    """A person credited with asking a question, and which of the merged questions was theirs."""

    user_id: int
    display_name: str
    anonymous: bool
    question_id: int


@dataclass(frozen=True, slots=True)
class Credit:
    """What the audience is told about who asked: how many people, and a name only when one person
    asked under their own name."""

    askers: int
    name: str | None

    @property
    def line(self) -> str:
        """The credit in the audience's words, as plain text (each medium quotes it its own way)."""
        if self.askers > 1:
            return f"Asked by {self.askers} people"
        return f"Asked by {self.name}" if self.name is not None else "Asked anonymously"


def credit_for(name: str, *, anonymous: bool, askers: int = 1) -> Credit:
    """The credit of a question asked by ``name`` (``anonymous`` as they chose), credited to
    ``askers`` people in all after merges."""
    return Credit(askers=askers, name=None if anonymous or askers > 1 else name)


def credit(people: Sequence[Asker]) -> Credit:
    """The credit of a question from everyone credited with it, its own asker first."""
    if not people:
        return Credit(askers=0, name=None)
    return credit_for(people[0].display_name, anonymous=people[0].anonymous, askers=len(people))
