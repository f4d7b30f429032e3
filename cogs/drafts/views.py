"""Showing drafts to moderators, and the recap's Approve / Regenerate / Edit buttons."""

import re
from typing import cast

import discord

from bot.discord import safe
from bot.discord.actors import actor_from
from bot.discord.buttons import RECAP, RecapAction, recap_button
from bot.discord.client import podium_of
from bot.discord.embeds import draft_message
from bot.discord.errors import guarded
from bot.discord.forms import PersistentForm, paragraph
from bot.discord.render import check_custom_id
from bot.flows.recaps import approve_and_post
from bot.services.drafts.drafting import edit_recap, get_draft, regenerate_draft


class RecapButton(discord.ui.DynamicItem[discord.ui.Button], template=RECAP):
    """Nothing is posted publicly until a moderator presses Approve."""

    def __init__(self, action: RecapAction, draft_id: int, item: discord.ui.Button | None = None) -> None:
        super().__init__(item or recap_button(action, draft_id))
        self.action, self.draft_id = action, draft_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> "RecapButton":
        return cls(cast(RecapAction, match["action"]), int(match["draft"]), item)

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        podium, moderator = podium_of(interaction), actor_from(interaction)
        if self.action == "edit":
            draft = await get_draft(podium.db, self.draft_id, moderator)
            await safe.open_modal(interaction, EditRecapModal(draft.id or 0, draft.text))
            return
        await safe.defer(interaction)
        if self.action == "regenerate":
            regenerated = await regenerate_draft(podium.db, self.draft_id, moderator, model=podium.model)
            await safe.reply(interaction, **draft_message(regenerated))
            return
        posted = await approve_and_post(podium.db, podium.publisher, self.draft_id, moderator)
        if posted.channel_id is None:
            await safe.reply(interaction, "The recap is approved, but there is no recap channel to post it in.")
        elif posted.posted:
            await safe.reply(interaction, f"Recap #{posted.draft.id} approved and posted in <#{posted.channel_id}>.")
        else:
            await safe.reply(
                interaction,
                f"Recap #{posted.draft.id} is approved, but Podium could not post all of it in "
                f"<#{posted.channel_id}>: check that it may send messages and attach files there, then press "
                "**Approve and post** again to post the rest.",
            )


class EditRecapModal(PersistentForm, template=r"podium:form:recap:(?P<draft>\d+)"):
    def __init__(self, draft_id: int, text: str = "") -> None:
        super().__init__(
            title=f"Edit recap #{draft_id}", timeout=30 * 60, custom_id=check_custom_id(f"podium:form:recap:{draft_id}")
        )
        self.draft_id = draft_id
        self.text = paragraph("Recap (keep its #12 and (p. 4, …) citations)", text=text)
        self.add_item(self.text)

    @classmethod
    def from_custom_id(cls, match: re.Match[str]) -> "EditRecapModal":
        return cls(int(match["draft"]))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        podium = podium_of(interaction)
        edited = await edit_recap(podium.db, self.draft_id, actor_from(interaction), self.text.value)
        await safe.reply(interaction, **draft_message(edited))
