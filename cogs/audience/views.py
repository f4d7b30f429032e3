"""The audience's buttons and the ask modal.

Buttons are ``DynamicItem``s: their custom_id carries what they act on
(``podium:vote:<question>:up``), so they work on any card, even one posted before a restart.
"""

import re
from functools import partial
from typing import TYPE_CHECKING, Literal, cast

import discord

from bot.discord import safe
from bot.discord.actors import actor_from
from bot.discord.errors import guarded
from bot.discord.forms import PersistentForm
from bot.discord.render import MODAL_TITLE_MAX, TEXT_INPUT_MAX, check_custom_id, clip, quote
from bot.services.actors import Actor
from bot.services.dedup import suggest_similar
from bot.services.events import get_event
from bot.services.guilds import guild_settings
from bot.services.questions import Forwarded, describe_status, submit_question
from bot.services.votes import toggle_vote
from db.models import Question, QuestionStatus

if TYPE_CHECKING:
    from bot.app import PodiumBot

Direction = Literal["up", "down"]
_ARROWS = {"up": "▲", "down": "▼"}


def bot_of(interaction: discord.Interaction) -> "PodiumBot":
    return cast("PodiumBot", interaction.client)


class VoteButton(
    discord.ui.DynamicItem[discord.ui.Button], template=r"podium:vote:(?P<question>\d+):(?P<direction>up|down)"
):
    """Upvote (or downvote) a question from its card; a second click takes the vote back."""

    def __init__(
        self,
        question_id: int,
        direction: Direction,
        *,
        count: int = 0,
        disabled: bool = False,
        label: str | None = None,
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=label or f"{_ARROWS[direction]} {count}",
                style=discord.ButtonStyle.primary if direction == "up" else discord.ButtonStyle.secondary,
                custom_id=check_custom_id(f"podium:vote:{question_id}:{direction}"),
                disabled=disabled,
            )
        )
        self.question_id, self.direction = question_id, direction

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> "VoteButton":
        return cls(int(match["question"]), cast(Direction, match["direction"]))

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        bot = bot_of(interaction)
        value = 1 if self.direction == "up" else -1
        tally = await toggle_vote(bot.db, self.question_id, actor_from(interaction), value)
        if tally.my_vote:
            message = f"Your {self.direction}vote on #{tally.question_id} counts."
        else:
            message = f"Your vote on #{tally.question_id} is taken back."
        # On the card, the answer is the card redrawn with the new counts (which Discord does not
        # rate-limit), and the voter's confirmation follows privately. Elsewhere (a suggestion
        # only the member sees) the reply says the count, and the card is edited in a moment.
        if await bot.cards.answer_vote(interaction, tally):
            await safe.reply(interaction, message)
        else:
            await safe.reply(interaction, f"{message} It now has ▲ {tally.votes_up}." if tally.my_vote else message)
            bot.cards.refresh(self.question_id, votes_only=True)


class AskButton(discord.ui.DynamicItem[discord.ui.Button], template=r"podium:ask:(?P<event>\d+)"):
    """The event panel's "Ask a question" button: opens the ask modal."""

    def __init__(self, event_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Ask a question",
                emoji="✋",
                style=discord.ButtonStyle.success,
                custom_id=check_custom_id(f"podium:ask:{event_id}"),
            )
        )
        self.event_id = event_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> "AskButton":
        return cls(int(match["event"]))

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        await open_ask_modal(interaction, self.event_id)


async def open_ask_modal(interaction: discord.Interaction, event_id: int) -> None:
    event = await get_event(bot_of(interaction).db, event_id, guild_id=interaction.guild_id)
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
    """Submit a question, tell the member where it stands, then show it where it belongs.

    Unless ``confirmed``, a question that repeats one already asked is not sent yet: the member is
    offered the existing ones to upvote instead, and can still send theirs. ``author`` and
    ``forwarded`` are set when a member forwards someone else's message: the question is credited
    to the author, and the service checks the forwarder (see ``submit_question``).
    """
    bot = bot_of(interaction)
    # Looking for similar questions and storing this one can take longer than Discord's three
    # seconds in a busy burst: acknowledge first, answer in a moment.
    await safe.defer(interaction)
    if not confirmed:
        suggestions = await suggest_similar(bot.db, bot.similar, event_id, text)
        if suggestions:
            from cogs.audience.suggestions import offer_instead  # the view needs ``ask`` itself

            await offer_instead(
                interaction,
                suggestions,
                partial(
                    ask,
                    event_id=event_id,
                    text=text,
                    anonymous=anonymous,
                    author=author,
                    forwarded=forwarded,
                    confirmed=True,
                ),
            )
            return
    question = await submit_question(
        bot.db,
        event_id,
        author or actor_from(interaction),
        text,
        anonymous=anonymous,
        forwarded=forwarded,
        similar=bot.similar,
    )
    if question.status is QuestionStatus.PUBLISHED:
        note = "Its card is posted for everyone to upvote."
    else:
        note = "A moderator will review it before it is published."
    credit = f" (credited to {quote(author.display_name)})" if author is not None else ""
    await safe.reply(interaction, f"Thanks! Question #{question.id}{credit} is {describe_status(question)}. {note}")
    await show_question(bot, question)


async def show_question(bot: "PodiumBot", question: Question) -> None:
    """Put a new question where it belongs: a public card, or the moderators' review channel."""
    if question.status is QuestionStatus.PUBLISHED:
        await bot.cards.post(question)
        return
    from cogs.moderation.views import post_for_review  # the moderators' side of the same flow

    event = await get_event(bot.db, question.event_id)
    channel_id = (await guild_settings(bot.db, event.guild_id)).moderators_channel_id
    if channel_id is not None:
        await post_for_review(bot, question, channel_id)
