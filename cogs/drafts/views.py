"""Showing drafts to moderators, and the recap's Approve / Regenerate / Edit buttons."""

import io
import re
from typing import TYPE_CHECKING, Literal, cast

import discord

from bot.discord import safe
from bot.discord.actors import actor_from
from bot.discord.errors import guarded
from bot.discord.forms import PersistentForm
from bot.discord.render import EMBED_DESCRIPTION_MAX, TEXT_INPUT_MAX, check_custom_id, clip, quote, split_content
from bot.services.charts import timeline_chart
from bot.services.drafting import ApprovedRecap, approve_recap, edit_recap, get_draft, recap_posted, regenerate_draft
from bot.services.events import get_event
from bot.services.guilds import guild_settings
from cogs.audience.views import bot_of
from db.models import Draft, DraftKind, DraftWriter

if TYPE_CHECKING:
    from bot.app import PodiumBot

RecapAction = Literal["approve", "regenerate", "edit"]
RECAP_BUTTONS: dict[str, tuple[str, discord.ButtonStyle]] = {
    "approve": ("Approve and post", discord.ButtonStyle.success),
    "regenerate": ("Regenerate", discord.ButtonStyle.secondary),
    "edit": ("Edit", discord.ButtonStyle.secondary),
}
# The preview shows the start of a long recap; the whole of it is posted on approval.
PREVIEW_MAX = 3_500


def draft_embed(draft: Draft) -> discord.Embed:
    """A draft as moderators see it: model text shown as data, with how it was written."""
    writer = "written by the model" if draft.writer is DraftWriter.MODEL else "extractive (no model)"
    embed = discord.Embed(title=f"{draft.kind.value.capitalize()} #{draft.id} · {writer}", colour=discord.Colour.teal())
    text = quote(draft.text)
    if len(text) > PREVIEW_MAX:
        text = clip(text, PREVIEW_MAX) + f"\n\n*…{len(draft.text):,} characters in all; all of it is posted.*"
    embed.description = clip(text, EMBED_DESCRIPTION_MAX)
    notes = []
    if draft.fallback_reason:
        notes.append(
            f"The extractive writer drafted this because the language model could not: {draft.fallback_reason}"
        )
    if draft.dropped:
        notes.append(f"{len(draft.dropped)} line(s) dropped by the citation check")
    if notes:
        embed.set_footer(text=" · ".join(notes))
    return embed


def recap_buttons(draft: Draft) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for action in RECAP_BUTTONS:
        view.add_item(RecapButton(cast(RecapAction, action), draft.id or 0))
    return view


async def show_draft(interaction: discord.Interaction, draft: Draft) -> None:
    view = recap_buttons(draft) if draft.kind is DraftKind.RECAP else None
    await safe.reply(interaction, embed=draft_embed(draft), view=view)


class RecapButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"podium:recap:(?P<action>approve|regenerate|edit):(?P<draft>\d+)",
):
    """Nothing is posted publicly until a moderator presses Approve."""

    def __init__(self, action: RecapAction, draft_id: int) -> None:
        label, style = RECAP_BUTTONS[action]
        super().__init__(
            discord.ui.Button(label=label, style=style, custom_id=check_custom_id(f"podium:recap:{action}:{draft_id}"))
        )
        self.action, self.draft_id = action, draft_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> "RecapButton":
        return cls(cast(RecapAction, match["action"]), int(match["draft"]))

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        bot, moderator = bot_of(interaction), actor_from(interaction)
        if self.action == "edit":
            draft = await get_draft(bot.db, self.draft_id, moderator)
            await safe.open_modal(interaction, EditRecapModal(draft.id or 0, draft.text))
            return
        await safe.defer(interaction)
        if self.action == "regenerate":
            await show_draft(interaction, await regenerate_draft(bot.db, self.draft_id, moderator, model=bot.model))
            return
        approved = await approve_recap(bot.db, self.draft_id, moderator)
        event = await get_event(bot.db, approved.draft.event_id)
        channel_id = (await guild_settings(bot.db, event.guild_id)).recap_channel_id or event.channel_id
        if channel_id is None:
            await safe.reply(interaction, "The recap is approved, but there is no recap channel to post it in.")
            return
        if await post_recap(bot, channel_id, approved):
            await safe.reply(interaction, f"Recap #{approved.draft.id} approved and posted in <#{channel_id}>.")
        else:
            await safe.reply(
                interaction,
                f"Recap #{approved.draft.id} is approved, but Podium could not post all of it in <#{channel_id}>: "
                "check that it may send messages and attach files there, then press **Approve and post** again "
                "to post the rest.",
            )


async def post_recap(bot: "PodiumBot", channel_id: int, recap: ApprovedRecap) -> bool:
    """Post an approved recap publicly, the event's timeline chart attached to its last message.

    Its text is data (the model wrote most of it), so it is made inert and split again to fit.
    Messages already posted (``recap.posted``) are skipped, each one posted is remembered at once,
    and each carries a nonce, so a post cut short resumes without posting anything twice. True if
    every message is out.
    """
    draft_id = recap.draft.id or 0
    channel = bot.get_partial_messageable(channel_id)
    chunks = split_content(quote("\n".join(recap.messages)))
    chart = await timeline_chart(bot.db, recap.draft.event_id)
    for number, chunk in enumerate(chunks, start=1):
        if number <= recap.posted:
            continue
        file = discord.File(io.BytesIO(chart), filename="timeline.png") if number == len(chunks) else None
        if await safe.post(channel, chunk, file=file, nonce=f"podium-r{draft_id}-{number}") is None:
            return False
        await recap_posted(bot.db, draft_id, number, complete=number == len(chunks))
    return True


class EditRecapModal(PersistentForm, template=r"podium:form:recap:(?P<draft>\d+)"):
    def __init__(self, draft_id: int, text: str = "") -> None:
        super().__init__(
            title=f"Edit recap #{draft_id}", timeout=30 * 60, custom_id=check_custom_id(f"podium:form:recap:{draft_id}")
        )
        self.draft_id = draft_id
        self.text = discord.ui.TextInput(
            label="Recap (keep the [Q12] and [p4] citations)",
            style=discord.TextStyle.paragraph,
            default=text[:TEXT_INPUT_MAX],
            max_length=TEXT_INPUT_MAX,
            custom_id="text",
        )
        self.add_item(self.text)

    @classmethod
    def from_custom_id(cls, match: re.Match[str]) -> "EditRecapModal":
        return cls(int(match["draft"]))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        bot = bot_of(interaction)
        edited = await edit_recap(bot.db, self.draft_id, actor_from(interaction), self.text.value)
        await show_draft(interaction, edited)
