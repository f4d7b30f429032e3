"""What every flow works with, built once when the bot (or a rehearsal) starts."""

from dataclasses import dataclass

from bot.flows.port import Publisher
from bot.llm.client import ModelClient
from bot.services.sense.backends import backend_named
from bot.services.sense.similarity import SimilarityIndex
from bot.settings import Settings
from db.engine import Database


@dataclass(frozen=True, slots=True)
class Podium:
    """The database, the similarity index, the language model (None: the extractive writer), and
    the port the effects go out through."""

    db: Database
    similar: SimilarityIndex
    model: ModelClient | None
    publisher: Publisher


def similarity_index(settings: Settings) -> SimilarityIndex:
    """The similarity index the settings ask for (SIMILARITY_BACKEND and its thresholds)."""
    return SimilarityIndex(
        backend_named(settings.similarity_backend),
        suggest_threshold=settings.similarity_suggest_threshold,
        link_threshold=settings.similarity_link_threshold,
    )
