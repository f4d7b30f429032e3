"""Before a question is sent: "this looks like #12; upvote that one instead?"."""

from collections.abc import Awaitable, Callable

import discord

from bot.discord import safe
from bot.discord.buttons import vote_button
from bot.discord.errors import PodiumView
from bot.discord.render import clip, quote
from bot.services.qa.questions import describe_status
from bot.services.sense.dedup import Suggestion

Send = Callable[[discord.Interaction], Awaitable[None]]
OFFER_TIMEOUT_S = 10 * 60


class SendAnyway(PodiumView):
    """Holds the member's question while they decide; only they see it, for ten minutes."""

    def __init__(self, suggestions: list[Suggestion], send: Send) -> None:
        super().__init__(timeout=OFFER_TIMEOUT_S)
        self.send = send
        for suggestion in suggestions:
            label = f"▲ Upvote #{suggestion.question_id} instead"
            self.add_item(vote_button(suggestion.question_id, "up", label=label))

    @discord.ui.button(label="Ask mine anyway", style=discord.ButtonStyle.secondary, row=1)
    async def anyway(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        self.stop()
        await self.send(interaction)


async def offer_instead(interaction: discord.Interaction, suggestions: list[Suggestion], send: Send) -> None:
    """Show the member the questions theirs seems to repeat, with a way to send it regardless."""
    embed = discord.Embed(title="Has this been asked already?", colour=discord.Colour.blurple())
    for suggestion in suggestions:
        status = describe_status(suggestion)
        embed.add_field(
            name=f"#{suggestion.question_id} · ▲ {suggestion.votes_up} · {status}",
            value=quote(clip(suggestion.text, 300)),
            inline=False,
        )
    embed.set_footer(text="Upvoting shows the panel more people want it answered. Your question is not sent yet.")
    await safe.reply(interaction, embed=embed, view=SendAnyway(suggestions, send))
