"""What Discord refuses when a bot overwrites its application commands (PUT .../commands).

From Discord's documentation (developers/interactions/application-commands.mdx: the Application
Command and Option structures, naming, "Subcommands and Subcommand Groups", "Using Default
Permissions") and its OpenAPI spec (specs/openapi.json, ApplicationCommandCreateRequest). The fake
answers a payload that breaks one of these with Discord's 400 "Invalid Form Body" (code 50035),
naming the place, so a command Discord would refuse fails here first.
"""

import re
from typing import Any

CHAT_INPUT, USER, MESSAGE = 1, 2, 3
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
COMMANDS_MAX = {CHAT_INPUT: 100, USER: 15, MESSAGE: 15}
OPTIONS_MAX = 25
CHOICES_MAX = 25
DESCRIPTION_MAX = 100
COMMAND_CHARACTERS_MAX = 8000
PERMISSIONS_MAX = 18_014_398_509_481_983
# The naming rule's character classes, as Python's re can spell them for the names Podium uses.
CHAT_INPUT_NAME = re.compile(r"^[-_'\w]{1,32}$")
COMMAND_FIELDS = {
    "id",
    "type",
    "application_id",
    "guild_id",
    "name",
    "name_localizations",
    "description",
    "description_localizations",
    "options",
    "default_member_permissions",
    "dm_permission",
    "default_permission",
    "nsfw",
    "integration_types",
    "contexts",
    "version",
}
OPTION_FIELDS = {
    "type",
    "name",
    "name_localizations",
    "description",
    "description_localizations",
    "required",
    "choices",
    "options",
    "channel_types",
    "min_value",
    "max_value",
    "min_length",
    "max_length",
    "autocomplete",
    "file_types",
}


def command_errors(commands: Any) -> list[str]:
    """Why Discord would refuse this list of commands (empty: it would accept it)."""
    if not isinstance(commands, list):
        return ["body: must be an array of commands"]
    errors: list[str] = []
    seen: set[tuple[int, str]] = set()
    for index, command in enumerate(commands):
        where = f"{index}"
        kind = command.get("type", CHAT_INPUT)
        name = command.get("name", "")
        errors += [f"{where}.{field}: unknown field" for field in set(command) - COMMAND_FIELDS]
        if (kind, name) in seen:
            errors.append(f"{where}.name: application command names must be unique")
        seen.add((kind, name))
        if not _permission_bits(command.get("default_member_permissions")):
            errors.append(f"{where}.default_member_permissions: must be a permission bit set")
        if kind == CHAT_INPUT:
            errors += _chat_input_errors(where, command)
        else:
            if command.get("description", "") != "":
                errors.append(f"{where}.description: must be empty for user and message commands")
            if command.get("options"):
                errors.append(f"{where}.options: only chat input commands take options")
    for kind, most in COMMANDS_MAX.items():
        if sum(1 for c in commands if c.get("type", CHAT_INPUT) == kind) > most:
            errors.append(f"body: at most {most} commands of type {kind}")
    return errors


def _permission_bits(value: Any) -> bool:
    # The documentation writes it as a string, the OpenAPI spec as an integer of at most 54 bits
    # (what discord.py sends); Discord takes either, or null for everyone.
    if value is None:
        return True
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= PERMISSIONS_MAX


def refusal(errors: list[str]) -> dict[str, Any]:
    """Discord's answer to an invalid form body: each error under its place, dot by dot."""
    nested: dict[str, Any] = {}
    for error in errors:
        place, _, message = error.partition(": ")
        node = nested
        for key in place.split("."):
            node = node.setdefault(key, {})
        node.setdefault("_errors", []).append({"code": "BASE_TYPE_INVALID", "message": message})
    return {"code": 50035, "message": "Invalid Form Body", "errors": nested}


def _chat_input_errors(where: str, command: dict[str, Any]) -> list[str]:
    errors = _name_and_description(where, command)
    if _characters(command) > COMMAND_CHARACTERS_MAX:
        errors.append(f"{where}: names, descriptions and values may hold at most {COMMAND_CHARACTERS_MAX} characters")
    errors += _options_errors(f"{where}.options", command.get("options") or [], depth=0)
    return errors


def _options_errors(where: str, options: list[dict[str, Any]], *, depth: int) -> list[str]:
    errors: list[str] = []
    if len(options) > OPTIONS_MAX:
        errors.append(f"{where}: at most {OPTIONS_MAX} options")
    names = [o.get("name") for o in options]
    if len(names) != len(set(names)):
        errors.append(f"{where}: option names must be unique")
    nesting = [o for o in options if o.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP)]
    if nesting and len(nesting) != len(options):
        errors.append(f"{where}: subcommands and groups cannot sit beside other options")
    optional_seen = False
    for index, option in enumerate(options):
        here = f"{where}.{index}"
        kind = option.get("type")
        errors += [f"{here}.{field}: unknown field" for field in set(option) - OPTION_FIELDS]
        errors += _name_and_description(here, option)
        if kind == SUB_COMMAND_GROUP and depth > 0:
            errors.append(f"{here}: a subcommand group can only sit at the top of a command")
        if kind == SUB_COMMAND and depth > 1:
            errors.append(f"{here}: subcommands nest one level deep within a group at most")
        if kind == SUB_COMMAND_GROUP and any(o.get("type") != SUB_COMMAND for o in option.get("options") or []):
            errors.append(f"{here}.options: a subcommand group holds only subcommands")
        if kind in (SUB_COMMAND, SUB_COMMAND_GROUP):
            errors += _options_errors(f"{here}.options", option.get("options") or [], depth=depth + 1)
            continue
        if option.get("options"):
            errors.append(f"{here}.options: only subcommands and groups have options")
        if option.get("required"):
            if optional_seen:
                errors.append(f"{here}.required: required options must be listed before optional ones")
        else:
            optional_seen = True
        if len(option.get("choices") or []) > CHOICES_MAX:
            errors.append(f"{here}.choices: at most {CHOICES_MAX} choices")
        if option.get("autocomplete") and option.get("choices"):
            errors.append(f"{here}.autocomplete: cannot be set with choices")
    return errors


def _name_and_description(where: str, item: dict[str, Any]) -> list[str]:
    errors = []
    name = item.get("name", "")
    if not CHAT_INPUT_NAME.match(name) or name != name.lower():
        errors.append(f"{where}.name: 1-32 lowercase letters, digits, - _ or '")
    if not 1 <= len(item.get("description", "")) <= DESCRIPTION_MAX:
        errors.append(f"{where}.description: 1-{DESCRIPTION_MAX} characters")
    return errors


def _characters(item: dict[str, Any]) -> int:
    total = len(item.get("name", "")) + len(item.get("description", ""))
    for choice in item.get("choices") or []:
        total += len(str(choice.get("name", ""))) + len(str(choice.get("value", "")))
    return total + sum(_characters(option) for option in item.get("options") or [])
