"""The presenter page and its screen fragment, rendered by Jinja with HTML escaping on.

The fragment (``screen.html``) is the one renderer of what the screen shows: the first page load
embeds it, and every update sends it whole over the event stream, so the browser never builds
markup from data itself.
"""

import hashlib
from functools import cache
from importlib.resources import files

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from bot.domain.enums import EventState
from bot.services.surfaces.presenter import Screen
from db.models import Event

_environment = Environment(
    loader=PackageLoader("bot.web", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)

# A line under the title when the event is not taking questions.
STATE_NOTES = {
    EventState.DRAFT: "Questions open soon",
    EventState.SCHEDULED: "Questions open soon",
    EventState.PAUSED: "Questions are paused; votes still count",
    EventState.CLOSED: "The Q&A has ended. Thank you for your questions",
    EventState.ARCHIVED: "The Q&A has ended. Thank you for your questions",
}
# Past this many characters a question is set in smaller type, so it still fits the screen.
LONG_QUESTION = 220


def render_screen(screen: Screen) -> str:
    """The screen's content: the event's title, the live question and the questions up next."""
    return _environment.get_template("screen.html").render(
        screen=screen, note=STATE_NOTES.get(screen.state), long_question=LONG_QUESTION
    )


def version_of(fragment: str) -> str:
    """A short fingerprint of a rendered screen: equal fragments, equal versions."""
    return hashlib.sha256(fragment.encode()).hexdigest()[:16]


def render_page(screen: Screen, fragment: str, *, overlay: bool, nonce: str) -> str:
    """The whole page around a rendered screen; its inline style and script carry ``nonce`` for the CSP."""
    return _environment.get_template("page.html").render(
        screen=screen,
        fragment=Markup(fragment),
        version=version_of(fragment),
        overlay=overlay,
        nonce=nonce,
        style=_asset("presenter.css"),
        script=_asset("presenter.js"),
    )


def render_sign_in(*, nonce: str) -> str:
    """The console's sign-in page: one button, so that opening the link never uses it up."""
    return _environment.get_template("console_sign_in.html").render(nonce=nonce)


def render_console(event: Event | None, events: list[Event], *, csrf: str, nonce: str) -> str:
    """The console: an event's queue (drawn by its script from JSON), or the server's events."""
    return _environment.get_template("console.html").render(
        event=event,
        events=events,
        csrf=csrf,
        nonce=nonce,
        style=_asset("console.css"),
        script=_asset("console.js"),
    )


@cache
def _asset(name: str) -> Markup:
    # Inlined rather than served: every response needs the token, and one request paints the screen.
    return Markup(files("bot.web").joinpath("templates", name).read_text(encoding="utf-8"))
