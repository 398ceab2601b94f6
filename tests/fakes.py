"""Small stand-ins for the fast tier: a hashing embedder, an in-memory vector index and a scripted chat backend.
They follow the same protocols as the real parts (app.infra.embed.TextEmbedder, app.infra.store.ChunkIndex,
app.infra.llm.base.ChatBackend), so the tutor, ingest and the server run unchanged on top of them. The real parts
keep their own tests in the slow tier."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from app.core.text import content_terms
from app.errors import BackendUnavailable
from app.infra.llm.base import ChatBackend


class HashingEmbedder:
    """Feature hashing of content words and word pairs into a unit vector: texts that share words are close."""

    name = "hashing"
    backend = "hashing"

    def __init__(self, dimension: int = 256) -> None:
        self.dimension = dimension
        self.calls = 0

    def _vector(self, text: str) -> list[float]:
        terms = content_terms(text)
        features = terms + [f"{a} {b}" for a, b in zip(terms, terms[1:], strict=False)]
        vec = [0.0] * self.dimension
        for feature in features or ["<empty>"]:
            digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
            index = int.from_bytes(digest[:4], "little") % self.dimension
            vec[index] += 1.0 if digest[4] & 1 else -1.0
        norm = math.sqrt(sum(v * v for v in vec)) or 1.0
        return [v / norm for v in vec]

    def embed(self, texts: Sequence[str], batch_size: int = 32,
              on_batch: Callable[[int], None] | None = None) -> list[list[float]]:
        out = []
        for start in range(0, len(texts), batch_size):
            batch = texts[start:start + batch_size]
            out.extend(self._vector(t) for t in batch)
            if on_batch:
                on_batch(len(batch))
        self.calls += 1
        return out

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)


class MemoryIndex:
    """A ChunkIndex in a dict, with exact cosine search."""

    def __init__(self) -> None:
        self.rows: dict[str, tuple[str, dict[str, Any], list[float]]] = {}

    def count(self) -> int:
        return len(self.rows)

    def iter_ids(self, page: int = 5000) -> Iterator[tuple[str, dict[str, Any]]]:
        for cid, (_, meta, _) in list(self.rows.items()):
            yield cid, meta

    def upsert(self, ids: list[str], documents: list[str], metadatas: list[dict[str, Any]],
               embeddings: list[list[float]]) -> None:
        for cid, doc, meta, vec in zip(ids, documents, metadatas, embeddings, strict=True):
            self.rows[cid] = (doc, dict(meta), list(vec))

    def delete(self, ids: list[str], batch: int = 1000) -> None:
        for cid in ids:
            self.rows.pop(cid, None)

    def get(self, ids: list[str]) -> dict[str, Any]:
        found = [cid for cid in ids if cid in self.rows]
        return {"ids": found, "documents": [self.rows[c][0] for c in found],
                "metadatas": [self.rows[c][1] for c in found]}

    def embeddings(self, ids: list[str]) -> list[list[float]]:
        return [self.rows[c][2] for c in ids if c in self.rows]

    def all_chunks(self, page: int = 5000) -> list[dict[str, Any]]:
        return [{"id": cid, "text": doc, "metadata": meta} for cid, (doc, meta, _) in self.rows.items()]

    def query(self, embedding: list[float], k: int) -> list[dict[str, Any]]:
        scored = sorted(((sum(a * b for a, b in zip(embedding, vec, strict=True)), cid)
                         for cid, (_, _, vec) in self.rows.items()), reverse=True)[:k]
        return [{"id": cid, "text": self.rows[cid][0], "metadata": self.rows[cid][1], "distance": 1 - sim}
                for sim, cid in scored]

    def reset(self) -> None:
        self.rows.clear()


class ScriptedBackend(ChatBackend):
    """A chat backend that answers from a script (LangChain's GenericFakeChatModel streams it word by word),
    or fails the way a dead endpoint does."""

    kind = "openai"
    model = "scripted"

    def __init__(self, replies: list[str] | None = None, fail: str | None = None) -> None:
        super().__init__()
        self.replies = list(replies or [])
        self.fail = fail
        self.seen: list[Any] = []
        self._chat = GenericFakeChatModel(messages=iter(AIMessage(content=r) for r in self.replies))

    @property
    def chat_model(self) -> GenericFakeChatModel:
        return self._chat

    def runnable(self, params: dict[str, Any], citable: list[int] | None = None) -> Any:
        self.citable = citable
        if self.fail:
            raise BackendUnavailable(self.fail)
        from langchain_core.runnables import RunnableLambda

        def record(messages: Any) -> Any:
            self.seen.append(messages)
            return messages

        return RunnableLambda(record) | super().runnable(params, citable)
