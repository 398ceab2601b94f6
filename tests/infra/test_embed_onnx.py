"""The ONNX query embedder: the same vectors as sentence-transformers, a damaged file is never used, and
`tutor ask` imports no torch when the file is valid."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import guarded_env

from app.infra.embed import Embedder, load_embedder, resolve_model_path
from app.infra.embed_onnx import (
    OnnxEmbedder,
    OnnxUnavailable,
    ensure_onnx,
    load_onnx_embedder,
    onnx_files,
)

MODEL = "all-MiniLM-L6-v2"
HEAVY = ("torch", "sentence_transformers", "transformers", "sklearn")
LONG = " ".join(f"Kubernetes schedules pod number {i} onto a node with enough memory and CPU." for i in range(80))
SENTENCES = [
    "What is DNS?", "dns", "What should I learn before Kubernetes?", "What comes after Docker?",
    "Why does RAG matter?", "How do I read a Python traceback?", "What are window functions in SQL?",
    "Explain the difference between a process and a thread.", "kubectl get pods -n kube-system -o wide",
    "chmod 755 script.sh && ./script.sh", "SELECT name, COUNT(*) FROM users GROUP BY name HAVING COUNT(*) > 1;",
    "def f(x): return x ** 2  # square", "https://example.com/docs?page=2&lang=en#section-3",
    "", " ", "\n\t", "?", "a", "the", "1234567890", "3.14159 2.71828 1.41421",
    "Ünïcode: naïve café résumé", "日本語の文章を埋め込みます。", "Привет, как дела?", "مرحبا بالعالم",
    "emoji 🤖🚀🔥 and symbols ∑ ∫ √ ≤ ≥ ≠", "Ω≈ç√∫˜µ≤≥÷", "ﬁ ligature and full-width ＡＢＣ",
    "MLOps: model registry, feature store, monitoring, drift detection, retraining pipelines.",
    "My model works locally but the inference endpoint times out in production.",
    "Networking incidents often look like model problems.", "Load balancers, reverse proxies and service discovery.",
    "I already know Python and Git, what should I learn next?", "What does a vector database store?",
    "Why do embeddings need normalisation before cosine similarity?", "How many tokens does this prompt use?",
    "the the the the the the the the the the", "UPPER CASE QUESTION ABOUT LINUX PERMISSIONS",
    "mixed CASE and under_scores and camelCase and kebab-case", "tabs\tand\nnewlines\r\nin the middle",
    LONG, LONG + " This tail is past the truncation point.", "word " * 300, "supercalifragilistic" * 40,
    "x" * 3000, "🤖" * 400, "a, " * 500, LONG[:1200], "Short after long.", "What is a p95 latency?",
]


@pytest.fixture(scope="module")
def torch_embedder() -> Embedder:
    return Embedder(MODEL)


@pytest.fixture(scope="module")
def onnx_root(tmp_path_factory: pytest.TempPathFactory, torch_embedder: Embedder) -> Path:
    """A fresh export in a temp folder (never the developer's or the venv's copy)."""
    root = tmp_path_factory.mktemp("onnx")
    ensure_onnx(MODEL, resolve_model_path(MODEL), st_model=torch_embedder._model, root=root)
    return root


@pytest.fixture()
def onnx_copy(onnx_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the export that a test may damage; ``TUTOR_ONNX_DIR`` points at it."""
    root = tmp_path / "onnx"
    shutil.copytree(onnx_root, root)
    monkeypatch.setenv("TUTOR_ONNX_DIR", str(root))
    return root


def _files(root: Path):  # type: ignore[no-untyped-def]
    return onnx_files(MODEL, resolve_model_path(MODEL), root)


@pytest.mark.slow
def test_same_vectors_as_sentence_transformers(torch_embedder: Embedder, onnx_root: Path) -> None:
    assert len(SENTENCES) >= 50
    onnx = load_onnx_embedder(MODEL, resolve_model_path(MODEL), onnx_root)
    assert onnx.max_seq_length == torch_embedder._model.max_seq_length == 256
    assert max(len(e.ids) for e in onnx._tokenizer.encode_batch(SENTENCES)) == 256  # long ones are truncated
    expected = np.asarray(torch_embedder.embed(SENTENCES))
    batch = np.asarray(onnx.embed(SENTENCES, batch_size=8))  # padded batches, several lengths each
    single = np.asarray([onnx.embed_query(s) for s in SENTENCES])
    for got in (batch, single):
        assert got.shape == expected.shape == (len(SENTENCES), 384)
        assert np.abs(got - expected).max() < 1e-5
        assert (got * expected).sum(axis=1).min() >= 0.9999
        assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    # truncation at max_seq_length: text past the limit changes nothing, as with sentence-transformers
    assert np.allclose(single[SENTENCES.index(LONG)], single[SENTENCES.index(LONG) + 1], atol=1e-6)


@pytest.mark.slow
def test_batch_session_gives_the_same_vectors(onnx_root: Path) -> None:
    onnx = load_onnx_embedder(MODEL, resolve_model_path(MODEL), onnx_root)
    texts = SENTENCES[:40]  # >= BATCH_SESSION_MIN_TEXTS: the multi-thread session
    seen: list[int] = []
    many = np.asarray(onnx.embed(texts, on_batch=seen.append))
    assert sum(seen) == len(texts)
    assert np.abs(many - np.asarray([onnx.embed_query(t) for t in texts])).max() < 1e-5


@pytest.mark.slow
def test_stamp_records_the_check_against_torch(onnx_root: Path) -> None:
    stamp = json.loads(_files(onnx_root).stamp.read_text())
    assert stamp["max_abs_diff"] < 1e-5 and stamp["min_cosine"] >= 0.9999
    assert stamp["onnx_size"] == _files(onnx_root).model.stat().st_size and len(stamp["onnx_sha256"]) == 64
    assert len(stamp["probes"]) >= 3 and len(stamp["probes"][0]["vector"]) == 384


@pytest.mark.slow
@pytest.mark.parametrize("damage", ["truncated", "flipped", "flipped-same-mtime", "no-stamp", "other-weights",
                                    "missing"])
def test_a_damaged_file_is_refused_with_the_reason(onnx_copy: Path, damage: str) -> None:
    files = _files(onnx_copy)
    st = files.model.stat()
    if damage == "truncated":
        files.model.write_bytes(files.model.read_bytes()[: st.st_size // 2])
    elif damage.startswith("flipped"):
        data = bytearray(files.model.read_bytes())
        for i in range(st.st_size * 3 // 4, st.st_size * 3 // 4 + 4096):  # an encoder layer's weights
            data[i] ^= 0xFF
        files.model.write_bytes(bytes(data))
        if damage == "flipped-same-mtime":  # the stat check passes: the probe check catches it
            os.utime(files.model, ns=(st.st_atime_ns, st.st_mtime_ns))
    elif damage == "no-stamp":
        files.stamp.unlink()
    elif damage == "other-weights":
        stamp = json.loads(files.stamp.read_text())
        files.stamp.write_text(json.dumps({**stamp, "source_fingerprint": "0" * 64}))
    else:
        files.model.unlink()
    expected = {"truncated": "bytes", "flipped": "sha256", "flipped-same-mtime": "torch vectors|cannot run",
                "no-stamp": "stamp",
                "other-weights": "other weights", "missing": "no ONNX model"}[damage]
    with pytest.raises(OnnxUnavailable, match=expected):
        load_onnx_embedder(MODEL, resolve_model_path(MODEL), onnx_copy)
    if damage == "flipped-same-mtime":
        with pytest.raises(OnnxUnavailable, match="sha256"):  # `python -m app.infra.embed_onnx --check` hashes always
            load_onnx_embedder(MODEL, resolve_model_path(MODEL), onnx_copy, full_check=True)


@pytest.mark.slow
def test_auto_falls_back_to_torch_with_a_log_line_and_re_exports(onnx_copy: Path,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    files = _files(onnx_copy)
    files.model.write_bytes(files.model.read_bytes()[:1000])
    with caplog.at_level(logging.INFO, logger="tutor"):
        embedder = load_embedder(MODEL, "auto")
    assert embedder.backend == "torch"
    warning = next(r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    assert "ONNX embedder not used" in warning and "1000 bytes" in warning
    assert any("exported the ONNX embedding model" in r.getMessage() for r in caplog.records)
    again = load_embedder(MODEL, "auto")  # the next process gets the re-exported file
    assert isinstance(again, OnnxEmbedder)
    assert np.abs(np.asarray(again.embed_query("What is DNS?")) - embedder.embed_query("What is DNS?")).max() < 1e-5


def test_a_failed_export_is_recorded_and_not_retried_each_start(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import app.infra.embed_onnx as embed_onnx

    calls: list[str] = []

    def broken_export(*args: object, **kwargs: object) -> Path:
        calls.append("export")
        raise RuntimeError("exporter broke")

    monkeypatch.setattr(embed_onnx, "export_onnx", broken_export)
    path = resolve_model_path(MODEL)
    leftover = onnx_files(MODEL, path, tmp_path).directory / ".model.onnx.999.tmp"  # from a killed export
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(b"half")
    with pytest.raises(OnnxUnavailable, match="exporter broke"):
        ensure_onnx(MODEL, path, root=tmp_path, retry_failed=False)
    assert "exporter broke" in json.loads(onnx_files(MODEL, path, tmp_path).failed.read_text())["reason"]
    assert not leftover.exists()
    with pytest.raises(OnnxUnavailable, match="failed before"):
        ensure_onnx(MODEL, path, root=tmp_path, retry_failed=False)
    assert calls == ["export"]
    with pytest.raises(OnnxUnavailable):
        ensure_onnx(MODEL, path, root=tmp_path)  # an explicit export (make install) tries again
    assert calls == ["export", "export"]


def test_an_unwritable_folder_is_a_reason_not_a_crash(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    with pytest.raises(OnnxUnavailable, match="cannot write"):
        ensure_onnx(MODEL, resolve_model_path(MODEL), root=blocker)


def test_unknown_backend_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from app.errors import TutorError
    from app.infra.embed import embedder_backend

    monkeypatch.setenv("TUTOR_EMBEDDER", "gpu")
    with pytest.raises(TutorError, match="TUTOR_EMBEDDER"):
        embedder_backend()


# Runs the real `tutor` entry point, then reports which heavy modules the process imported.
_WRAPPER = f"""
import atexit, json, os, sys
atexit.register(lambda: open(os.environ["REPORT"], "w").write(json.dumps(
    sorted(m for m in {HEAVY!r} if m in sys.modules))))
sys.argv = ["tutor", *sys.argv[1:]]
from app.cli import main
main()
"""


def _ask(settings, onnx_root: Path, tmp_path: Path, **env: str) -> tuple[str, list[str]]:  # type: ignore[no-untyped-def]
    report = tmp_path / f"modules-{len(list(tmp_path.glob('modules-*')))}.json"
    proc = subprocess.run(
        [sys.executable, "-c", _WRAPPER, "ask", "--llm", "extractive", "What is DNS?"],
        capture_output=True, text=True, timeout=600,
        env=guarded_env(TUTOR_DATA_DIR=str(settings.data_dir), TUTOR_CORPUS_DIR=str(settings.corpus_dir),
                        TUTOR_ONNX_DIR=str(onnx_root), REPORT=str(report), **env))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "ONNX embedder not used" not in proc.stderr
    return proc.stdout, json.loads(report.read_text())


@pytest.mark.slow
def test_ask_imports_no_torch_and_answers_the_same(small_index, onnx_root: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    answer, imported = _ask(small_index, onnx_root, tmp_path)
    assert imported == [], f"`tutor ask` imported {imported} although the ONNX model is valid"
    assert "[1]" in answer
    torch_answer, torch_imported = _ask(small_index, onnx_root, tmp_path, TUTOR_EMBEDDER="torch")
    assert "torch" in torch_imported and "sentence_transformers" in torch_imported
    assert torch_answer == answer
