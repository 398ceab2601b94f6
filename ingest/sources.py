"""Discover the corpus: files under corpus/ plus the linked docs named by URI in sources.yaml.

A ``Candidate`` knows its id, URI, roadmap nodes and a fingerprint of its content, and loads its
sections only when they are needed (rendering a man page is the slow part).
"""

from __future__ import annotations

import hashlib
import logging
import re
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.errors import CorpusError
from app.infra.fileio import atomic_write_bytes
from ingest import project
from ingest.documents import LoadedDocument, SkipDocument
from ingest.frontmatter import describe_validation_error, load_yaml_file
from ingest.loaders import (
    SUPPORTED_SUFFIXES,
    load_file,
    load_html,
    load_man,
    load_pydoc,
    man_source_paths,
    missing_man_page,
    parse_man_uri,
    pydoc_topic_text,
    read_bytes_checked,
)

log = logging.getLogger("tutor")
SOURCES_FILE = "sources.yaml"
OFF_ROADMAP_FILE = "off-roadmap.yaml"  # questions the tutor declines: not a document (ingest.pipeline)
SCHEMES = ("file:", "man:", "pydoc:", "https:", "project:")


class SourceEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    uri: str = Field(pattern=r"^(file|man|pydoc|https|project):\S+$")
    nodes: list[str] = Field(min_length=1)
    title: str | None = None
    # man pages: keep only these sections; project: Markdown: only these headings (and what is under them)
    sections: list[str] | None = None
    render: Literal["metrics", "prompt-changelog"] | None = None  # project: only (ingest/project.py)


@dataclass
class Candidate:
    doc_id: str
    uri: str
    nodes: list[str]
    fingerprint: str
    load: Callable[[], LoadedDocument] = field(repr=False)
    title: str = ""


@dataclass
class Discovery:
    candidates: list[Candidate]
    skipped: list[tuple[str, str]]  # (uri, reason): errors a user should fix
    notices: list[tuple[str, str]]  # (uri, reason): expected on some machines, not errors


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80] or "doc"


def _sha(*parts: str | bytes) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p if isinstance(p, bytes) else p.encode("utf-8"))
        h.update(b"\x1f")
    return h.hexdigest()


def read_sources(corpus_dir: Path) -> list[SourceEntry]:
    path = corpus_dir / SOURCES_FILE
    if not path.exists():
        return []
    where = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CorpusError(f"{where}: cannot read it ({exc})") from None
    data = load_yaml_file(text, where)
    if data is None:
        return []
    if not isinstance(data, dict) or not isinstance(data.get("sources"), list):
        raise CorpusError(f"{where} line 1: expected a mapping with a 'sources:' list")
    lines = _item_lines(text)
    entries: list[SourceEntry] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(data["sources"]):
        line = lines[i] if i < len(lines) else 1
        if not isinstance(item, dict):
            raise CorpusError(f"{where} line {line}: each source must be a mapping with uri and nodes")
        try:
            entry = SourceEntry.model_validate(item)
        except ValidationError as exc:
            detail = describe_validation_error(exc, yaml.safe_dump(item, sort_keys=False), first_line=line)
            raise CorpusError(f"{where} source #{i + 1} {detail}") from None
        if entry.uri in seen:
            raise CorpusError(f"{where} line {line}: {entry.uri} is listed twice (first on line {seen[entry.uri]})")
        seen[entry.uri] = line
        entries.append(entry)
    return entries


def _item_lines(text: str) -> list[int]:
    """1-based line of each item of the top-level 'sources' list."""
    node = yaml.compose(text)
    for key, value in getattr(node, "value", []):
        if getattr(key, "value", None) == "sources":
            return [item.start_mark.line + 1 for item in value.value]
    return []


def discover(corpus_dir: Path, web_cache: Path, max_bytes: int, config_key: str,
             online: bool = False, project_root: Path | None = None) -> Discovery:
    """Every document the corpus names now. ``config_key`` (chunking + embedding settings) is part of
    each fingerprint, so changing it re-chunks everything. ``project:`` paths are resolved under
    ``project_root`` (default: this checkout, app.infra.settings.PROJECT_ROOT)."""
    from app.infra.settings import PROJECT_ROOT

    root = project_root or PROJECT_ROOT
    entries = read_sources(corpus_dir)
    by_file = {e.uri[len("file:"):]: e for e in entries if e.uri.startswith("file:")}
    candidates: list[Candidate] = []
    skipped: list[tuple[str, str]] = []
    notices: list[tuple[str, str]] = []

    for rel, entry in by_file.items():
        if not (corpus_dir / rel).is_file():
            skipped.append((entry.uri, f"listed in {SOURCES_FILE} but no such file under {corpus_dir}"))

    for path in sorted(p for p in corpus_dir.rglob("*") if p.is_file()):
        rel = path.relative_to(corpus_dir).as_posix()
        if rel in (SOURCES_FILE, OFF_ROADMAP_FILE, "README.md") or any(p.startswith(".") for p in Path(rel).parts):
            continue
        uri = f"file:{rel}"
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            skipped.append((uri, f"unsupported file type '{path.suffix or path.name}' (use .md, .txt, .html or .pdf)"))
            continue
        try:
            loaded = load_file(path, rel, max_bytes)
            raw = path.read_bytes()
        except SkipDocument as exc:
            skipped.append((uri, exc.reason))
            continue
        file_entry = by_file.get(rel)
        meta = loaded.meta
        nodes = sorted(set(meta.get("nodes") or []) | set(file_entry.nodes if file_entry else []))
        doc_id = meta.get("id") or slug(Path(rel).with_suffix("").as_posix())
        title = (file_entry.title if file_entry and file_entry.title else None) or loaded.title
        loaded.title = title
        candidates.append(Candidate(doc_id=doc_id, uri=uri, nodes=nodes, title=title,
                                    fingerprint=_sha(raw, uri, title, ",".join(nodes), config_key),
                                    load=_constant(loaded)))

    man_pages: dict[str, tuple[str, str | None]] = {}
    for entry in entries:
        if entry.uri.startswith("man:"):
            try:
                man_pages[entry.uri] = parse_man_uri(entry.uri[len("man:"):])
            except CorpusError as exc:
                skipped.append((entry.uri, str(exc)))
    man_paths = man_source_paths(list(man_pages.values()))

    for entry in entries:
        scheme, _, target = entry.uri.partition(":")
        try:
            if entry.render and scheme != "project":
                raise SkipDocument("`render:` is only for project: sources")
            if scheme == "man" and entry.uri in man_pages:
                page = man_pages[entry.uri]
                if page not in man_paths:
                    raise missing_man_page(*page)
                candidates.append(_man_candidate(entry, page, man_paths[page], config_key))
            elif scheme == "pydoc":
                text = pydoc_topic_text(target)
                candidates.append(Candidate(
                    doc_id=f"pydoc-{slug(target)}", uri=entry.uri, nodes=sorted(entry.nodes),
                    title=entry.title or f"Python reference: {target}",
                    fingerprint=_sha(text, entry.uri, ",".join(sorted(entry.nodes)), config_key),
                    load=_titled(partial(load_pydoc, target), entry.title)))
            elif scheme == "https":
                candidates.append(_web_candidate(entry, web_cache, max_bytes, config_key, online))
            elif scheme == "project":
                candidates.append(_project_candidate(entry, target, root, corpus_dir, max_bytes, config_key))
        except SkipDocument as exc:
            (notices if exc.notice else skipped).append((entry.uri, exc.reason))

    seen: dict[str, str] = {}
    unique: list[Candidate] = []
    for cand in candidates:
        if cand.doc_id in seen:
            skipped.append((cand.uri, f"duplicate document id '{cand.doc_id}' (already used by {seen[cand.doc_id]})"))
            continue
        seen[cand.doc_id] = cand.uri
        unique.append(cand)
    return Discovery(candidates=unique, skipped=skipped, notices=notices)


def _constant(doc: LoadedDocument) -> Callable[[], LoadedDocument]:
    return lambda: doc


def _titled(load: Callable[[], LoadedDocument], title: str | None) -> Callable[[], LoadedDocument]:
    def run() -> LoadedDocument:
        doc = load()
        if title:
            doc.title = title
        return doc
    return run


def _man_candidate(entry: SourceEntry, page: tuple[str, str | None], source: Path, config_key: str) -> Candidate:
    name, section = page
    try:
        raw = source.read_bytes()
    except OSError as exc:
        raise SkipDocument(f"man page {entry.uri} cannot be read ({exc})", notice=True) from None
    label = f"{name}-{section}" if section else name
    keep = entry.sections
    return Candidate(
        doc_id=f"man-{slug(label)}", uri=entry.uri, nodes=sorted(entry.nodes),
        title=entry.title or f"man {entry.uri[len('man:'):]}",
        fingerprint=_sha(raw, entry.uri, ",".join(sorted(entry.nodes)), ",".join(keep or []), config_key),
        load=_titled(lambda: load_man(name, section, keep), entry.title))


def _project_candidate(entry: SourceEntry, target: str, root: Path, corpus_dir: Path, max_bytes: int,
                       config_key: str) -> Candidate:
    """One of the tutor's own files (ingest/project.py): cited by its path, tagged ``kind: project``."""
    path = project.resolve(root, target)
    if path.is_relative_to(corpus_dir.resolve()):
        raise SkipDocument(f"'{target}' is under {corpus_dir.name}/ already: list it as file:, not project:")
    parts = project.fingerprint_parts(path, entry.render, max_bytes)
    title = entry.title or project.default_title(target, entry.render)
    nodes = sorted(entry.nodes)
    return Candidate(
        doc_id=project.doc_id(target), uri=entry.uri, nodes=nodes, title=title,
        fingerprint=_sha(*parts, entry.uri, title, ",".join(nodes), ",".join(entry.sections or []),
                         entry.render or "", config_key),
        load=partial(project.load, path, target, title, entry.render, entry.sections, max_bytes))


def _web_candidate(entry: SourceEntry, cache_dir: Path, max_bytes: int, config_key: str,
                   online: bool) -> Candidate:
    cached = cache_dir / (hashlib.sha1(entry.uri.encode()).hexdigest() + ".html")
    if online:
        fetch_to_cache(entry.uri, cached, max_bytes)
    if not cached.exists():
        raise SkipDocument("not fetched yet: run `tutor ingest --online` once to download and cache it",
                           notice=True)
    raw = read_bytes_checked(cached, max_bytes)
    text = raw.decode("utf-8", errors="replace")
    return Candidate(
        doc_id=f"web-{slug(entry.uri.split('://', 1)[-1])}", uri=entry.uri, nodes=sorted(entry.nodes),
        title=entry.title or entry.uri,
        fingerprint=_sha(raw, entry.uri, ",".join(sorted(entry.nodes)), config_key),
        load=_titled(lambda: load_html(text, default_title=entry.uri), entry.title))


def fetch_to_cache(uri: str, target: Path, max_bytes: int, timeout: float = 20.0) -> None:
    request = urllib.request.Request(uri, headers={"User-Agent": "roadmap-tutor/0.1"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (https only)
            data = response.read(max_bytes + 1)
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        if target.exists():
            log.warning("%s: fetch failed (%s); using the cached copy", uri, exc)
            return
        raise SkipDocument(f"could not fetch ({exc}); check the network or drop --online", notice=True) from None
    if len(data) > max_bytes:
        raise SkipDocument("page larger than the file size limit")
    atomic_write_bytes(target, data)
