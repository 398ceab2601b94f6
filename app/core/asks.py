"""The questions each document answers, in learners' words (front matter ``asks``), embedded at ingest.

A learner who does not know the word for what they need ("how do I stop a rebuild reinstalling everything?")
shares few words with the passage that answers them, and a small embedder such as all-MiniLM-L6-v2 puts a
question far nearer another question than a passage. So each document may list the questions it answers; ingest
embeds them into a small side index next to the manifest, and retrieval routes a question that is close to one
of them to that document (``app.core.retrieval``). It is the doc2query idea with the questions written, not
generated.

The same index holds, under the reserved id ``OFF_ROADMAP``, questions the tutor should decline though they
borrow its words (``corpus/off-roadmap.yaml``: a container ship, a salary for an MLOps engineer). They are never
routed to; ``scope`` says how close a question is to the nearest of them and to the nearest roadmap question,
which the scope rule compares (``app.core.tutor``).

The index is two files in one folder, replaced as a whole (an interrupted ingest leaves the last good one):
``asks.json`` (document id and text of each ask, and the manifest it belongs to) and ``vectors.npy``.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from app.core.text import content_terms
from app.infra.fileio import atomic_write_text

log = logging.getLogger("tutor")
OFF_ROADMAP = "off-roadmap"  # the document id of the questions the tutor declines (never a real document)


@dataclass(frozen=True)
class AskMatch:
    doc_id: str
    similarity: float
    ask: str  # the document's question the learner's was closest to


class AskIndex:
    def __init__(self, doc_ids: list[str], texts: list[str], vectors: np.ndarray, model: str = "") -> None:
        self.doc_ids, self.texts, self.model = doc_ids, texts, model
        self.vectors = vectors.reshape(len(texts), -1).astype(np.float32) if texts else np.zeros((0, 0), np.float32)
        self._off = np.array([doc == OFF_ROADMAP for doc in doc_ids], dtype=bool)  # rows never routed to

    def __len__(self) -> int:
        return len(self.texts)

    @cached_property
    def declined_terms(self) -> frozenset[str]:
        """The words only the declined questions use ("photoshop", "sourdough"): no document's question has them."""
        on = {t for text, off in zip(self.texts, self._off, strict=True) if not off for t in content_terms(text)}
        return frozenset(t for text, off in zip(self.texts, self._off, strict=True) if off
                         for t in content_terms(text)) - on

    @classmethod
    def build(cls, asks: Mapping[str, Sequence[str]], embed: Callable[[list[str]], list[list[float]]],
              model: str, previous: AskIndex | None = None) -> tuple[AskIndex, int]:
        """The index of ``asks`` (document id → its questions) embedded with ``model``; a text embedded before
        with the same model keeps its vector, so a re-ingest embeds only new or changed questions. Returns the
        index and how many questions were embedded."""
        pairs = [(doc, " ".join(text.split())) for doc, texts in sorted(asks.items()) for text in texts]
        pairs = [(doc, text) for doc, text in dict.fromkeys(pairs) if text]
        reuse = previous is not None and previous.model == model
        known = {t: previous.vectors[i] for i, t in enumerate(previous.texts)} if reuse and previous else {}
        todo = sorted({t for _, t in pairs if t not in known})
        if todo:
            known.update(zip(todo, _normalised(np.asarray(embed(todo), dtype=np.float32)), strict=True))
        vectors = np.stack([known[t] for _, t in pairs]) if pairs else np.zeros((0, 0), np.float32)
        return cls([d for d, _ in pairs], [t for _, t in pairs], vectors, model), len(todo)

    def nearest(self, vector: Sequence[float], k: int = 3) -> list[AskMatch]:
        """The ``k`` documents whose questions are closest to ``vector``, each with its closest question."""
        sims = self._similarities(vector)
        best: dict[str, AskMatch] = {}
        for i in np.argsort(-sims):
            doc = self.doc_ids[i]
            if doc not in best and not self._off[i]:
                best[doc] = AskMatch(doc, float(sims[i]), self.texts[i])
                if len(best) >= k:
                    break
        return list(best.values())

    def scope(self, vector: Sequence[float]) -> tuple[float, AskMatch | None]:
        """How near ``vector`` is to the closest roadmap question (0.0 when there is none), and the closest
        off-roadmap question (None when the index holds none), from one product: what the scope rule compares."""
        sims = self._similarities(vector)
        if not sims.size:
            return 0.0, None
        on = float(sims[~self._off].max()) if (~self._off).any() else 0.0
        if not self._off.any():
            return on, None
        best = int(np.flatnonzero(self._off)[np.argmax(sims[self._off])])
        return on, AskMatch(OFF_ROADMAP, float(sims[best]), self.texts[best])

    def _similarities(self, vector: Sequence[float]) -> np.ndarray:
        if not self.texts:
            return np.zeros(0, np.float32)
        query = _normalised(np.asarray(vector, dtype=np.float32).reshape(1, -1))[0]
        if query.shape[0] != self.vectors.shape[1]:
            return np.zeros(0, np.float32)  # built with another embedding model: ingest rebuilds it
        return np.asarray(self.vectors @ query)

    @classmethod
    def load(cls, folder: Path) -> AskIndex | None:
        try:
            meta = json.loads((folder / "asks.json").read_text(encoding="utf-8"))
            vectors = np.load(folder / "vectors.npy", allow_pickle=False)
            if len(meta["doc_ids"]) != len(meta["texts"]) or len(meta["texts"]) != len(vectors):
                return None
            return cls(list(meta["doc_ids"]), list(meta["texts"]), vectors, str(meta.get("model", "")))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def save(self, folder: Path) -> None:
        """Write a new folder beside the old one, then swap it in."""
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".asks-", dir=folder.parent))
        try:
            np.save(tmp / "vectors.npy", self.vectors, allow_pickle=False)
            atomic_write_text(tmp / "asks.json", json.dumps({"model": self.model, "doc_ids": self.doc_ids,
                                                                  "texts": self.texts}))
            old = folder.with_name(folder.name + ".old")
            shutil.rmtree(old, ignore_errors=True)
            if folder.exists():
                os.replace(folder, old)
            os.replace(tmp, folder)
            shutil.rmtree(old, ignore_errors=True)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def _normalised(vectors: np.ndarray) -> np.ndarray:
    if vectors.size == 0:
        return vectors
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1.0, norms)
