"""Labs as corpus documents, so the tutor can answer "what is the git rebase lab about?": each lab's task, how to
run it and its hints (with the notes they cite), never its check spec or attempts. Labs live in labs/ beside the
corpus folder (labs/README.md); a corpus without that sibling folder (the tests' small corpora) has no labs."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from app.core.labs.model import LabError, lab_folders, load_lab
from ingest.documents import LoadedDocument
from ingest.loaders import load_markdown
from ingest.sources import Candidate


def labs_dir_for(corpus_dir: Path) -> Path:
    return corpus_dir.parent / "labs"


def lab_candidates(corpus_dir: Path, config_key: str, skipped: list[tuple[str, str]]) -> list[Candidate]:
    """One candidate per lab (doc id ``lab-<id>``, URI ``lab:<topic>/<id>``); a malformed lab.yaml is reported
    in ``skipped`` with its one-line reason, like a malformed note."""
    out: list[Candidate] = []
    for folder in lab_folders(labs_dir_for(corpus_dir)):
        uri = f"lab:{folder.parent.name}/{folder.name}"
        try:
            lab = load_lab(folder)
        except LabError as exc:
            skipped.append((uri, str(exc)))
            continue
        text = lab.document()
        doc = load_markdown(text, where=uri, default_title=f"Lab: {lab.title}")
        doc.meta = {"kind": "lab"}
        fingerprint = hashlib.sha256("\x1f".join([text, uri, lab.topic, config_key]).encode()).hexdigest()
        out.append(Candidate(doc_id=f"lab-{lab.id}", uri=uri, nodes=[lab.topic], title=doc.title,
                             fingerprint=fingerprint, load=_constant(doc)))
    return out


def _constant(doc: LoadedDocument) -> Callable[[], LoadedDocument]:
    return lambda: doc
