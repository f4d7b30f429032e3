"""Forms (modals) answered by their custom_id, as Podium's buttons are, so a restart loses no text.

discord.py answers a submitted form only through the ``Modal`` instance that opened it, kept in
the process's memory: a member who pressed "Ask a question", then submitted their question after
the bot restarted, got no answer and lost what they typed. A ``PersistentForm`` says in its
custom_id what it is for (``podium:form:ask:12``) and gives its inputs fixed custom_ids; a
submission no live form claims is answered by building the form again from its custom_id
(``from_custom_id``) and running it exactly as the live one would have run.
"""

import re
from typing import Any, ClassVar, Self

import discord

from bot.discord.errors import PodiumModal
from bot.discord.render import TEXT_INPUT_MAX


class PersistentForm(PodiumModal):
    """A form that ``answer_unclaimed`` can rebuild from its custom_id, matched by ``template``."""

    template: ClassVar[re.Pattern[str]]
    _forms: ClassVar[list[type["PersistentForm"]]] = []

    def __init_subclass__(cls, *, template: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.template = re.compile(template)
        PersistentForm._forms.append(cls)

    @classmethod
    def from_custom_id(cls, match: re.Match[str]) -> Self:
        """The form as it was opened, from what its custom_id carries; its inputs' values come
        from the submission."""
        raise NotImplementedError


def paragraph(label: str, *, text: str = "", custom_id: str = "text") -> discord.ui.TextInput:
    """A long text input, pre-filled with ``text`` cut to what Discord takes; its fixed custom_id is
    how a rebuilt form reads the submission."""
    return discord.ui.TextInput(
        label=label,
        style=discord.TextStyle.paragraph,
        default=text[:TEXT_INPUT_MAX],
        max_length=TEXT_INPUT_MAX,
        custom_id=custom_id,
    )


def answer_unclaimed(interaction: discord.Interaction) -> bool:
    """Answer a submitted form that no live form in this process claims; True if one was found."""
    if interaction.type is not discord.InteractionType.modal_submit or interaction.data is None:
        return False
    custom_id = str(interaction.data.get("custom_id", ""))
    # discord.py keeps the open forms by custom_id; one still open answers its own submission.
    if custom_id in interaction.client._connection._view_store._modals:  # type: ignore[attr-defined]
        return False
    for form in PersistentForm._forms:
        if match := form.template.fullmatch(custom_id):
            rebuilt = form.from_custom_id(match)
            rebuilt._dispatch_submit(
                interaction,
                interaction.data.get("components", []),  # type: ignore[arg-type]
                interaction.data.get("resolved", {}),  # type: ignore[arg-type]
            )
            return True
    return False
