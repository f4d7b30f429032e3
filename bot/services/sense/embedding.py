"""Sentence vectors from the base install: WordLlama's static ``l2_supercat`` embedding, 256 dimensions.

A static embedding is a table of token vectors (16 MB here) averaged over a text's tokens: no
neural network runs at query time, so a question is embedded in well under a millisecond with
numpy alone. The weights and the tokenizer ship inside the ``wordllama`` wheel and are opened by
path, never through the library's resolver, which would fall back to a download from Hugging
Face when a file is not where it looks (and it looks for the tokenizer in the wrong folder).

The table is kept as it ships, in float16, and only the rows a batch of texts uses are widened
to float32, so the vectors are exactly those of wordllama's own ``WordLlamaInference`` (which
widens the whole table: 32 MB more).
"""

from collections.abc import Sequence
from functools import cache
from importlib.util import find_spec
from pathlib import Path

import numpy as np

CONFIG = "l2_supercat"
DIMENSIONS = 256
BATCH = 64  # texts tokenized and pooled together (padded to the longest), as wordllama does

MISSING_MODEL = (
    "The sentence embedding Podium uses by default (package 'wordllama', files {files}) is not "
    "installed: reinstall Podium (pip install -e .) or set SIMILARITY_BACKEND=lexical."
)


class EmbeddingUnavailable(RuntimeError):
    """The embedding's package or its files are missing."""


def package_folder(package: str) -> Path | None:
    """Where an installed package's files are, found without importing it (a model's package
    may hold modules Podium does not use: wordllama's hold 14 MB and set up the process's
    logging on import); None if it is not installed."""
    spec = find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(spec.submodule_search_locations[0])


def _model_files() -> tuple[Path, Path]:
    package = package_folder("wordllama")
    if package is None:
        raise EmbeddingUnavailable(MISSING_MODEL.format(files="not found"))
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

        with safe_open(str(weights), framework="np", device="cpu") as tensors:
            self._table = np.ascontiguousarray(tensors.get_tensor("embedding.weight"))
        self._tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self._tokenizer.enable_padding()
        self._tokenizer.no_truncation()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One unit-length float32 row per text (a text without any known token gives zeros)."""
        vectors = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for start in range(0, len(texts), BATCH):
            vectors[start : start + BATCH] = self._pooled(list(texts[start : start + BATCH]))
        lengths = np.linalg.norm(vectors, axis=1, keepdims=True)
        lengths[lengths == 0] = 1
        return vectors / lengths

    def _pooled(self, texts: list[str]) -> np.ndarray:
        """The mean of each text's token rows, computed as ``WordLlamaInference.embed`` does."""
        encoded = self._tokenizer.encode_batch(texts, is_pretokenized=False, add_special_tokens=False)
        ids = np.array([e.ids for e in encoded], dtype=np.int32)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.float32)
        np.clip(ids, 0, len(self._table) - 1, out=ids)
        rows = self._table[ids].astype(np.float32)
        counts = np.maximum(mask.sum(axis=1, keepdims=True), 1.0).astype(np.float32)
        return np.sum(rows * mask[..., np.newaxis], axis=1, dtype=np.float32) / counts


@cache
def sentence_embedding() -> SentenceEmbedding:
    """The process's one embedding (loaded on first use, about 0.3 s; shared by every event)."""
    return SentenceEmbedding()
