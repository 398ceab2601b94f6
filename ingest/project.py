"""The tutor's own files as corpus documents: ``project:PATH`` entries in corpus/sources.yaml.

The roadmap's LLMOps topic teaches operating an LLM application; this tutor is one, so its own operational
documents (README sections, ARCHITECTURE.md, docs/, deploy/, evals/README.md) are indexed beside the teaching
material and cited by their path. A PATH is relative to the project root and must stay inside it: no absolute
paths, no ``..``, no symlink that resolves outside, nothing hidden (``.git``, ``.env``, the ``.tutor`` data dir)
and nothing named like a secret. Two kinds are rendered rather than read as text:

- ``render: metrics``: a Python module's Prometheus metrics (Counter, Gauge, Histogram, Summary calls), read
  with ``ast`` (never imported), one sentence per metric: so the list is always the code's.
- ``render: prompt-changelog``: a prompts folder (``<name>/v<N>.yaml``): each version's description,
  changelog, parameters and guards. The system and user templates are never indexed: the tutor must not be
  able to quote its own rules.

Every project document carries ``kind: project`` in its chunks' metadata; app/core/retrieval.py lets such
chunks into an answer only when the question is about the tutor itself.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from ingest.documents import LoadedDocument, Section, SkipDocument
from ingest.loaders import SUPPORTED_SUFFIXES, decode_text, load_file, load_markdown, load_text, read_bytes_checked

PROJECT_KIND = "project"
TITLE_PREFIX = "This tutor"
RENDERS = ("metrics", "prompt-changelog")
# Plain-text operational files, loaded as text (a Dockerfile, manifests, configs, scripts).
TEXT_SUFFIXES = frozenset({".yaml", ".yml", ".toml", ".json", ".ini", ".cfg", ".conf", ".sh"})
_TEXT_NAMES = re.compile(r"^(?:Dockerfile|Containerfile|Makefile)(?:\.[\w.-]+)?$")
_SECRET = re.compile(r"secret|credential|passw|api-keys|\.pem$|\.key$|^\.?env$", re.I)
_METRIC_TYPES = {"Counter": "counter", "Gauge": "gauge", "Histogram": "histogram", "Summary": "summary"}
_PROMPT_FILE = re.compile(r"^v(\d+)\.ya?ml$")


def resolve(root: Path, target: str) -> Path:
    """The file or folder ``target`` names under ``root``; SkipDocument (an error, not a notice) when it would
    leave the root or reach something that must never be indexed, a notice when it is simply not there."""
    rel = Path(target)
    if not target or rel.is_absolute() or target.startswith("~"):
        raise SkipDocument(f"'{target}' is not a path relative to the project root ({root})")
    if ".." in rel.parts:
        raise SkipDocument(f"'{target}' escapes the project root ({root}): project: paths stay inside it")
    _refuse_private(rel, target)
    root_real = root.resolve()
    path = (root / rel).resolve()
    if not path.is_relative_to(root_real):
        raise SkipDocument(f"'{target}' resolves outside the project root ({root}) through a symlink; "
                           "project: paths stay inside it")
    _refuse_private(path.relative_to(root_real), target)  # a symlink inside the root to .tutor/api-keys, say
    if not path.exists():
        raise SkipDocument(f"no such file under the project root {root}", notice=True)
    return path


def _refuse_private(rel: Path, target: str) -> None:
    if any(part.startswith(".") for part in rel.parts):
        raise SkipDocument(f"'{target}' is hidden (.git, .env, the .tutor data dir): hidden paths are never indexed")
    if any(_SECRET.search(part) for part in rel.parts):
        raise SkipDocument(f"'{target}' is named like a secret: it is never indexed")


def doc_id(target: str) -> str:
    from ingest.sources import slug

    rel = Path(target)
    return "project-" + slug((rel.with_suffix("") if rel.suffix else rel).as_posix())


def default_title(target: str, render: str | None) -> str:
    if render == "metrics":
        return f"{TITLE_PREFIX}: the Prometheus metrics tutor serve exports ({target})"
    if render == "prompt-changelog":
        return f"{TITLE_PREFIX}: prompt versions and their changelogs ({target.rstrip('/')}/)"
    return f"{TITLE_PREFIX}: {target}"


def fingerprint_parts(path: Path, render: str | None, max_bytes: int) -> list[bytes]:
    """What the document is made of now: its bytes, or every prompt file's name and bytes for a prompts folder."""
    if render == "prompt-changelog":
        return [part for f in prompt_files(path) for part in (f.relative_to(path).as_posix().encode(),
                                                               read_bytes_checked(f, max_bytes))]
    if path.is_dir():
        raise SkipDocument("a folder: list its files one by one (only `render: prompt-changelog` takes a folder)")
    return [read_bytes_checked(path, max_bytes)]


def load(path: Path, target: str, title: str, render: str | None, sections: list[str] | None,
         max_bytes: int) -> LoadedDocument:
    if render == "metrics":
        doc = render_metrics(decode_text(read_bytes_checked(path, max_bytes)), title)
    elif render == "prompt-changelog":
        doc = render_prompt_changelog(path, title)
    else:
        doc = load_text_file(path, target, title, max_bytes)
    if sections:
        doc.sections = keep_sections(doc, sections, target)
    doc.title = title
    doc.meta = {"kind": PROJECT_KIND}  # no asks, terms or subtopic: project files never route learner questions
    return doc


def load_text_file(path: Path, target: str, title: str, max_bytes: int) -> LoadedDocument:
    suffix = path.suffix.lower()
    if suffix in {".md", ".markdown"}:
        return load_markdown(decode_text(read_bytes_checked(path, max_bytes)), where=target, default_title=title)
    if suffix in SUPPORTED_SUFFIXES:
        return load_file(path, target, max_bytes)
    if suffix in TEXT_SUFFIXES or _TEXT_NAMES.match(path.name):
        return load_text(decode_text(read_bytes_checked(path, max_bytes)), title)
    raise SkipDocument(f"unsupported project file type '{suffix or path.name}' (Markdown, text, HTML, PDF, "
                       f"{', '.join(sorted(TEXT_SUFFIXES))}, a Dockerfile; or `render: metrics` for a .py file)")


def keep_sections(doc: LoadedDocument, names: list[str], target: str) -> list[Section]:
    """Only the sections under the named headings (with everything beneath them), at their real line numbers."""
    wanted = {n.strip().lower() for n in names}
    headings = {h.lower() for s in doc.sections for h in s.heading_path}
    missing = sorted(n for n in names if n.strip().lower() not in headings)
    if missing:
        known = list(dict.fromkeys(h for s in doc.sections for h in s.heading_path[1:2]))
        raise SkipDocument(f"no heading {', '.join(repr(m) for m in missing)} in {target} "
                           f"(its sections: {', '.join(known[:20]) or 'none'})")
    return [s for s in doc.sections if any(h.lower() in wanted for h in s.heading_path)]


# --- rendered documents ----------------------------------------------------------------------------

def render_metrics(source: str, title: str) -> LoadedDocument:
    """One sentence per Prometheus metric the module defines, at the line that defines it."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise SkipDocument(f"not valid Python (line {exc.lineno}): cannot list its metrics") from None
    lines: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _METRIC_TYPES):
            continue
        args = [_literal(a) for a in node.args]
        kwargs = {k.arg: _literal(k.value) for k in node.keywords if k.arg}
        name, doc = (args + [None, None])[:2]
        name, doc = kwargs.get("name", name), kwargs.get("documentation", doc)
        labels = kwargs.get("labelnames", args[2] if len(args) > 2 else None) or []
        if not isinstance(name, str) or not isinstance(doc, str):
            continue
        kind = _METRIC_TYPES[node.func.id]
        exposed = f"{name}_total" if kind == "counter" and not name.endswith("_total") else name
        label_text = f" with labels {', '.join(labels)}" if isinstance(labels, list) and labels else " with no labels"
        lines.append((node.lineno, f"{exposed} is a {kind}{label_text}: {doc.rstrip('.')}."))
    if not lines:
        raise SkipDocument("defines no Prometheus metrics (Counter, Gauge, Histogram or Summary calls)")
    lines.sort()
    intro = (lines[0][0] - 1 if lines[0][0] > 1 else 1,
             f"tutor serve exports these {len(lines)} Prometheus metrics at GET /metrics:")
    return LoadedDocument(title=title, sections=[Section(heading_path=(title,), lines=[intro, *lines])])


def _literal(node: ast.expr) -> object:
    try:
        return ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError):
        return None


def prompt_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise SkipDocument("`render: prompt-changelog` takes a prompts folder (<name>/v<N>.yaml files)")
    files = [p for p in folder.glob("*/v*.y*ml") if _PROMPT_FILE.match(p.name) and not p.is_symlink()]
    if not files:
        raise SkipDocument("no prompt versions (<name>/v<N>.yaml) in this folder")
    return sorted(files, key=lambda p: (p.parent.name, int(_PROMPT_FILE.match(p.name).group(1))))  # type: ignore[union-attr]


def render_prompt_changelog(folder: Path, title: str) -> LoadedDocument:
    """Each version's description, changelog, parameters and guards, at the lines of its file that hold them;
    never its system or user template."""
    from app.core.prompts import load_prompt_file
    from app.errors import TutorError

    sections: list[Section] = []
    for path in prompt_files(folder):
        try:
            prompt = load_prompt_file(path)
        except TutorError as exc:
            raise SkipDocument(str(exc)) from None
        spec, ref = prompt.spec, prompt.ref
        text = path.read_text(encoding="utf-8")

        def line_of(key: str, text: str = text) -> int:
            match = re.search(rf"^{key}:", text, re.M)
            return text.count("\n", 0, match.start()) + 1 if match else 1

        params = ", ".join(f"{k} {v}" for k, v in spec.parameters.model_dump().items() if v is not None)
        guards = spec.guards.model_dump()
        off = [k.replace("_", " ") for k, on in guards.items() if not on]
        lines = [
            (line_of("description"), f"Prompt version {ref}: {spec.description.rstrip('.')}."),
            (line_of("changelog"), f"Changelog of {ref}: {spec.changelog.rstrip('.')}."),
            (line_of("parameters"), f"{ref} runs with {params}."),
            (line_of("guards") if "guards:" in text else line_of("parameters"),
             f"{ref} ships with every code guard on." if not off else
             f"{ref} ships with these code guards off: {', '.join(off)}."),
        ]
        rel = f"{folder.name}/{path.relative_to(folder).as_posix()}"
        sections.append(Section(heading_path=(title, f"{ref} ({rel})"), lines=lines))
    return LoadedDocument(title=title, sections=sections)
