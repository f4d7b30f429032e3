"""The web console's sign-in: one-use links bound to a moderator's Discord id, and sessions.

``/console`` gives a moderator a link holding a secret (``secrets.token_urlsafe``) that works
once, within ``LINK_TTL``, for the account and server it was made for. Exchanging it starts a
session: a second secret for the cookie and a CSRF token every change must carry. Only hashes
of the secrets are stored, so a copy of the database signs no one in. Signing out ends the
session; asking for a link with ``rotate`` ends every session and link of that moderator in that
server at once.

A session says who someone was when they signed in, not what they may do now: every action
re-reads the person from Discord and goes through the services' moderator check.
"""

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select, update

from bot.domain.actors import Actor
from bot.domain.clock import utcnow
from bot.domain.errors import NotAllowed
from bot.services.qa.guilds import require_moderator
from db.engine import Database
from db.models import ConsoleLink, ConsoleSession

LINK_TTL = timedelta(minutes=5)
SESSION_TTL = timedelta(hours=12)
TOKEN_BYTES = 32
# What token_urlsafe(TOKEN_BYTES) produces; anything else is refused without a database query.
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")
LINK_REFUSED = "This sign-in link has expired or was already used. Ask for a new one with /console in Discord."
SIGNED_OUT = "You are not signed in to the console (or your session ended). Ask for a link with /console in Discord."
OTHER_ACCOUNT = (
    "This sign-in link was made for another Discord account than the one signed in here. "
    "Sign out first, or ask for your own link with /console."
)


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A session just started: the cookie's secret and the CSRF token, shown once."""

    token: str
    csrf_token: str
    guild_id: int
    user_id: int


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_sign_in_link(
    db: Database, guild_id: int, moderator: Actor, *, rotate: bool = False, now: datetime | None = None
) -> str:
    """A new one-use sign-in secret for this moderator of this server; earlier unused links stop
    working, and with ``rotate`` so do the moderator's sessions."""
    now = now or utcnow()
    token = secrets.token_urlsafe(TOKEN_BYTES)

    def issue(session: Session) -> None:
        require_moderator(session, guild_id, moderator)
        mine = (col(ConsoleLink.guild_id) == guild_id, col(ConsoleLink.user_id) == moderator.user_id)
        session.exec(update(ConsoleLink).where(*mine, col(ConsoleLink.used_at).is_(None)).values(used_at=now))
        if rotate:
            _end_sessions(session, guild_id, moderator.user_id, now)
        session.add(
            ConsoleLink(
                token_hash=_hash(token),
                guild_id=guild_id,
                user_id=moderator.user_id,
                created_at=now,
                expires_at=now + LINK_TTL,
            )
        )

    await db.write(issue)
    return token


async def exchange_link(
    db: Database, token: str, *, signed_in_as: int | None = None, now: datetime | None = None
) -> SignedIn:
    """Start a session from a sign-in secret, which then works no more.

    ``signed_in_as`` is the user of a session the browser already holds: a link made for someone
    else is refused then, and stays unused for its owner.
    """
    now = now or utcnow()
    if not _TOKEN_SHAPE.fullmatch(token):
        raise NotAllowed(LINK_REFUSED)
    started = SignedIn(secrets.token_urlsafe(TOKEN_BYTES), secrets.token_urlsafe(TOKEN_BYTES), 0, 0)

    def exchange(session: Session) -> SignedIn:
        link = session.exec(select(ConsoleLink).where(ConsoleLink.token_hash == _hash(token)).with_for_update()).first()
        if link is None or link.used_at is not None or link.expires_at <= now:
            raise NotAllowed(LINK_REFUSED)
        if signed_in_as is not None and signed_in_as != link.user_id:
            raise NotAllowed(OTHER_ACCOUNT)
        link.used_at = now
        session.add(link)
        session.add(
            ConsoleSession(
                token_hash=_hash(started.token),
                csrf_token=started.csrf_token,
                guild_id=link.guild_id,
                user_id=link.user_id,
                created_at=now,
                expires_at=now + SESSION_TTL,
            )
        )
        return SignedIn(started.token, started.csrf_token, link.guild_id, link.user_id)

    return await db.write(exchange)


async def console_session(db: Database, token: str | None, *, now: datetime | None = None) -> ConsoleSession:
    """The live session behind a cookie's secret, or ``NotAllowed`` (unknown, ended, expired)."""
    now = now or utcnow()
    if token is None or not _TOKEN_SHAPE.fullmatch(token):
        raise NotAllowed(SIGNED_OUT)

    def read(session: Session) -> ConsoleSession:
        found = session.exec(select(ConsoleSession).where(ConsoleSession.token_hash == _hash(token))).first()
        if found is None or found.ended_at is not None or found.expires_at <= now:
            raise NotAllowed(SIGNED_OUT)
        return found

    return await db.read(read)


def csrf_matches(session: ConsoleSession, given: str | None) -> bool:
    """Whether a change carries the session's CSRF token (compared in constant time)."""
    return given is not None and hmac.compare_digest(session.csrf_token.encode(), given.encode())


async def sign_out(db: Database, token: str, *, now: datetime | None = None) -> None:
    """End the session behind this cookie's secret."""
    now = now or utcnow()

    def end(session: Session) -> None:
        session.exec(
            update(ConsoleSession)
            .where(col(ConsoleSession.token_hash) == _hash(token), col(ConsoleSession.ended_at).is_(None))
            .values(ended_at=now)
        )

    await db.write(end)


def _end_sessions(session: Session, guild_id: int, user_id: int, now: datetime) -> None:
    session.exec(
        update(ConsoleSession)
        .where(
            col(ConsoleSession.guild_id) == guild_id,
            col(ConsoleSession.user_id) == user_id,
            col(ConsoleSession.ended_at).is_(None),
        )
        .values(ended_at=now)
    )
