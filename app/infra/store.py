"""The vector store: Chroma, embedded (a path) or a server (an http:// URL), with explicit embeddings.

Chroma's default embedding function downloads a model, so collections are created with
``embedding_function=None`` and always given ``embeddings=`` / ``query_embeddings=``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any, Protocol
from urllib.parse import urlparse

import app.infra.offline  # noqa: F401
from app.errors import TutorError
from app.infra.settings import Settings

log = logging.getLogger("tutor")


def chroma_client(settings: Settings) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    location = settings.chroma_location
    if settings.chroma_is_remote:
        url = urlparse(location)
        try:
            return chromadb.HttpClient(host=url.hostname or "127.0.0.1", port=url.port or 8000,
                                       ssl=url.scheme == "https", settings=chroma_settings)
        except Exception as exc:  # chromadb raises ValueError/ConnectionError variants
            raise TutorError(f"cannot reach the Chroma server at {location} ({_short(exc)}); "
                             "start it with `chroma run` or unset TUTOR_CHROMA") from exc
    return chromadb.PersistentClient(path=location, settings=chroma_settings)


def _short(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


class ChunkIndex(Protocol):
    """What ingest and retrieval need of a vector store: ChunkStore (Chroma) in the product, an in-memory
    index in the fast tests."""

    def count(self) -> int: ...

    def iter_ids(self, page: int = 5000) -> Iterator[tuple[str, dict[str, Any]]]: ...

    def upsert(self, ids: list[str], documents: list[str], metadatas: list[dict[str, Any]],
               embeddings: list[list[float]]) -> None: ...

    def delete(self, ids: list[str], batch: int = 1000) -> None: ...

    def get(self, ids: list[str]) -> dict[str, Any]: ...

    def embeddings(self, ids: list[str]) -> list[list[float]]: ...  # in the order of ids, missing ones left out

    def all_chunks(self, page: int = 5000) -> list[dict[str, Any]]: ...

    def query(self, embedding: list[float], k: int) -> list[dict[str, Any]]: ...

    def reset(self) -> None: ...


class ChunkStore:
    """The chunk collection in Chroma: ids, documents, metadata and embeddings."""

    def __init__(self, settings: Settings, create: bool = True) -> None:
        self.settings = settings
        self.client = chroma_client(settings)
        name = settings.collection
        try:
            if create:
                self.collection = self.client.get_or_create_collection(
                    name, embedding_function=None, metadata={"hnsw:space": "cosine"})
            else:
                self.collection = self.client.get_collection(name, embedding_function=None)
        except Exception as exc:
            if not create:
                from app.errors import IndexMissing

                raise IndexMissing(f"no index in {settings.chroma_location}; run `tutor ingest` first") from exc
            raise TutorError(f"cannot open Chroma collection '{name}' at {settings.chroma_location}: "
                             f"{_short(exc)}") from exc

    def count(self) -> int:
        return int(self.collection.count())

    def reset(self) -> None:
        """Drop every chunk (the embedding model changed): a new, empty collection."""
        self.client.delete_collection(self.settings.collection)
        self.collection = self.client.get_or_create_collection(
            self.settings.collection, embedding_function=None, metadata={"hnsw:space": "cosine"})

    def iter_ids(self, page: int = 5000) -> Iterator[tuple[str, dict[str, Any]]]:
        offset = 0
        while True:
            got = self.collection.get(include=["metadatas"], limit=page, offset=offset)
            ids = got["ids"]
            for i, cid in enumerate(ids):
                yield cid, (got["metadatas"][i] or {})
            if len(ids) < page:
                return
            offset += page

    def upsert(self, ids: list[str], documents: list[str], metadatas: list[dict[str, Any]],
               embeddings: list[list[float]]) -> None:
        self.collection.upsert(ids=ids, documents=documents, metadatas=metadatas, embeddings=embeddings)

    def delete(self, ids: list[str], batch: int = 1000) -> None:
        for start in range(0, len(ids), batch):
            self.collection.delete(ids=ids[start : start + batch])

    def get(self, ids: list[str]) -> dict[str, Any]:
        return self.collection.get(ids=ids, include=["documents", "metadatas"])

    def embeddings(self, ids: list[str]) -> list[list[float]]:
        """The stored vectors of ``ids`` that exist, in the order of ``ids``."""
        got = self.collection.get(ids=ids, include=["embeddings"])
        if got["embeddings"] is None:
            return []
        by_id = dict(zip(got["ids"], got["embeddings"], strict=True))
        return [list(map(float, by_id[c])) for c in ids if c in by_id]

    def all_chunks(self, page: int = 5000) -> list[dict[str, Any]]:
        """Every chunk's id, text and metadata (for keyword search over the same chunks)."""
        out: list[dict[str, Any]] = []
        offset = 0
        while True:
            got = self.collection.get(include=["documents", "metadatas"], limit=page, offset=offset)
            for cid, doc, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
                out.append({"id": cid, "text": doc or "", "metadata": meta or {}})
            if len(got["ids"]) < page:
                return out
            offset += page

    def query(self, embedding: list[float], k: int) -> list[dict[str, Any]]:
        got = self.collection.query(query_embeddings=[embedding], n_results=k,
                                    include=["documents", "metadatas", "distances"])
        return [
            {"id": cid, "text": doc or "", "metadata": meta or {}, "distance": float(dist)}
            for cid, doc, meta, dist in zip(got["ids"][0], got["documents"][0], got["metadatas"][0],
                                            got["distances"][0], strict=True)
        ]
