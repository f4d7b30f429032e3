"""The similarity backends by the names SIMILARITY_BACKEND gives them.

Kept out of ``similarity``: the hybrid backend builds on its lexical score, so ``similarity``
must not import the hybrid backend back (tests/house checks that no modules import each other).
"""

from bot.services.sense.similarity import Backend, LexicalBackend


def backend_named(name: str) -> Backend:
    """The backend named (``hybrid``, the default, ``lexical`` or ``semantic``); the hybrid and
    semantic backends load their model here, once (``EmbeddingUnavailable`` or
    ``SemanticBackendUnavailable``, saying what to install, when it is missing)."""
    if name == "semantic":
        from bot.services.sense.semantic import SemanticBackend

        return SemanticBackend()
    if name == "lexical":
        return LexicalBackend()
    from bot.services.sense.hybrid import HybridBackend

    return HybridBackend()
