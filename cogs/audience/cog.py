"""Audience commands: /ask, /my-questions, /withdraw, and "Ask the panel" on a chat message."""

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord import buttons, safe
from bot.discord.actors import actor_from, member_actor
from bot.discord.browse import my_questions_embed
from bot.discord.client import podium_of
from bot.discord.options import chosen_event, event_autocomplete
from bot.discord.render import quote
from bot.flows import audience
from bot.services.qa.questions import Forwarded, my_questions
from cogs.audience.board import BrowseButton, BrowsePageButton, BrowseSelect, MineButton, vote_in_browse, vote_on_board
from cogs.audience.notices import Notices
from cogs.audience.views import AskButton, VoteButton, ask, open_ask_modal

EVENT_HELP = "Which event (the one running here if you leave it out)"


class Audience(commands.Cog):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot
        self.ask_the_panel = app_commands.ContextMenu(name="Ask the panel", callback=self.forward_message)
        self.ask_the_panel.guild_only = True

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.ask_the_panel)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.ask_the_panel.name, type=self.ask_the_panel.type)

    @app_commands.command(name="ask", description="Ask the panel a question")
    @app_commands.describe(
        text="Your question (leave empty to open the question form)",
        anonymous="Hide your name from everyone but the moderators",
        event=EVENT_HELP,
    )
    @app_commands.autocomplete(event=event_autocomplete)
    @app_commands.guild_only()
    async def ask_command(
        self,
        interaction: discord.Interaction,
        text: app_commands.Range[str, 1, 4000] | None = None,
        anonymous: bool = False,
        event: int | None = None,
    ) -> None:
        if text is not None:
            # Acknowledged before any database work, however busy the database is (``ask`` defers
            # too; a form, below, cannot follow a deferral).
            await safe.defer(interaction)
        chosen = await chosen_event(interaction, event)
        if text is None:
            await open_ask_modal(interaction, chosen.id)
        else:
            await ask(interaction, chosen.id, text, anonymous=anonymous)

    @app_commands.command(name="my-questions", description="The questions you asked, and where each stands")
    @app_commands.describe(event=EVENT_HELP)
    @app_commands.autocomplete(event=event_autocomplete)
    @app_commands.guild_only()
    async def my_questions_command(self, interaction: discord.Interaction, event: int | None = None) -> None:
        chosen = await chosen_event(interaction, event)
        questions = await my_questions(podium_of(interaction).db, chosen.id, actor_from(interaction))
        if not questions:
            await safe.reply(interaction, f"You have not asked anything in “{quote(chosen.title)}” yet. Try `/ask`.")
            return
        await safe.reply(interaction, embed=my_questions_embed(chosen, list(questions)))

    @app_commands.command(name="withdraw", description="Take back one of your questions")
    @app_commands.describe(question="The number of your question, e.g. 12")
    @app_commands.guild_only()
    async def withdraw_command(self, interaction: discord.Interaction, question: int) -> None:
        withdrawn = await audience.withdraw(podium_of(interaction), question, actor_from(interaction))
        await safe.reply(interaction, f"Question #{withdrawn.id} is withdrawn.")

    async def forward_message(self, interaction: discord.Interaction, message: discord.Message) -> None:
        chosen = await chosen_event(interaction, None)
        forwarder = actor_from(interaction)
        forwarded = Forwarded(
            by=forwarder,
            channel_id=message.channel.id,
            # A webhook's or a system message is no member's either.
            from_bot=message.author.bot or message.webhook_id is not None or message.is_system(),
        )
        author = member_actor(message.author, chosen.guild_id)
        await ask(interaction, chosen.id, message.content, author=author, forwarded=forwarded)


async def setup(bot: commands.Bot) -> None:
    bot.add_dynamic_items(VoteButton, AskButton, BrowseButton, MineButton, BrowsePageButton, BrowseSelect)
    # The burst's clicks, answered from the payload (``bot.discord.clicks``).
    bot.clicks.add(buttons.BOARD_VOTE, vote_on_board)  # type: ignore[attr-defined]
    bot.clicks.add(buttons.BROWSE_VOTE, vote_in_browse)  # type: ignore[attr-defined]
    await bot.add_cog(Audience(bot))
    await bot.add_cog(Notices(bot))
