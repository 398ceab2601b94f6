"""Scale: deterministic synthetic corpora of 1k, 10k and 50k chunks (random unit vectors for the
store-only part): Chroma upsert rate, retrieval p50/p95 for dense, keyword, graph and fused retrieval,
and resident memory. The roadmap graph is the real one, and its chunk ids are among the synthetic ones,
so graph expansion does real work."""

from __future__ import annotations

import hashlib
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import p50_p95, record, rss_mib, table, time_calls  # noqa: E402

from app.core.graph import RoadmapGraph  # noqa: E402
from app.core.retrieval import HybridRetriever  # noqa: E402
from app.infra.settings import Settings  # noqa: E402
from app.infra.store import ChunkStore  # noqa: E402
from ingest.pipeline import build_graph, make_plan  # noqa: E402

DIM = 384
SIZES = [int(a) for a in sys.argv[1:]] or [1_000, 10_000, 50_000]
QUESTIONS = ["What should I learn before Kubernetes?", "Why does DNS break model registries?",
             "What are window functions in SQL?", "How do containers make environments reproducible?",
             "What does MLOps require in production?", "What comes after Tier 2?",
             "Which Linux commands matter for debugging?", "Why does RAG matter for private data?"]


def unit_vector(rng: random.Random) -> list[float]:
    v = [rng.gauss(0, 1) for _ in range(DIM)]
    norm = sum(x * x for x in v) ** 0.5
    return [x / norm for x in v]


class HashEmbedder:
    """Deterministic random unit vectors: the store-only part needs no model."""

    def embed_query(self, text: str) -> list[float]:
        return unit_vector(random.Random(hashlib.sha256(text.encode()).hexdigest()))

    def embed(self, texts: list[str], batch_size: int = 32) -> list[list[float]]:
        return [self.embed_query(t) for t in texts]


def real_graph(work: Path) -> RoadmapGraph:
    root = Path(__file__).resolve().parent.parent
    settings = Settings(data_dir=work / "plan", corpus_dir=root / "corpus")
    return build_graph(make_plan(settings, store=None).docs)


def synthetic_chunks(n: int, graph: RoadmapGraph, vocabulary: list[str]) -> list[tuple[str, str, dict, list[float]]]:
    rng = random.Random(n)
    real_ids = [c for d in graph.docs() for c in graph.g.nodes[d]["chunks"]]
    out = []
    for i in range(n):
        cid = real_ids[i] if i < len(real_ids) else f"synthetic-{i // 20}:{i % 20}:{i:012x}"
        text = " ".join(rng.choice(vocabulary) for _ in range(140))
        meta = {"doc_id": cid.split(":")[0], "source": "synthetic", "title": "Synthetic", "section": "S",
                "location": f"line {i}", "nodes": ",", "index": i % 20, "tokens": 180, "kind": "synthetic"}
        out.append((cid, text, meta, unit_vector(rng)))
    return out


def measure(n: int, work: Path, graph: RoadmapGraph, vocabulary: list[str]) -> list[str]:
    settings = Settings(data_dir=work / f"n{n}", collection=f"scale{n}")
    store = ChunkStore(settings)
    chunks = synthetic_chunks(n, graph, vocabulary)
    rss_before = rss_mib()
    t0 = time.perf_counter()
    for start in range(0, n, 1000):
        batch = chunks[start : start + 1000]
        store.upsert([c[0] for c in batch], [c[1] for c in batch], [c[2] for c in batch], [c[3] for c in batch])
    upsert_s = time.perf_counter() - t0
    retriever = HybridRetriever(settings, store, HashEmbedder(), graph)
    t0 = time.perf_counter()
    retriever.keyword_index()
    bm25_build = time.perf_counter() - t0
    retriever.node_vectors()
    qs = iter(QUESTIONS * 100)
    vec = HashEmbedder().embed_query("q")
    dense = time_calls(lambda: store.query(vec, 12), 60)
    keyword = time_calls(lambda: retriever.keyword_index().search(next(qs), 12), 60)
    graph_ms = time_calls(lambda: retriever.graph_stage({"query": next(qs), "vector": vec, "timings": {}}), 60)
    fused = time_calls(lambda: retriever.retrieve(next(qs)), 60)
    row = [f"{n:,}", f"{n / upsert_s:,.0f}", p50_p95(dense), p50_p95(keyword), p50_p95(graph_ms), p50_p95(fused),
           f"{bm25_build:.1f} s", f"{rss_mib():,.0f} (+{rss_mib() - rss_before:,.0f})"]
    print(row, flush=True)
    return row


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    graph = real_graph(work)
    root = Path(__file__).resolve().parent.parent
    vocabulary = sorted({w.strip(".,:;()`*").lower() for p in (root / "corpus" / "notes").glob("*.md")
                         for w in p.read_text().split() if w.isascii() and len(w) > 2})
    rows = [measure(n, work, graph, vocabulary) for n in SIZES]
    body = table(["chunks", "upsert chunks/s", "dense p50/p95 ms", "keyword p50/p95 ms", "graph p50/p95 ms",
                  "fused p50/p95 ms", "BM25 build", "peak RSS MiB"], rows)
    record("Scale: synthetic corpora, store and retrieval", body,
           "Fused = the whole retrieval chain (dense + keyword + graph + fusion + token budget) without the query "
           "embedding, which is measured in the answer benchmark. Targets: retrieval p95 <= 40 ms at 10k chunks "
           "and <= 80 ms at 50k.")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
