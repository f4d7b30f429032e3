"""A server's Podium settings, and who moderates there."""

from collections.abc import Mapping
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from pydantic import ValidationError
from sqlmodel import Session

from bot.domain.actors import Actor
from bot.domain.clock import utcnow
from bot.domain.enums import LedgerAction
from bot.domain.errors import InvalidInput, NotAllowed
from bot.services.records.ledger import record
from db.engine import Database
from db.models import EventSettings, GuildSettings

_EDITABLE = {"moderator_role_ids", "qa_channel_id", "moderators_channel_id", "recap_channel_id", "timezone"}


def load_guild_settings(session: Session, guild_id: int) -> GuildSettings:
    """The server's settings, or the defaults if it has never changed any."""
    return session.get(GuildSettings, guild_id) or GuildSettings(guild_id=guild_id)


def is_moderator(settings: GuildSettings, actor: Actor) -> bool:
    """Moderators hold one of the server's moderator roles, or the Manage Server permission, there."""
    if not actor.acts_in(settings.guild_id):
        return False
    return actor.manages_guild or not actor.role_ids.isdisjoint(settings.moderator_role_ids)


def require_moderator(session: Session, guild_id: int, actor: Actor) -> None:
    """Raise ``NotAllowed`` unless the actor moderates this server."""
    if not is_moderator(load_guild_settings(session, guild_id), actor):
        raise NotAllowed("Only this server's Podium moderators can do that.")


async def guild_settings(db: Database, guild_id: int) -> GuildSettings:
    """The server's settings (defaults if none were saved)."""
    return await db.read(load_guild_settings, guild_id)


async def update_guild_settings(
    db: Database,
    guild_id: int,
    actor: Actor,
    *,
    event_defaults: Mapping[str, Any] | None = None,
    **changes: Any,
) -> GuildSettings:
    """Change the server's settings; only members with Manage Server may, and the ledger says so.

    ``changes`` may set moderator_role_ids, qa_channel_id, moderators_channel_id,
    recap_channel_id and timezone (an IANA name such as ``Europe/London``); ``event_defaults``
    changes some of the rules new events start with (``EventSettings``' fields), the others kept.
    """
    if not (actor.manages_guild and actor.acts_in(guild_id)):
        raise NotAllowed("Only members with the Manage Server permission can change Podium's settings.")
    unknown = set(changes) - _EDITABLE
    if unknown:
        raise InvalidInput(f"Unknown setting: {', '.join(sorted(unknown))}.")
    if "timezone" in changes:
        _check_timezone(changes["timezone"])
    described = sorted(changes) + (["event_defaults"] if event_defaults is not None else [])
    now = utcnow()

    def update(session: Session) -> GuildSettings:
        settings = load_guild_settings(session, guild_id)
        for name, value in changes.items():
            setattr(settings, name, value)
        if event_defaults is not None:
            merged = {**settings.event_defaults, **event_defaults}
            try:
                settings.event_defaults = EventSettings.model_validate(merged).model_dump(mode="json")
            except ValidationError:
                raise InvalidInput(
                    f"Not a valid default for new events: {', '.join(sorted(event_defaults))}."
                ) from None
        session.add(settings)
        record(
            session,
            guild_id=guild_id,
            actor=actor,
            action=LedgerAction.GUILD_SETTINGS,
            at=now,
            note=", ".join(described),
        )
        return settings

    return await db.write(update)


def _check_timezone(name: str) -> None:
    # Looked up among the names the time zone database has, never as a path: ZoneInfo opens a
    # file named after its key, and a long or odd name fails there with an OSError.
    if name not in _time_zones():
        raise InvalidInput("That is not a time zone I know. Use a name such as Europe/London.")


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(available_timezones())
