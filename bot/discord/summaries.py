"""Podium's records as the short replies to moderators' commands describe them: the server's
settings, an event in one line, the presenter screen's links. Every name a member typed is quoted."""

from bot.discord.render import quote
from bot.web.server import PresenterServer
from db.models import Event, GuildSettings


def _channel(channel_id: int | None) -> str:
    return f"<#{channel_id}>" if channel_id else "not set"


# Discord shows a command with default member permissions only to members who hold them; a
# server lets its moderator role see them there, which the bot itself cannot do.
SEEING_THE_COMMANDS = (
    "Moderators' commands (`/mod`, `/event`, `/report`, `/brief`, `/digest`, `/recap`, `/present`, `/console`) are "
    "hidden from members without Manage Server. To let your moderator role use them: **Server Settings → "
    "Integrations → Podium**, then add the role to each of those commands (or under *Roles & Members* for "
    "all of them)."
)


def describe_settings(settings: GuildSettings) -> str:
    """The server's settings as /podium-setup shows them, and how to let moderators see the commands."""
    roles = ", ".join(f"<@&{role}>" for role in settings.moderator_role_ids) or "none (Manage Server only)"
    return "\n".join(
        [
            f"Moderator roles: {roles}",
            f"Q&A channel: {_channel(settings.qa_channel_id)}",
            f"Moderators' channel: {_channel(settings.moderators_channel_id)}",
            f"Recap channel: {_channel(settings.recap_channel_id)}",
            f"Time zone: {settings.timezone}",
            f"A card per question in new events: {'on' if settings.event_defaults.get('question_cards') else 'off'}",
            "",
            SEEING_THE_COMMANDS,
        ]
    )


def describe_event(event: Event) -> str:
    """An event in one line: its number, title, state and start."""
    when = f" · starts <t:{int(event.starts_at.timestamp())}:f>" if event.starts_at else ""
    return f"#{event.id} **{quote(event.title)}** ({event.state.value}){when}"


def presenter_links(presenter: PresenterServer, event: Event, token: str, *, rotated: bool) -> str:
    """The links, wrapped in <> so Discord fetches no preview of them (its crawler would hold the token)."""
    opening = (
        f"New presenter links for “{quote(event.title)}”; the old ones no longer work."
        if rotated
        else f"Presenter screen for “{quote(event.title)}”."
    )
    return "\n".join(
        [
            opening,
            f"For the projector: <{presenter.link(token)}>",
            f"For OBS (transparent background): <{presenter.link(token, overlay=True)}>",
            "Anyone with these links can watch the screen, so keep them among the organisers. "
            "If one leaks, `/present rotate: True` replaces them.",
        ]
    )
