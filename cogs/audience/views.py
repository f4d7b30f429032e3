"""The audience's buttons and the ask modal.

Buttons are ``DynamicItem``s parsing the templates of ``bot.discord.buttons``: their custom_id
carries what they act on (``podium:vote:<question>:up``), so they work on any card, even one
posted before a restart.
"""

import re
from functools import partial
from typing import cast

import discord

from bot.discord import buttons, safe
from bot.discord.actors import actor_from
from bot.discord.buttons import Direction
from bot.discord.clicks import answer_click
from bot.discord.client import podium_of
from bot.discord.errors import guarded
from bot.discord.forms import PersistentForm
from bot.discord.publisher import DiscordPublisher
from bot.discord.render import MODAL_TITLE_MAX, TEXT_INPUT_MAX, check_custom_id, clip, quote
from bot.domain.actors import Actor
from bot.domain.enums import QuestionStatus
from bot.flows import audience
from bot.flows.context import Podium
from bot.services.qa.events import get_event
from bot.services.qa.questions import Forwarded, describe_status
from bot.services.qa.votes import VoteTally
from cogs.audience.suggestions import offer_instead


class VoteButton(discord.ui.DynamicItem[discord.ui.Button], template=buttons.VOTE):
    """Upvote (or downvote) a question from its card; a second click takes the vote back."""

    def __init__(self, question_id: int, direction: Direction, item: discord.ui.Button | None = None) -> None:
        super().__init__(item or buttons.vote_button(question_id, direction))
        self.question_id, self.direction = question_id, direction

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> "VoteButton":
        return cls(int(match["question"]), cast(Direction, match["direction"]), item)

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        podium = podium_of(interaction)
        value = 1 if self.direction == "up" else -1
        vote = audience.vote(podium, self.question_id, actor_from(interaction), value)
        # A late vote is acknowledged first; the card is then redrawn as the original response.
        with cast(DiscordPublisher, podium.publisher).cards.counting(self.question_id):
            await answer_click(interaction, vote, lambda tally: self._answer(interaction, podium, tally))

    async def _answer(self, interaction: discord.Interaction, podium: Podium, tally: VoteTally) -> None:
        if tally.my_vote:
            message = f"Your {self.direction}vote on #{tally.question_id} counts."
        else:
            message = f"Your vote on #{tally.question_id} is taken back."
        # On the card, the answer is the card redrawn with the new counts (which Discord does not
        # rate-limit), and the voter's confirmation follows privately. Elsewhere (a suggestion
        # only the member sees) the reply says the count, and the card is edited in a moment.
        cards = cast(DiscordPublisher, podium.publisher).cards
        if await cards.answer_vote(interaction, tally):
            await safe.reply(interaction, message)
        else:
            await safe.reply(interaction, f"{message} It now has ▲ {tally.votes_up}." if tally.my_vote else message)
            podium.publisher.question_changed(self.question_id, votes_only=True)


class AskButton(discord.ui.DynamicItem[discord.ui.Button], template=buttons.ASK):
    """The event panel's "Ask a question" button: opens the ask modal."""

    def __init__(self, event_id: int, item: discord.ui.Button | None = None) -> None:
        super().__init__(item or buttons.ask_button(event_id))
        self.event_id = event_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> "AskButton":
        return cls(int(match["event"]), item)

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        await open_ask_modal(interaction, self.event_id)


async def open_ask_modal(interaction: discord.Interaction, event_id: int) -> None:
    event = await get_event(podium_of(interaction).db, event_id, guild_id=interaction.guild_id)
    modal = AskModal(event_id, title=clip(f"Ask: {event.title}", MODAL_TITLE_MAX), max_length=event.max_question_length)
    if event.allow_anonymous:
        modal.add_anonymity_choice()
    await safe.open_modal(interaction, modal)


class AskModal(PersistentForm, template=r"podium:form:ask:(?P<event>\d+)"):
    """The question form: the question, and (where the event allows) whether to ask anonymously."""

    def __init__(self, event_id: int, *, title: str, max_length: int) -> None:
        super().__init__(title=title, timeout=15 * 60, custom_id=check_custom_id(f"podium:form:ask:{event_id}"))
        self.event_id = event_id
        self.question = discord.ui.TextInput(
            label="Your question",
            style=discord.TextStyle.paragraph,
            placeholder="What would you like the panel to answer?",
            max_length=max_length,
            custom_id="question",
        )
        self.add_item(self.question)
        self.anonymity: discord.ui.Select | None = None

    @classmethod
    def from_custom_id(cls, match: re.Match[str]) -> "AskModal":
        # The service checks the text and whether the event takes anonymous questions again.
        form = cls(int(match["event"]), title="Ask", max_length=TEXT_INPUT_MAX)
        form.add_anonymity_choice()
        return form

    def add_anonymity_choice(self) -> None:
        self.anonymity = discord.ui.Select(
            custom_id="anonymity",
            options=[
                discord.SelectOption(label="Show my name", value="named", default=True),
                discord.SelectOption(label="Ask anonymously", value="anonymous"),
            ],
        )
        self.add_item(discord.ui.Label(text="Who should the panel see?", component=self.anonymity))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        anonymous = self.anonymity is not None and self.anonymity.values == ["anonymous"]
        await ask(interaction, self.event_id, self.question.value, anonymous=anonymous)


async def ask(
    interaction: discord.Interaction,
    event_id: int,
    text: str,
    *,
    anonymous: bool = False,
    author: Actor | None = None,
    forwarded: Forwarded | None = None,
    confirmed: bool = False,
) -> None:
    """Ask (``bot.flows.audience.ask``) and tell the member where their question stands, or offer
    them the questions it seems to repeat, with a way to send it anyway. ``author`` and
    ``forwarded`` are set when a member forwards someone else's message (see ``submit_question``)."""
    # Looking for similar questions and storing this one can take longer than Discord's three
    # seconds in a busy burst: acknowledge first, answer in a moment.
    await safe.defer(interaction)
    member = actor_from(interaction)
    asked = await audience.ask(
        podium_of(interaction),
        event_id,
        member,
        text,
        anonymous=anonymous,
        author=author,
        forwarded=forwarded,
        confirmed=confirmed,
    )
    if isinstance(asked, audience.Offered):
        send = partial(
            ask, event_id=event_id, text=text, anonymous=anonymous, author=author, forwarded=forwarded, confirmed=True
        )
        await offer_instead(interaction, asked.suggestions, send)
        return
    if asked.status is QuestionStatus.PUBLISHED:
        note = "Everyone can see it and upvote it now."
    else:
        note = "A moderator will review it before it is published."
    credit = f" (credited to {quote(author.display_name)})" if author is not None else ""
    await safe.reply(interaction, f"Thanks! Question #{asked.id}{credit} is {describe_status(asked)}. {note}")
