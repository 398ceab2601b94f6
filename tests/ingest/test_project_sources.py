"""`project:` sources: the tutor's own files in its corpus (ingest/project.py), resolved safely, cut to sections,
rendered (metrics, prompt changelogs) and kept in sync by an incremental re-ingest. Fast: no model, no Chroma."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
from fakes import HashingEmbedder, MemoryIndex

from app.infra.settings import Settings
from ingest.documents import SkipDocument
from ingest.pipeline import read_manifest, run_ingest
from ingest.sources import discover

README = textwrap.dedent("""\
    # Demo Tutor

    Intro text that is not wanted.

    ## Configuration

    `TUTOR_TOP_K` sets how many passages an answer gets.

    ### Limits

    `TUTOR_MAX_BODY_KB` caps a request body.

    ## Benchmarks

    Not wanted either.
    """)

METRICS = textwrap.dedent('''\
    from prometheus_client import Counter, Gauge

    class Metrics:
        def __init__(self, r):
            self.requests = Counter("demo_http_requests", "HTTP requests by route.", ["route"], registry=r)
            self.ready = Gauge("demo_ready", "1 when ready.", registry=r)
    ''')

PROMPT = textwrap.dedent("""\
    name: answer
    version: 1
    description: Grounded answer with citations.
    changelog: "v1: first version, passages in the system message."
    parameters: {temperature: 0.1, max_tokens: 200}
    system: |
      SECRET RULES THAT MUST NEVER BE INDEXED {passages}
    user: "{question}"
    """)


def make_project(root: Path, sources: str) -> Settings:
    (root / "corpus").mkdir(parents=True)
    (root / "corpus" / "sources.yaml").write_text("sources:\n" + textwrap.dedent(sources), encoding="utf-8")
    (root / "README.md").write_text(README, encoding="utf-8")
    (root / "deploy").mkdir()
    (root / "deploy" / "Dockerfile").write_text("FROM python:3.11-slim\n# the app runs as a non-root user\nUSER app\n")
    (root / "app").mkdir()
    (root / "app" / "metrics.py").write_text(METRICS, encoding="utf-8")
    (root / "prompts" / "answer").mkdir(parents=True)
    (root / "prompts" / "answer" / "v1.yaml").write_text(PROMPT, encoding="utf-8")
    return Settings(data_dir=root / "data", corpus_dir=root / "corpus", llm="extractive")


def found(settings: Settings, root: Path):
    return discover(settings.corpus_dir, settings.web_cache_dir, settings.max_file_bytes, "key", project_root=root)


def test_a_project_file_is_cited_by_its_path_and_tagged_as_the_tutors_own(tmp_path):
    settings = make_project(tmp_path, """\
        - uri: project:deploy/Dockerfile
          nodes: [llmops, docker]
        """)
    result = found(settings, tmp_path)
    assert not result.skipped and not result.notices
    (cand,) = result.candidates
    assert (cand.doc_id, cand.uri, cand.nodes) == ("project-deploy-dockerfile", "project:deploy/Dockerfile",
                                                  ["docker", "llmops"])
    doc = cand.load()
    assert doc.title == cand.title == "This tutor: deploy/Dockerfile"
    assert doc.meta == {"kind": "project"}  # no asks, terms or subtopic: it never routes a learner question
    assert [line for _, line in doc.sections[0].lines][0] == "FROM python:3.11-slim"


def test_sections_keep_only_the_named_headings_at_their_real_lines(tmp_path):
    settings = make_project(tmp_path, """\
        - uri: project:README.md
          nodes: [llmops]
          sections: [Configuration]
        """)
    doc = found(settings, tmp_path).candidates[0].load()
    text = {line: n for s in doc.sections for n, line in s.lines if line.strip()}
    assert "`TUTOR_TOP_K` sets how many passages an answer gets." in text
    assert "`TUTOR_MAX_BODY_KB` caps a request body." in text  # a subsection comes with its section
    assert not any("not wanted" in line.lower() for line in text)
    # the line numbers are the file's, so a citation points at the real README line
    lines = README.splitlines()
    assert all(lines[n - 1] == line for line, n in text.items())
    assert {s.heading_path[-1] for s in doc.sections} == {"Configuration", "Limits"}


def test_a_section_that_is_not_there_is_a_clear_skip(tmp_path):
    settings = make_project(tmp_path, """\
        - uri: project:README.md
          nodes: [llmops]
          sections: [Observability]
        """)
    cand = found(settings, tmp_path).candidates[0]
    with pytest.raises(SkipDocument, match=r"no heading 'Observability' in README.md \(its sections: Configuration"):
        cand.load()


@pytest.mark.parametrize(("target", "reason"), [
    ("../outside.md", "escapes the project root"),
    ("deploy/../../outside.md", "escapes the project root"),
    ("/etc/hostname", "not a path relative to the project root"),
    ("link.md", "resolves outside the project root"),  # ... through a symlink
    (".env", "hidden"),
    ("data-link/usage.sqlite", "hidden"),  # a symlink inside the project to the .tutor data dir
    ("deploy/k8s/secret.yaml", "named like a secret"),
])
def test_paths_outside_the_project_or_private_are_refused_with_a_reason(tmp_path, target, reason):
    root = tmp_path / "project"
    settings = make_project(root, f"""\
        - uri: project:{target}
          nodes: [llmops]
        """)
    (tmp_path / "outside.md").write_text("# Outside\n\nprivate\n")
    os.symlink(tmp_path / "outside.md", root / "link.md")
    (root / ".env").write_text("OPENAI_API_KEY=sk-not-real\n")
    (root / ".tutor").mkdir()
    (root / ".tutor" / "usage.sqlite").write_text("turns\n")
    os.symlink(root / ".tutor", root / "data-link")
    (root / "deploy" / "k8s").mkdir()
    (root / "deploy" / "k8s" / "secret.yaml").write_text("kind: Secret\n")
    result = found(settings, root)
    assert not result.candidates and not result.notices
    ((uri, why),) = result.skipped
    assert uri == f"project:{target}" and reason in why


def test_a_missing_project_file_is_a_notice_not_a_failure(tmp_path):
    settings = make_project(tmp_path, """\
        - uri: project:docs/operations.md
          nodes: [llmops]
        - uri: project:deploy/Dockerfile
          nodes: [llmops]
        """)
    result = found(settings, tmp_path)
    assert not result.skipped
    assert result.notices == [("project:docs/operations.md", f"no such file under the project root {tmp_path}")]
    assert [c.doc_id for c in result.candidates] == ["project-deploy-dockerfile"]


def test_metrics_are_listed_from_the_code_and_prompt_templates_are_never_indexed(tmp_path):
    settings = make_project(tmp_path, """\
        - uri: project:app/metrics.py
          nodes: [llmops, monitoring]
          render: metrics
        - uri: project:prompts
          nodes: [llmops]
          render: prompt-changelog
        - uri: man:chmod(1)
          nodes: [linux]
          render: metrics
        """)
    result = found(settings, tmp_path)
    assert result.skipped == [("man:chmod(1)", "`render:` is only for project: sources")]
    metrics, prompts = (c.load() for c in result.candidates)
    lines = [line for _, line in metrics.sections[0].lines]
    assert "demo_http_requests_total is a counter with labels route: HTTP requests by route." in lines
    assert "demo_ready is a gauge with no labels: 1 when ready." in lines
    assert metrics.title == "This tutor: the Prometheus metrics tutor serve exports (app/metrics.py)"
    text = " ".join(line for s in prompts.sections for _, line in s.lines)
    assert "Changelog of answer@1: v1: first version, passages in the system message." in text
    assert "SECRET RULES" not in text
    assert prompts.sections[0].heading_path[-1] == "answer@1 (prompts/answer/v1.yaml)"


def test_reingest_picks_up_a_changed_project_file_and_only_it(tmp_path, monkeypatch):
    settings = make_project(tmp_path, """\
        - uri: project:README.md
          nodes: [llmops]
          sections: [Configuration]
        - uri: project:deploy/Dockerfile
          nodes: [llmops, docker]
        - uri: project:prompts
          nodes: [llmops]
          render: prompt-changelog
        """)
    index, embedder = MemoryIndex(), HashingEmbedder()

    def ingest():
        return run_ingest(settings, store=index, embedder_factory=lambda: embedder)

    monkeypatch.setattr("app.infra.settings.PROJECT_ROOT", tmp_path)  # where project: paths are resolved

    first = ingest()
    assert sorted(first.plan.added) == ["project-deploy-dockerfile", "project-prompts", "project-readme"]
    kinds = {meta["kind"] for _, meta in index.iter_ids()}
    assert kinds == {"project"}
    assert ingest().embedded == 0  # nothing changed: nothing embedded

    old = set(read_manifest(settings.manifest_path)["docs"]["project-readme"]["chunk_ids"])
    readme = tmp_path / "README.md"
    readme.write_text(readme.read_text().replace("caps a request body.", "caps a request body at 256 KB."))
    again = ingest()
    assert again.plan.updated == ["project-readme"] and not again.plan.added and not again.plan.removed
    assert sorted(again.plan.unchanged) == ["project-deploy-dockerfile", "project-prompts"]
    new = set(read_manifest(settings.manifest_path)["docs"]["project-readme"]["chunk_ids"])
    assert again.embedded == len(new - old) >= 1
    assert any("256 KB" in text for text in index.get(sorted(new - old))["documents"])

    # a new prompt version shows up in the changelog document on the next ingest
    (tmp_path / "prompts" / "answer" / "v2.yaml").write_text(
        PROMPT.replace("version: 1", "version: 2").replace("v1: first version", "v2: passages fenced as data"))
    third = ingest()
    assert third.plan.updated == ["project-prompts"]
    texts = " ".join(index.get([cid for cid, meta in index.iter_ids() if meta["doc_id"] == "project-prompts"])
                     ["documents"])
    assert "v2: passages fenced as data" in texts
