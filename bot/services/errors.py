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
