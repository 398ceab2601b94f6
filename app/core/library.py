"""The corpus as the Library page and the CLI see it: what is indexed, and adding an uploaded file."""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.infra.settings import Settings

UPLOAD_DIR = "uploads"
UPLOAD_TYPES = ["md", "markdown", "txt", "html", "htm", "pdf"]


def indexed_sources(settings: Settings) -> list[dict[str, Any]]:
    """One row per indexed document, from the ingest manifest."""
    from ingest.pipeline import read_manifest

    docs = read_manifest(settings.manifest_path)["docs"]
    return [{"doc": doc_id, "title": d["title"], "source": d["uri"], "chunks": len(d["chunk_ids"]),
             "nodes": ", ".join(d["nodes"]), "last ingested": d.get("ingested_at", ""),
             "hash": d["fingerprint"][:12]} for doc_id, d in sorted(docs.items())]


@dataclass
class UploadResult:
    ok: bool
    message: str
    path: Path | None = None


def safe_filename(name: str) -> str:
    stem = Path(name).name  # never a path from the browser
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip(".-")
    return cleaned[:120] or "upload"


def add_upload(settings: Settings, name: str, data: bytes, nodes: list[str]) -> UploadResult:
    """Validate an uploaded file with the ingest loaders, then save it under corpus/uploads/.

    A bad file gets the same one-line reason as `tutor ingest` and nothing is written, so nothing
    already in the corpus or the index can be lost. ``nodes`` (roadmap topics the file supports) go
    into sources.yaml so the graph links the document to them.
    """
    from ingest.documents import SkipDocument
    from ingest.loaders import load_file

    filename = safe_filename(name)
    suffix = Path(filename).suffix.lower().lstrip(".")
    if suffix not in UPLOAD_TYPES:
        return UploadResult(False, f"{name}: unsupported file type '.{suffix}' (use {', '.join(UPLOAD_TYPES)})")
    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp) / filename
        probe.write_bytes(data)
        try:
            load_file(probe, f"{UPLOAD_DIR}/{filename}", settings.max_file_bytes)
        except SkipDocument as exc:
            return UploadResult(False, f"{name}: {exc.reason}")
    target = settings.corpus_dir / UPLOAD_DIR / filename
    if target.exists():
        return UploadResult(False, f"{name}: {UPLOAD_DIR}/{filename} already exists in the corpus; "
                                   "rename the file or delete the old one first")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    if nodes:
        _append_source(settings.corpus_dir / "sources.yaml", f"file:{UPLOAD_DIR}/{filename}", nodes)
    return UploadResult(True, f"added {UPLOAD_DIR}/{filename}", target)


def _append_source(path: Path, uri: str, nodes: list[str]) -> None:
    # Appending text keeps the file's comments; the entry is validated by the next ingest like any other.
    text = path.read_text(encoding="utf-8") if path.exists() else "sources:\n"
    if not text.endswith("\n"):
        text += "\n"
    text += f"  - uri: {uri}\n    nodes: [{', '.join(nodes)}]\n"
    path.write_text(text, encoding="utf-8")
