"""Every call Podium makes to Discord, each knowing the ways it can fail.

An interaction expires three seconds after it arrives unless answered (error 10062, "Unknown
interaction"); it can be answered only once (40060, "already acknowledged", after which we follow
up instead); and a channel may deny the bot permission (50001/50013). None of these is worth a
crash: they are logged and the caller learns whether the message went out.
"""

import logging

import discord

from bot.discord.render import NO_MENTIONS, fit_content, fit_embed

log = logging.getLogger(__name__)

UNKNOWN_INTERACTION = 10062
ALREADY_ACKNOWLEDGED = 40060
MISSING_ACCESS = 50001
MISSING_PERMISSIONS = 50013
UNKNOWN_MESSAGE = 10008


def _embeds(embed: discord.Embed | None, embeds: list[discord.Embed] | None) -> list[discord.Embed]:
    return [fit_embed(e) for e in ([embed] if embed else []) + (embeds or [])]


async def reply(
    interaction: discord.Interaction,
    content: str | None = None,
    *,
    embed: discord.Embed | None = None,
    embeds: list[discord.Embed] | None = None,
    view: discord.ui.View | None = None,
    ephemeral: bool = True,
) -> bool:
    """Answer the interaction, or follow up if it was already answered (or deferred)."""
    kwargs = {
        "content": fit_content(content),
        "embeds": _embeds(embed, embeds),
        "ephemeral": ephemeral,
        "allowed_mentions": NO_MENTIONS,
    }
    if view is not None:
        kwargs["view"] = view
    try:
        if interaction.response.is_done():
            await interaction.followup.send(**kwargs)
        else:
            await interaction.response.send_message(**kwargs)
    except discord.HTTPException as error:
        if error.code == ALREADY_ACKNOWLEDGED:
            return await _follow_up(interaction, kwargs)
        return log_failure("reply", error)
    return True


async def _follow_up(interaction: discord.Interaction, kwargs: dict) -> bool:
    try:
        await interaction.followup.send(**kwargs)
    except discord.HTTPException as error:
        return log_failure("follow-up", error)
    return True


async def defer(interaction: discord.Interaction, *, ephemeral: bool = True, thinking: bool = True) -> bool:
    """Acknowledge now and answer later (for work that may take more than a moment)."""
    if interaction.response.is_done():
        return True
    try:
        await interaction.response.defer(ephemeral=ephemeral, thinking=thinking)
    except discord.HTTPException as error:
        return log_failure("defer", error)
    return True


async def open_modal(interaction: discord.Interaction, modal: discord.ui.Modal) -> bool:
    try:
        await interaction.response.send_modal(modal)
    except discord.HTTPException as error:
        return log_failure("modal", error)
    return True


async def update_message(
    interaction: discord.Interaction,
    content: str | None = None,
    *,
    embed: discord.Embed | None = None,
    view: discord.ui.View | None = None,
) -> bool:
    """Replace the message a component sits on (a queue page turning, say)."""
    kwargs = {"content": fit_content(content), "embeds": _embeds(embed, None), "view": view}
    try:
        if interaction.response.is_done():
            await interaction.edit_original_response(**kwargs, allowed_mentions=NO_MENTIONS)
        else:
            await interaction.response.edit_message(**kwargs, allowed_mentions=NO_MENTIONS)
    except discord.HTTPException as error:
        return log_failure("update", error)
    return True


async def post(
    channel: discord.abc.Messageable,
    content: str | None = None,
    *,
    embed: discord.Embed | None = None,
    view: discord.ui.View | None = None,
    file: discord.File | None = None,
    nonce: str | None = None,
) -> discord.Message | None:
    """Post a new message in a channel; ``None`` if it could not be posted.

    With a ``nonce`` (at most 25 characters), posting twice is posting once: for a few minutes,
    Discord answers a second post with the same nonce with the message the first one made.
    """
    kwargs = {"content": fit_content(content), "embeds": _embeds(embed, None), "allowed_mentions": NO_MENTIONS}
    if view is not None:
        kwargs["view"] = view
    if file is not None:
        kwargs["file"] = file
    if nonce is not None:
        kwargs["nonce"] = nonce
    try:
        return await channel.send(**kwargs)
    except discord.HTTPException as error:
        log_failure("post", error)
        return None


async def edit(
    message: discord.PartialMessage,
    *,
    embed: discord.Embed | None = None,
    view: discord.ui.View | None = None,
) -> bool:
    """Edit one of Podium's own messages (a question card)."""
    try:
        await message.edit(embeds=_embeds(embed, None), view=view, allowed_mentions=NO_MENTIONS)
    except discord.HTTPException as error:
        return log_failure("edit", error)
    return True


async def post_layout(
    channel: discord.abc.Messageable, view: discord.ui.LayoutView, *, nonce: str | None = None
) -> discord.Message | None:
    """Post a message drawn with layout components (no content, no embeds: Discord refuses them
    beside the IS_COMPONENTS_V2 flag, which discord.py sets for a ``LayoutView``)."""
    try:
        if nonce is None:
            return await channel.send(view=view, allowed_mentions=NO_MENTIONS)
        return await channel.send(view=view, allowed_mentions=NO_MENTIONS, nonce=nonce)
    except discord.HTTPException as error:
        log_failure("post", error)
        return None


async def edit_layout(message: discord.PartialMessage, view: discord.ui.LayoutView) -> bool:
    """Redraw one of Podium's layout messages (the board)."""
    try:
        await message.edit(view=view, allowed_mentions=NO_MENTIONS)
    except discord.HTTPException as error:
        return log_failure("edit", error)
    return True


async def update_layout(interaction: discord.Interaction, view: discord.ui.LayoutView) -> bool:
    """Answer a click by redrawing the layout message it was on (the board, a Browse page)."""
    try:
        if interaction.response.is_done():
            await interaction.edit_original_response(view=view, allowed_mentions=NO_MENTIONS)
        else:
            await interaction.response.edit_message(view=view, allowed_mentions=NO_MENTIONS)
    except discord.HTTPException as error:
        return log_failure("update", error)
    return True


async def reply_layout(interaction: discord.Interaction, view: discord.ui.LayoutView) -> bool:
    """Answer privately with a layout message (a Browse page, My questions)."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(view=view, ephemeral=True, allowed_mentions=NO_MENTIONS)
        else:
            await interaction.response.send_message(view=view, ephemeral=True, allowed_mentions=NO_MENTIONS)
    except discord.HTTPException as error:
        return log_failure("reply", error)
    return True


async def pin(message: discord.Message) -> bool:
    try:
        await message.pin(reason="Podium event panel")
    except discord.HTTPException as error:
        return log_failure("pin", error)
    return True


def log_failure(what: str, error: discord.HTTPException) -> bool:
    if error.code in (UNKNOWN_INTERACTION, ALREADY_ACKNOWLEDGED):
        log.warning("%s: the interaction expired or was already answered (%s)", what, error.code)
    elif error.code in (MISSING_ACCESS, MISSING_PERMISSIONS) or isinstance(error, discord.Forbidden):
        log.warning("%s: the bot lacks permission in this channel (%s)", what, error.code)
    elif error.code == UNKNOWN_MESSAGE:
        log.info("%s: the message no longer exists", what)
    else:
        log.error("%s failed: HTTP %s, code %s", what, error.status, error.code)
    return False
