"""Domain errors: each carries a message that is safe and helpful to show the person who acted."""

from datetime import datetime


class PodiumError(Exception):
    """A refusal Podium explains to the user; anything else is a bug."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(PodiumError):
    """The event or question asked for does not exist (or is not in this server)."""


class NotAllowed(PodiumError):
    """The person acting may not do this (not a moderator, banned, not the asker)."""


class InvalidInput(PodiumError):
    """The text or value given cannot be accepted as it is."""


class InvalidTransition(PodiumError):
    """The event or question is not in a state where this action makes sense."""


class RateLimited(PodiumError):
    """The asker has used up their questions for now; ``retry_at`` says when they may ask again."""

    def __init__(self, message: str, retry_at: datetime) -> None:
        super().__init__(message)
        self.retry_at = retry_at


class DatabaseUnavailable(PodiumError):
    """The database stayed locked or out of reach through every retry; the work was rolled back."""

    def __init__(
        self,
        message: str = "Podium could not reach its database just now; nothing was saved. Please try again in a moment.",
    ) -> None:
        super().__init__(message)


class SaveUncertain(DatabaseUnavailable):
    """The connection to the database broke while committing, so the save may or may not have happened."""

    def __init__(
        self,
        message: str = "Podium lost its database connection while saving, so it cannot tell whether this was "
        "saved. Please check before trying again.",
    ) -> None:
        super().__init__(message)
