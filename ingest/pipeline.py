"""Exact, incremental, crash-safe ingest: corpus → chunks → embeddings → Chroma, plus the graph.

Chroma itself is the ground truth of what is indexed. Every run computes the chunk ids the corpus
needs now (deterministic: doc id + heading + location + text), deletes every id Chroma has that is not
needed, and embeds only the ids Chroma lacks. The manifest (doc fingerprint → chunk ids) lets unchanged
documents be skipped without loading them; it and the graph are replaced atomically at the end. So a
run killed at any point leaves a state the next run turns into exactly that of a clean full ingest.
"""

from __future__ import annotations

import fcntl
import json
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from app.core.asks import OFF_ROADMAP, AskIndex
from app.core.graph import RoadmapGraph
from app.errors import TutorError
from app.infra.fileio import atomic_write_text
from app.infra.settings import Settings
from ingest.chunking import Chunk, chunk_document
from ingest.documents import SkipDocument
from ingest.labs import lab_candidates
from ingest.sources import OFF_ROADMAP_FILE, Candidate, discover

if TYPE_CHECKING:
    from app.infra.embed import TextEmbedder
    from app.infra.store import ChunkIndex

log = logging.getLogger("tutor")
MANIFEST_VERSION = 1
# Bump when loaders or the chunker change what a document turns into: every document is re-chunked.
CHUNKER_VERSION = "ingest-4"  # 4: a code block is never cut open across chunks
Progress = Callable[[int, int], None]


@dataclass
class Plan:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # unreadable now; the last good version stays
    skipped: list[tuple[str, str]] = field(default_factory=list)
    notices: list[tuple[str, str]] = field(default_factory=list)
    chunks_to_add: list[tuple[Candidate, Chunk]] = field(default_factory=list, repr=False)
    # same text, new labels (a note's `nodes` or `kind` edited): stored again with their embeddings, not re-embedded
    chunks_to_relabel: list[tuple[Candidate, Chunk]] = field(default_factory=list, repr=False)
    ids_to_delete: list[str] = field(default_factory=list, repr=False)
    chunks_total: int = 0
    docs: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)  # the next manifest
    reset_collection: bool = False
    asks_embedded: int = 0  # learner questions embedded into the ask index (app.core.asks)

    def counts(self, embedded: int | None = None) -> dict[str, int]:
        return {
            "added": len(self.added), "updated": len(self.updated), "removed": len(self.removed),
            "unchanged": len(self.unchanged), "skipped": len(self.skipped),
            "chunks_total": self.chunks_total,
            "embedded": len(self.chunks_to_add) if embedded is None else embedded,
            "chunks_added": len(self.chunks_to_add), "chunks_removed": len(self.ids_to_delete),
            "repaired": len(self.repaired), "kept": len(self.kept), "notices": len(self.notices),
            "relabelled": len(self.chunks_to_relabel),
            "asks_embedded": self.asks_embedded,
        }


_KEPT_META = ("topic", "tiers", "symptoms", "subtopic", "terms", "asks")


def config_key(settings: Settings) -> str:
    return f"{settings.embedding_model}|{settings.chunk_tokens}|{settings.chunk_overlap}|{CHUNKER_VERSION}"


def read_manifest(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {"version": MANIFEST_VERSION, "docs": {}}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != MANIFEST_VERSION or not isinstance(data.get("docs"), dict):
            raise ValueError("unknown manifest version")
        return data
    except (OSError, ValueError) as exc:
        # The manifest is only a cache of what Chroma holds; a bad one costs a re-check, not data.
        log.warning("ignoring unreadable manifest %s (%s); every document will be re-checked", path, exc)
        return {"version": MANIFEST_VERSION, "docs": {}}


def _atomic_write_json(path: Path, data: Any) -> None:
    atomic_write_text(path, json.dumps(data, indent=1, sort_keys=True))


@contextmanager
def ingest_lock(data_dir: Path) -> Iterator[None]:
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / "ingest.lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise TutorError(f"another ingest is running on {data_dir}; wait for it to finish") from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _chunk_metadata(cand: Candidate, title: str, chunk: Chunk, kind: str) -> dict[str, Any]:
    return {"doc_id": cand.doc_id, "source": cand.uri, "title": title, "section": chunk.section,
            "location": chunk.location, "nodes": "," + ",".join(cand.nodes) + ",", "index": chunk.index,
            "tokens": chunk.tokens, "hash": chunk.id.rsplit(":", 1)[-1], "kind": kind}


def make_plan(settings: Settings, store: ChunkIndex | None, online: bool = False) -> Plan:
    """What an ingest would do. ``store`` is None when no index exists yet (nothing is created)."""
    key = config_key(settings)
    manifest = read_manifest(settings.manifest_path)
    old_docs: dict[str, dict[str, Any]] = manifest["docs"]
    plan = Plan()
    if manifest.get("embedding_model", settings.embedding_model) != settings.embedding_model:
        plan.reset_collection = True
        old_docs = {}
    existing: dict[str, dict[str, Any]] = {}
    if store is not None and not plan.reset_collection:
        existing = dict(store.iter_ids())

    found = discover(settings.corpus_dir, settings.web_cache_dir, settings.max_file_bytes, key, online)
    plan.skipped, plan.notices = found.skipped, found.notices
    found.candidates += lab_candidates(settings.corpus_dir, key, plan.skipped)  # labs/ (ingest/labs.py)
    pending: dict[str, Chunk] = {}
    for cand in found.candidates:
        old = old_docs.get(cand.doc_id)
        if old and old["fingerprint"] == cand.fingerprint and all(c in existing for c in old["chunk_ids"]):
            plan.unchanged.append(cand.doc_id)
            plan.docs[cand.doc_id] = old
            continue
        try:
            loaded = cand.load()
            chunks = chunk_document(cand.doc_id, loaded, settings.chunk_tokens, settings.chunk_overlap)
        except SkipDocument as exc:
            (plan.notices if exc.notice else plan.skipped).append((cand.uri, exc.reason))
            if old:
                plan.kept.append(cand.doc_id)
                plan.docs[cand.doc_id] = old
            continue
        if not chunks:
            plan.skipped.append((cand.uri, "no text to index"))
            continue
        if old is None:
            plan.added.append(cand.doc_id)
        elif old["fingerprint"] != cand.fingerprint:
            plan.updated.append(cand.doc_id)
        else:
            plan.repaired.append(cand.doc_id)
        kind = str(loaded.meta.get("kind") or cand.uri.split(":", 1)[0])
        for chunk in chunks:
            if chunk.id in existing:
                if existing[chunk.id] != _chunk_metadata(cand, loaded.title, chunk, kind):
                    plan.chunks_to_relabel.append((cand, chunk))
            elif chunk.id not in pending:
                pending[chunk.id] = chunk
                plan.chunks_to_add.append((cand, chunk))
        plan.docs[cand.doc_id] = {
            "uri": cand.uri, "title": loaded.title, "fingerprint": cand.fingerprint, "nodes": cand.nodes,
            "chunk_ids": [c.id for c in chunks], "kind": kind,
            "meta": {k: v for k, v in loaded.meta.items() if k in _KEPT_META},
            "ingested_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }

    # A document that was indexed before but is unreadable now keeps its last good version.
    old_by_uri = {d["uri"]: doc_id for doc_id, d in old_docs.items()}
    for uri, _reason in plan.skipped + plan.notices:
        doc_id = old_by_uri.get(uri)
        if doc_id and doc_id not in plan.docs:
            plan.kept.append(doc_id)
            plan.docs[doc_id] = old_docs[doc_id]

    # Documents neither found now nor kept are gone (file deleted, entry dropped, or skipped as bad
    # input with no earlier good version).
    for doc_id in old_docs:
        if doc_id not in plan.docs:
            plan.removed.append(doc_id)
    wanted = {cid for doc in plan.docs.values() for cid in doc["chunk_ids"]}
    plan.ids_to_delete = sorted(set(existing) - wanted)
    plan.chunks_total = len(wanted)
    return plan


def apply_plan(settings: Settings, plan: Plan, store: ChunkIndex, embedder_factory: Callable[[], TextEmbedder],
               progress: Progress | None = None, batch_size: int = 64) -> int:
    """Carry out ``plan``; returns the number of embeddings computed."""
    if plan.ids_to_delete:
        store.delete(plan.ids_to_delete)
    relabel = plan.chunks_to_relabel
    for start in range(0, len(relabel), batch_size):
        batch = relabel[start : start + batch_size]
        ids = [chunk.id for _, chunk in batch]
        vectors = store.embeddings(ids)
        if len(vectors) == len(ids):  # else a chunk vanished meanwhile: the next ingest adds it again
            store.upsert(ids=ids, documents=[chunk.text for _, chunk in batch],
                         metadatas=[_chunk_metadata(c, plan.docs[c.doc_id]["title"], chunk, plan.docs[c.doc_id]["kind"])
                                    for c, chunk in batch], embeddings=vectors)
    embedded = 0
    # Similar lengths in a batch means little padding: the encoder then runs as fast as on the whole list.
    todo = sorted(plan.chunks_to_add, key=lambda item: item[1].tokens)
    if todo:
        embedder = embedder_factory()
        if progress:
            progress(0, len(todo))
        for start in range(0, len(todo), batch_size):
            batch = todo[start : start + batch_size]
            texts = [chunk.embedding_text(plan.docs[c.doc_id]["title"]) for c, chunk in batch]
            vectors = embedder.embed(texts, batch_size=32)
            store.upsert(
                ids=[chunk.id for _, chunk in batch],
                documents=[chunk.text for _, chunk in batch],
                metadatas=[_chunk_metadata(c, plan.docs[c.doc_id]["title"], chunk, plan.docs[c.doc_id]["kind"])
                           for c, chunk in batch],
                embeddings=vectors,
            )
            embedded += len(batch)
            if progress:
                progress(embedded, len(todo))
    manifest = {"version": MANIFEST_VERSION, "embedding_model": settings.embedding_model,
                "config_key": config_key(settings), "docs": plan.docs}
    _atomic_write_json(settings.manifest_path, manifest)
    build_graph(plan.docs).save(settings.graph_path)
    off_roadmap, problem = read_off_roadmap(settings.corpus_dir / OFF_ROADMAP_FILE)
    if problem:
        plan.notices.append((OFF_ROADMAP_FILE, problem))
    plan.asks_embedded = update_asks(settings, plan.docs, embedder_factory, off_roadmap)
    return embedded


def read_off_roadmap(path: Path) -> tuple[list[str], str]:
    """The questions the tutor should decline (``corpus/off-roadmap.yaml``, a list of strings), and what was
    wrong with the file, if anything: a broken file costs the scope rule its examples, not the ingest."""
    if not path.exists():
        return [], ""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        return [], f"not read ({type(exc).__name__}); out-of-scope questions are judged without its examples"
    if not isinstance(data, list):
        return [], "not a list of questions; out-of-scope questions are judged without its examples"
    questions = [q for q in data if isinstance(q, str) and q.strip()]
    skipped = len(data) - len(questions)
    return questions, f"{skipped} entries are not questions (strings) and were left out" if skipped else ""


def update_asks(settings: Settings, docs: dict[str, dict[str, Any]],
                embedder_factory: Callable[[], TextEmbedder], off_roadmap: list[str] | None = None) -> int:
    """Embed the documents' ``asks`` and the off-roadmap questions (only those not embedded before) into the side
    index retrieval routes learner questions with; returns how many were embedded."""
    asks = {doc_id: d.get("meta", {}).get("asks") or [] for doc_id, d in docs.items()}
    if off_roadmap:
        asks[OFF_ROADMAP] = off_roadmap
    previous = AskIndex.load(settings.asks_path)
    index, embedded = AskIndex.build(asks, lambda texts: embedder_factory().embed(texts, batch_size=32),
                                     settings.embedding_model, previous)
    if embedded or previous is None or previous.texts != index.texts:
        index.save(settings.asks_path)
    return embedded


def build_graph(docs: dict[str, dict[str, Any]]) -> RoadmapGraph:
    return RoadmapGraph.build(
        {"doc_id": doc_id, "title": d["title"], "uri": d["uri"], "nodes": d["nodes"],
         "chunk_ids": d["chunk_ids"], "meta": d.get("meta", {})}
        for doc_id, d in sorted(docs.items()))


@dataclass
class IngestResult:
    plan: Plan
    embedded: int
    seconds: float

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = dict(self.plan.counts(self.embedded))
        out["seconds"] = round(self.seconds, 2)
        out["skipped_files"] = [{"source": u, "reason": r} for u, r in self.plan.skipped]
        out["notices"] = [{"source": u, "reason": r} for u, r in self.plan.notices]
        return out


def run_ingest(settings: Settings, dry_run: bool = False, online: bool = False,
               progress: Progress | None = None, embedder_factory: Callable[[], TextEmbedder] | None = None,
               store: ChunkIndex | None = None) -> IngestResult:
    """Bring the index up to date with the corpus. ``store`` defaults to Chroma at TUTOR_CHROMA (the fast tests
    pass an in-memory index), ``embedder_factory`` to the shared embedding model."""
    from app.infra.store import ChunkStore

    started = time.perf_counter()
    if embedder_factory is None:
        from app.infra.embed import shared_embedder

        def embedder_factory() -> TextEmbedder:
            return shared_embedder(settings.embedding_model)

    if dry_run:
        if store is None and (settings.chroma_is_remote or Path(settings.chroma_location).exists()):
            try:
                store = ChunkStore(settings, create=False)
            except TutorError:
                store = None
        plan = make_plan(settings, store, online)
        return IngestResult(plan, len(plan.chunks_to_add), time.perf_counter() - started)

    with ingest_lock(settings.data_dir):
        store = store if store is not None else ChunkStore(settings)
        plan = make_plan(settings, store, online)
        if plan.reset_collection:
            store.reset()
        embedded = apply_plan(settings, plan, store, embedder_factory, progress)
    return IngestResult(plan, embedded, time.perf_counter() - started)
