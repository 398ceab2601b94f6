from pathlib import Path

import pytest
from pydantic import ValidationError

from app.settings import Settings


def test_defaults_are_local_and_offline(monkeypatch):
    for key in ("TUTOR_DATA_DIR", "TUTOR_CHROMA", "TUTOR_LLM"):
        monkeypatch.delenv(key, raising=False)
    s = Settings()
    assert s.data_dir == Path(".tutor")
    assert s.chroma_location == str(Path(".tutor") / "chroma")
    assert not s.chroma_is_remote
    assert s.embedding_model == "all-MiniLM-L6-v2"
    assert s.llm == "local"  # the embedded model; it falls back to extractive when missing


def test_environment_overrides(monkeypatch, tmp_path):
    monkeypatch.setenv("TUTOR_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TUTOR_CHROMA", "http://127.0.0.1:8765")
    monkeypatch.setenv("TUTOR_CHUNK_TOKENS", "120")
    s = Settings()
    assert s.data_dir == tmp_path
    assert s.chroma_is_remote
    assert s.chunk_tokens == 120
    assert s.manifest_path == tmp_path / "manifest.json"


def test_overlap_must_be_below_chunk_size():
    with pytest.raises(ValidationError, match="chunk_overlap"):
        Settings(chunk_tokens=64, chunk_overlap=64)


def test_bad_value_from_cli_is_one_line(tmp_path):
    from conftest import run_tutor

    proc = run_tutor("graph", "show", check=False, TUTOR_CHUNK_TOKENS="lots", TUTOR_DATA_DIR=str(tmp_path))
    assert proc.returncode == 2
    assert "TUTOR_CHUNK_TOKENS" in proc.stderr
    assert "Traceback" not in proc.stderr
