"""What the flows need from the world outside the database, and nothing more.

The bot implements it on Discord (``bot.discord.publisher``); tests and rehearsals record it.
Every method returns once the effect is out (or refused); none raises for a refusal by Discord.
"""

from collections.abc import Awaitable, Callable
from typing import Protocol

from bot.domain.enums import EventState
from bot.services.drafts.drafting import ApprovedRecap
from bot.services.surfaces.notices import News
from db.models import Draft, Event, Question

# Told how many of a recap's messages are out, and whether that is all of them.
Posted = Callable[[int, bool], Awaitable[None]]


class Publisher(Protocol):
    def question_changed(self, question_id: int, *, votes_only: bool = False) -> None:
        """Bring the question's public face up to date soon (a card posted if it now needs one);
        ``votes_only``: nothing but its counts changed."""
        ...

    def event_changed(self, event_id: int) -> None:
        """Bring the event's public face (its board) up to date soon: its state, rules or recap changed."""
        ...

    def notify(self, question_id: int, news: News) -> None:
        """Tell the question's asker what happened to it (by DM, if they allow it), in the background."""
        ...

    async def schedule_in_discord(self, event: Event) -> str | None:
        """Create (or move) the event's entry in the server's own Events; None if done, else a
        sentence saying what Discord refused (a permission to grant)."""
        ...

    async def end_in_discord(self, event: Event, before: EventState) -> None:
        """End the event's entry in the server's Events (cancelled if it never ran)."""
        ...

    async def publish(self, question: Question) -> None:
        """Show a newly published question to the audience."""
        ...

    async def request_review(self, channel_id: int, question: Question) -> None:
        """Put a question waiting for review in front of the moderators."""
        ...

    async def announce_live(self, channel_id: int, question: Question) -> None:
        """Say in the event's channel which question the panel is answering now."""
        ...

    async def show_on_stage(self, question: Question) -> str | None:
        """Make the question being answered the topic of the event's Stage, when the panel speaks
        in one; a sentence for the moderators if that could not be done."""
        ...

    async def open_panel(self, channel_id: int, event: Event) -> bool:
        """Post (and pin) the event's panel, its board: the questions to vote on and its "Ask a question"
        button; True if posted."""
        ...

    async def remind(self, channel_id: int, event: Event) -> bool:
        """Post the event's panel and when it starts; True if posted."""
        ...

    async def deliver(self, channel_id: int, heading: str, draft: Draft) -> bool:
        """Put a draft in front of the moderators under Podium's ``heading`` (a recap with its
        Approve / Regenerate / Edit buttons); True if posted."""
        ...

    async def post_recap(self, channel_id: int, recap: ApprovedRecap, chart: bytes, *, posted: Posted) -> bool:
        """Post an approved recap's messages in order after the ``recap.posted`` already out, the
        chart attached to the last, telling ``posted(parts, complete)`` after each; True if all are out."""
        ...
