"""A rehearsal script: JSON Lines, one action a line, ``t`` seconds from the event's start.

::

    {"t": 12.5, "action": "ask", "user": "u17", "text": "...", "anonymous": false, "ref": "q1"}
    {"t": 30, "action": "vote", "user": "u4", "q": "q1", "value": 1}
    {"t": 95, "action": "reject", "moderator": "m1", "q": "q2", "reason": "off_topic"}

The whole script is read and checked before anything is replayed, so a typo on the last line
costs nothing: a line that is not an action (bad JSON, an unknown action or field, a missing or
mistyped field, a ``q`` that no earlier line asked, time running backwards) is a ``ScriptError``
naming the line. Whether the bot would *accept* an action is not decided here but by the
services, during the replay.
"""

import json
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bot.domain.enums import ReasonCode
from bot.services.qa.text import valid_payload
from db.models import EventSettings

# The longest event a script may describe: a week of seconds.
T_MAX = 7 * 24 * 60 * 60

# action -> (fields it needs, fields it may have), beside "t" and "action".
_FIELDS: dict[str, tuple[set[str], set[str]]] = {
    "ask": ({"user", "text"}, {"anonymous", "ref"}),
    "vote": ({"user", "q"}, {"value"}),
    "unvote": ({"user", "q"}, set()),
    "withdraw": ({"user", "q"}, set()),
    "approve": ({"moderator", "q"}, set()),
    "set_aside": ({"moderator", "q", "reason"}, {"note"}),
    "reject": ({"moderator", "q", "reason"}, {"note"}),
    "edit": ({"moderator", "q", "text"}, set()),
    "pin": ({"moderator", "q"}, set()),
    "live": ({"moderator", "q"}, set()),
    "next": ({"moderator"}, set()),
    "answer": ({"moderator"}, {"q"}),
    "dismiss": ({"moderator", "q", "reason"}, {"note"}),
    "merge": ({"moderator", "q", "into"}, set()),
    "ban": ({"moderator", "user"}, {"note"}),
}
# Names and refs must say something; a question's text or a note may be empty, as a member's may
# (the bot refuses an empty question, and the rehearsal records that refusal).
_NAME_FIELDS = ("user", "moderator", "ref", "q", "into")
_TEXT_FIELDS = ("text", "note")


class ScriptError(Exception):
    """A script or plan that cannot be read, with where: ``line`` (1-based) when it is one line."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        super().__init__(f"line {line}: {message}" if line is not None else message)
        self.line = line


@dataclass(frozen=True, slots=True)
class Line:
    """One action of the script. ``user`` is the audience member acting (or, for ``ban``, the one
    banned); ``q`` and ``into`` are refs of questions asked by earlier lines."""

    number: int
    t: float
    action: str
    user: str = ""
    moderator: str = ""
    text: str = ""
    anonymous: bool = False
    ref: str | None = None
    q: str | None = None
    into: str | None = None
    value: int = 1
    reason: ReasonCode = ReasonCode.OTHER  # read only by reject and dismiss, which must give one
    note: str | None = None


def read_script(path: Path) -> list[Line]:
    """Every action of the script at ``path``, checked; blank lines are skipped."""
    try:
        with path.open(encoding="utf-8") as lines:
            return parse_script(lines)
    except (OSError, UnicodeDecodeError) as error:
        raise ScriptError(f"{path} cannot be read: {error}") from None


def parse_script(raw_lines: Iterable[str]) -> list[Line]:
    """The actions of a script given as its lines of text."""
    script: list[Line] = []
    refs: set[str] = set()
    last_t = 0.0
    for number, raw in enumerate(raw_lines, start=1):
        if not raw.strip():
            continue
        line = parse_line(number, raw)
        if line.t < last_t:
            raise ScriptError(
                f"t is {line.t:g}, earlier than the line before ({last_t:g}); keep lines in time order.", line=number
            )
        for ref in (line.q, line.into):
            if ref is not None and ref not in refs:
                raise ScriptError(f"no earlier line asks a question with ref {ref!r}.", line=number)
        if line.ref is not None:
            if line.ref in refs:
                raise ScriptError(f"ref {line.ref!r} is already the ref of an earlier question.", line=number)
            refs.add(line.ref)
        script.append(line)
        last_t = line.t
    return script


def parse_line(number: int, raw: str) -> Line:
    """One line of the script as an action, or a ``ScriptError`` saying what is wrong with it."""
    try:
        # Every string is made valid Unicode here, the script's door, before any rule sees it.
        fields = valid_payload(json.loads(raw))
    except json.JSONDecodeError as error:
        raise ScriptError(f"not valid JSON ({error.msg} at column {error.colno}).", line=number) from None
    except RecursionError:
        raise ScriptError("not a script line: its JSON is nested too deeply.", line=number) from None
    if not isinstance(fields, dict):
        raise ScriptError('each line must be a JSON object, such as {"t": 0, "action": "ask", ...}.', line=number)
    action = fields.get("action")
    if action not in _FIELDS:
        known = ", ".join(sorted(_FIELDS))
        raise ScriptError(f"unknown action {action!r}; the actions are {known}.", line=number)
    needed, optional = _FIELDS[action]
    missing = sorted(needed - fields.keys())
    if missing:
        raise ScriptError(f"{action!r} needs {', '.join(missing)}.", line=number)
    unknown = sorted(fields.keys() - needed - optional - {"t", "action"})
    if unknown:
        raise ScriptError(f"{action!r} does not take {', '.join(unknown)}.", line=number)
    t = fields.get("t")
    # Compared before any conversion: an integer too large for a float, or a float too large for
    # a date, would otherwise fail inside the replay instead of here with the line's number.
    if isinstance(t, bool) or not isinstance(t, int | float) or not 0 <= t <= T_MAX:
        raise ScriptError(
            f"t must be a number of seconds from the event's start, from 0 to {T_MAX:,} (a week).", line=number
        )
    for name in _NAME_FIELDS:
        if name in fields and not (isinstance(fields[name], str) and fields[name].strip()):
            raise ScriptError(f"{name} must be a non-empty string.", line=number)
    for name in _TEXT_FIELDS:
        if name in fields and not isinstance(fields[name], str):
            raise ScriptError(f"{name} must be a string.", line=number)
    if not isinstance(fields.get("anonymous", False), bool):
        raise ScriptError("anonymous must be true or false.", line=number)
    value = fields.get("value", 1)
    if isinstance(value, bool) or value not in (1, -1):
        raise ScriptError("value must be 1 (up) or -1 (down).", line=number)
    return Line(
        number=number,
        t=float(t),
        action=action,
        user=fields.get("user", ""),
        moderator=fields.get("moderator", ""),
        text=fields.get("text", ""),
        anonymous=fields.get("anonymous", False),
        ref=fields.get("ref"),
        q=fields.get("q"),
        into=fields.get("into"),
        value=value,
        reason=_reason(fields.get("reason", ReasonCode.OTHER.value), number),
        note=fields.get("note"),
    )


def _reason(value: Any, number: int) -> ReasonCode:
    try:
        return ReasonCode(str(value).replace("-", "_").replace(" ", "_").lower())
    except ValueError:
        reasons = ", ".join(reason.value for reason in ReasonCode)
        raise ScriptError(f"unknown reason {value!r}; the reasons are {reasons}.", line=number) from None


@dataclass(frozen=True, slots=True)
class EventPlan:
    """The event being rehearsed: what ``/event create`` and ``/event settings`` would be given."""

    title: str
    description: str
    starts_at: datetime
    ends_at: datetime | None
    settings: EventSettings


def read_plan(path: Path | None, *, default_start: datetime) -> EventPlan:
    """The plan in an ``event.toml`` (title, moderator, panelists, description, starts_at,
    ends_at and a ``[rules]`` table of event settings), or, without one, an event called
    "Rehearsal" starting at ``default_start`` with the default rules."""
    if path is None:
        return EventPlan("Rehearsal", "", default_start, None, EventSettings())
    try:
        plan = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ScriptError(f"{path} cannot be read: {error}") from None
    title = plan.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ScriptError(f'{path}: the event needs a title (title = "...").')
    starts_at = _when(plan.get("starts_at", default_start), "starts_at", path)
    ends_at = _when(plan["ends_at"], "ends_at", path) if "ends_at" in plan else None
    if ends_at is not None and ends_at <= starts_at:
        raise ScriptError(f"{path}: ends_at must come after starts_at.")
    return EventPlan(title.strip(), _description(plan, path), starts_at, ends_at, _rules(plan.get("rules", {}), path))


def _rules(rules: Any, path: Path) -> EventSettings:
    if not isinstance(rules, dict):
        raise ScriptError(f"{path}: rules must be a table ([rules]).")
    unknown = sorted(set(rules) - set(EventSettings.model_fields))
    if unknown:
        known = ", ".join(EventSettings.model_fields)
        raise ScriptError(f"{path}: [rules] has no setting {', '.join(unknown)}; the settings are {known}.")
    try:
        return EventSettings.model_validate(rules)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        raise ScriptError(f"{path}: [rules] {problems}.") from None


def _when(value: Any, name: str, path: Path) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ScriptError(f"{path}: {name} must be a date and time with its offset, such as 2025-06-12T17:00:00Z.")
    return value.astimezone(UTC)


def _description(plan: dict[str, Any], path: Path) -> str:
    panelists, moderator = plan.get("panelists", []), plan.get("moderator")
    if not isinstance(panelists, list) or not all(isinstance(name, str) for name in panelists):
        raise ScriptError(f"{path}: panelists must be a list of names.")
    parts = [str(plan.get("description", "")).strip()]
    if panelists:
        parts.append(f"Panel: {', '.join(panelists)}.")
    if moderator:
        parts.append(f"Moderated by {moderator}.")
    return " ".join(part for part in parts if part)
