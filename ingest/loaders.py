"""Loaders: Markdown, plain text, HTML, PDF, man pages and Python's reference topics.

Each returns a ``LoadedDocument`` of sections (heading path + numbered lines, or a PDF page) so every
chunk can cite a stable location. Anything unusable raises ``SkipDocument`` with a one-line reason.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from pathlib import Path

from app.errors import CorpusError
from ingest.documents import LoadedDocument, Section, SkipDocument
from ingest.frontmatter import parse_front_matter

TEXT_SUFFIXES = {".md", ".markdown", ".txt", ".text", ".html", ".htm"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | {".pdf"}
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


def read_bytes_checked(path: Path, max_bytes: int) -> bytes:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise SkipDocument(f"cannot read ({exc.strerror or exc})") from None
    if size > max_bytes:
        raise SkipDocument(f"too large ({size / 1e6:.1f} MB > limit {max_bytes / 1e6:.1f} MB; "
                           "raise TUTOR_MAX_FILE_MB to include it)")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SkipDocument(f"cannot read ({exc.strerror or exc}); check its permissions") from None
    if not data.strip():
        raise SkipDocument("empty file")
    return data


def decode_text(data: bytes) -> str:
    if b"\x00" in data[:8192]:
        raise SkipDocument("binary content (NUL bytes), not a text document")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SkipDocument(f"not UTF-8 (invalid byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                           "convert it with `iconv -t UTF-8`") from None
    if not text.strip():
        raise SkipDocument("no text")
    return text


def load_file(path: Path, rel: str, max_bytes: int) -> LoadedDocument:
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise SkipDocument(f"unsupported file type '{suffix or path.name}' (use .md, .txt, .html or .pdf)")
    data = read_bytes_checked(path, max_bytes)
    if suffix == ".pdf":
        return load_pdf(data, default_title=path.stem)
    text = decode_text(data)
    if suffix in {".md", ".markdown"}:
        return load_markdown(text, where=rel, default_title=path.stem)
    if suffix in {".html", ".htm"}:
        return load_html(text, default_title=path.stem)
    return load_text(text, title=path.stem)


def load_markdown(text: str, where: str, default_title: str) -> LoadedDocument:
    try:
        meta, body_start = parse_front_matter(text, where)
    except CorpusError as exc:
        raise SkipDocument(str(exc)) from None
    lines = text.splitlines()
    title = meta.title if meta else default_title
    sections: list[Section] = []
    stack: list[tuple[int, str]] = []  # (level, heading) of the headings above the current line
    current = Section(heading_path=(title,))
    in_fence = False
    for number, line in enumerate(lines[body_start:], start=body_start + 1):
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(line)
        if match:
            if any(t.strip() for _, t in current.lines):
                sections.append(current)
            level = len(match.group(1))
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, match.group(2).strip()))
            current = Section(heading_path=tuple(t for _, t in stack))
            continue
        current.lines.append((number, line))
    if any(t.strip() for _, t in current.lines):
        sections.append(current)
    if not sections:
        raise SkipDocument("no text under its headings")
    return LoadedDocument(title=title, sections=sections,
                          meta=meta.model_dump() if meta else {})


def load_text(text: str, title: str) -> LoadedDocument:
    lines = [(i, line) for i, line in enumerate(text.splitlines(), start=1)]
    return LoadedDocument(title=title, sections=[Section(heading_path=(title,), lines=lines)])


def load_html(text: str, default_title: str) -> LoadedDocument:
    """Text only: scripts, styles and comments are dropped; h1–h6 become the heading path."""
    from bs4 import BeautifulSoup, Comment

    soup = BeautifulSoup(text, "html.parser")
    for tag in soup(["script", "style", "noscript", "template", "svg"]):
        tag.decompose()
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    title = (soup.title.get_text(" ", strip=True) if soup.title else "") or default_title
    sections: list[Section] = []
    stack: list[tuple[int, str]] = []
    current = Section(heading_path=(title,))
    number = 0
    blocks = soup.find_all(["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "pre", "td", "dd", "dt"])
    for block in blocks:
        if block.find_parent(["p", "li", "pre", "td", "dd", "dt"]):
            continue  # counted with its parent block
        text_block = block.get_text(" ", strip=True)
        if not text_block:
            continue
        number += 1
        if block.name in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            if current.lines:
                sections.append(current)
            level = int(block.name[1])
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, text_block))
            current = Section(heading_path=tuple(t for _, t in stack))
            continue
        current.lines.append((number, text_block))
    if current.lines:
        sections.append(current)
    if not sections:
        body = soup.get_text("\n", strip=True)
        if not body:
            raise SkipDocument("HTML with no text")
        return load_text(body, title)
    return LoadedDocument(title=title, sections=sections)


def load_pdf(data: bytes, default_title: str) -> LoadedDocument:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
        title = (reader.metadata.title if reader.metadata and reader.metadata.title else "") or default_title
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise SkipDocument(f"corrupt or unreadable PDF ({str(exc)[:120] or type(exc).__name__})") from None
    except Exception as exc:  # pypdf raises many internal types on damaged files
        raise SkipDocument(f"corrupt or unreadable PDF ({type(exc).__name__})") from None
    sections = [
        Section(heading_path=(title,), page=n,
                lines=[(i, line) for i, line in enumerate(text.splitlines(), start=1)])
        for n, text in enumerate(pages, start=1) if text.strip()
    ]
    if not sections:
        raise SkipDocument("PDF has no extractable text (scanned images need OCR first)")
    return LoadedDocument(title=title, sections=sections)


# --- man pages -------------------------------------------------------------------------------------

_MAN_URI = re.compile(r"^(?P<name>[A-Za-z0-9_.+-]+)(?:\((?P<section>[0-9a-z]+)\))?$")
_OVERSTRIKE = re.compile(r".\x08")
_MAN_FOOTER = re.compile(r"^\S.*\s{3,}[A-Z0-9_.+-]+\(\d\w*\)\s*$")  # "GNU coreutils 9.1   Sep 2022   CHMOD(1)"


def parse_man_uri(target: str) -> tuple[str, str | None]:
    match = _MAN_URI.match(target)
    if not match:
        raise CorpusError(f"'man:{target}' is not a man page name like man:ps(1)")
    return match.group("name"), match.group("section")


def man_source_paths(pages: list[tuple[str, str | None]]) -> dict[tuple[str, str | None], Path]:
    """Where each man page's source file is, with one `man -w` call for all of them (one process per
    page cost more than the rest of a no-change ingest). Pages not installed are absent."""
    if not pages:
        return {}
    if not shutil.which("man"):
        return {}
    args = ["man", "-w"] + [f"{name}.{section}" if section else name for name, section in pages]
    out = subprocess.run(args, capture_output=True, text=True, timeout=60)
    found: dict[tuple[str, str | None], Path] = {}
    for line in out.stdout.splitlines():
        path = Path(line.strip())
        base = path.name.removesuffix(".gz").removesuffix(".bz2").removesuffix(".xz")
        for name, section in pages:
            if base == f"{name}.{section}" or (section is None and base.rsplit(".", 1)[0] == name):
                found.setdefault((name, section), path)
    return found


def missing_man_page(name: str, section: str | None) -> SkipDocument:
    if not shutil.which("man"):
        return SkipDocument("`man` is not installed here (apt-get install man-db)", notice=True)
    label = f"{name}({section})" if section else name
    return SkipDocument(f"man page {label} is not installed on this machine", notice=True)


def render_man(name: str, section: str | None) -> str:
    env = dict(os.environ, MANWIDTH="80", MAN_KEEP_FORMATTING="", MANPAGER="cat", PAGER="cat")
    args = ["man", "-P", "cat"] + ([section] if section else []) + [name]
    out = subprocess.run(args, capture_output=True, text=True, timeout=60, env=env)
    if out.returncode != 0 or not out.stdout.strip():
        raise SkipDocument(f"man page {name} could not be rendered ({out.stderr.strip()[:100]})", notice=True)
    return _OVERSTRIKE.sub("", out.stdout)


def load_man(name: str, section: str | None, keep_sections: list[str] | None) -> LoadedDocument:
    text = render_man(name, section)
    label = f"{name}({section})" if section else name
    keep = {s.upper() for s in keep_sections} if keep_sections else None
    boilerplate = {"AUTHOR", "AUTHORS", "SEE ALSO", "REPORTING BUGS", "COPYRIGHT", "HISTORY", "COLOPHON"}
    sections: list[Section] = []
    current: Section | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        is_header = bool(line) and not line[0].isspace() and line.upper() == line and len(line) < 60
        if is_header and number > 1:
            current = Section(heading_path=(label, line.strip()))
            if (line.strip().upper() in keep) if keep else line.strip().upper() not in boilerplate:
                sections.append(current)
            continue
        if current is not None and not _MAN_FOOTER.match(line):
            current.lines.append((number, line))
    sections = [s for s in sections if any(t.strip() for _, t in s.lines)]
    if not sections:
        raise SkipDocument(f"man page {label} has no sections to index")
    return LoadedDocument(title=f"man {label}", sections=sections)


# --- Python's own reference topics -----------------------------------------------------------------

def pydoc_topic_text(topic: str) -> str:
    from pydoc_data.topics import topics

    if topic not in topics:
        raise SkipDocument(f"Python has no reference topic '{topic}' (see `python -m pydoc topics`)")
    return str(topics[topic])


def load_pydoc(topic: str) -> LoadedDocument:
    text = pydoc_topic_text(topic)
    lines = text.splitlines()
    title = f"Python reference: {topic}"
    sections: list[Section] = []
    current = Section(heading_path=(title,))
    for number, line in enumerate(lines, start=1):
        # reST-style headings: a line underlined with *, =, - or ~.
        nxt = lines[number] if number < len(lines) else ""
        if line.strip() and nxt and set(nxt.strip()) <= set("*=-~") and len(nxt.strip()) >= len(line.strip()):
            if any(t.strip() for _, t in current.lines):
                sections.append(current)
            current = Section(heading_path=(title, line.strip()))
            continue
        if line.strip() and set(line.strip()) <= set("*=-~"):
            continue
        current.lines.append((number, line))
    if any(t.strip() for _, t in current.lines):
        sections.append(current)
    return LoadedDocument(title=title, sections=sections)
