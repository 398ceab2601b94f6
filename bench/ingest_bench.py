"""Ingest: `tutor ingest` against a naive LangChain pipeline on the same corpus, in the same run.

The naive pipeline is what a tutorial does: `Chroma.from_documents` with the same embedding model and
the same chunks, rebuilt from scratch on every change. Also: our throughput against bare
`SentenceTransformer.encode` of the same chunk texts, the limit on this machine.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import record, table  # noqa: E402

from app.infra.embed import Embedder, shared_embedder  # noqa: E402
from app.infra.settings import Settings  # noqa: E402
from ingest.chunking import chunk_document  # noqa: E402
from ingest.pipeline import config_key, run_ingest  # noqa: E402
from ingest.sources import discover  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def corpus_chunks(settings: Settings) -> list[tuple[str, str, dict]]:
    found = discover(settings.corpus_dir, settings.web_cache_dir, settings.max_file_bytes, config_key(settings))
    out = []
    for cand in found.candidates:
        doc = cand.load()
        for chunk in chunk_document(cand.doc_id, doc, settings.chunk_tokens, settings.chunk_overlap):
            out.append((chunk.id, chunk.embedding_text(doc.title), {"doc_id": cand.doc_id, "source": cand.uri}))
    return out


class LangChainEmbeddings:
    """The same model behind LangChain's Embeddings interface, for the naive pipeline."""

    def __init__(self, embedder) -> None:  # type: ignore[no-untyped-def]
        self.embedder = embedder
        self.calls = 0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.calls += len(texts)
        return self.embedder.embed(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.embed_query(text)


def naive_rebuild(chunks: list[tuple[str, str, dict]], path: Path, embeddings: LangChainEmbeddings) -> float:
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma
    from langchain_core.documents import Document

    t0 = time.perf_counter()
    Chroma.from_documents([Document(page_content=t, metadata=m) for _, t, m in chunks], embeddings,  # type: ignore[arg-type]
                          ids=[i for i, _, _ in chunks], persist_directory=str(path), collection_name="naive",
                          client_settings=ChromaSettings(anonymized_telemetry=False, is_persistent=True,
                                                         persist_directory=str(path)))
    return time.perf_counter() - t0


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    shutil.copytree(ROOT / "corpus", work / "corpus")
    settings = Settings(data_dir=work / "data", corpus_dir=work / "corpus")
    embedder = shared_embedder(settings.embedding_model)
    embedder.embed(["warm up"])
    chunks = corpus_chunks(settings)
    texts = [t for _, t, _ in chunks]

    t0 = time.perf_counter()
    Embedder(settings.embedding_model).model.encode(texts, batch_size=32, normalize_embeddings=True,
                                                    show_progress_bar=False)
    bare = time.perf_counter() - t0

    full = run_ingest(settings)
    nochange = run_ingest(settings)
    note = settings.corpus_dir / "notes" / "docker.md"
    note.write_text(note.read_text() + "\nA volume outlives the container that mounts it.\n")
    onechange = run_ingest(settings)

    lc = LangChainEmbeddings(embedder)
    # A rebuild from scratch, each into a new folder (Chroma keeps one client per path in a process).
    naive_full = naive_rebuild(chunks, work / "naive-1", lc)
    naive_calls = lc.calls
    naive_again = naive_rebuild(chunks, work / "naive-2", lc)

    n = len(chunks)
    rows = [
        ["full ingest", f"{full.seconds:.1f} s", full.embedded, f"{naive_full:.1f} s", naive_calls,
         f"{naive_full / full.seconds:.2f}x"],
        ["no-change re-ingest", f"{nochange.seconds:.2f} s", nochange.embedded, f"{naive_again:.1f} s (rebuild)", n,
         f"{naive_again / nochange.seconds:.0f}x"],
        ["one note changed", f"{onechange.seconds:.2f} s", onechange.embedded, f"{naive_again:.1f} s (rebuild)", n,
         f"{naive_again / onechange.seconds:.0f}x"],
    ]
    body = table(["run", "tutor ingest", "embedded", "naive LangChain", "embedded", "naive / ours"], rows)
    body += "\n\n" + table(["throughput (chunks/s)", "value", "ratio to bare encode"], [
        ["bare SentenceTransformer.encode", f"{n / bare:.1f}", "1.00"],
        ["tutor ingest (load, chunk, embed, upsert, graph)", f"{full.embedded / full.seconds:.1f}",
         f"{(full.embedded / full.seconds) / (n / bare):.2f}"],
    ])
    record(f"Ingest: ours vs naive LangChain ({n} chunks, real corpus)", body,
           "Same model (all-MiniLM-L6-v2), same chunks, same machine, one run. Targets: no-change re-ingest "
           ">= 50x faster than the naive rebuild with 0 embeddings; ingest throughput >= 0.9x bare encode.")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
