"""Sentence vectors from the base install: WordLlama's static ``l2_supercat`` embedding, 256 dimensions.

A static embedding is a table of token vectors (16 MB here) averaged over a text's tokens: no
neural network runs at query time, so a question is embedded in well under a millisecond with
numpy alone. The weights and the tokenizer ship inside the ``wordllama`` wheel and are opened by
path, never through the library's resolver, which would fall back to a download from Hugging
Face when a file is not where it looks (and it looks for the tokenizer in the wrong folder).
"""

from collections.abc import Sequence
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np

CONFIG = "l2_supercat"
DIMENSIONS = 256

MISSING_MODEL = (
    "The sentence embedding Podium uses by default (package 'wordllama', files {files}) is not "
    "installed: reinstall Podium (pip install -e .) or set SIMILARITY_BACKEND=lexical."
)


class EmbeddingUnavailable(RuntimeError):
    """The embedding's package or its files are missing."""


def _model_files() -> tuple[Path, Path]:
    try:
        package = Path(str(resources.files("wordllama")))
    except ModuleNotFoundError as error:
        raise EmbeddingUnavailable(MISSING_MODEL.format(files="not found")) from error
    weights = package / "weights" / f"{CONFIG}_{DIMENSIONS}.safetensors"
    tokenizer = package / "tokenizers" / f"{CONFIG}_tokenizer_config.json"
    missing = [path for path in (weights, tokenizer) if not path.is_file()]
    if missing:
        raise EmbeddingUnavailable(MISSING_MODEL.format(files=", ".join(str(path) for path in missing)))
    return weights, tokenizer


class SentenceEmbedding:
    """Unit-length sentence vectors: the cosine of two texts is the dot product of their rows."""

    dimensions = DIMENSIONS

    def __init__(self) -> None:
        weights, tokenizer_file = _model_files()
        from safetensors import safe_open
        from tokenizers import Tokenizer
        from wordllama.inference import WordLlamaInference

        with safe_open(str(weights), framework="np", device="cpu") as tensors:
            table = tensors.get_tensor("embedding.weight")
        self._model = WordLlamaInference(table, Tokenizer.from_file(str(tokenizer_file)))

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One unit-length float32 row per text (a text without any known token gives zeros)."""
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        vectors = np.asarray(self._model.embed(list(texts), norm=False), dtype=np.float32)
        vectors = np.atleast_2d(vectors)
        lengths = np.linalg.norm(vectors, axis=1, keepdims=True)
        lengths[lengths == 0] = 1
        return vectors / lengths


@cache
def sentence_embedding() -> SentenceEmbedding:
    """The process's one embedding (loaded on first use, about 0.3 s; shared by every event)."""
    return SentenceEmbedding()
