
import pytest
from pydantic import ValidationError

from app.infra.settings import Settings


def test_defaults_are_local_and_offline(monkeypatch):
    for key in ("TUTOR_DATA_DIR", "TUTOR_CHROMA", "TUTOR_LLM"):
        monkeypatch.delenv(key, raising=False)
    s = Settings()
    assert s.data_dir.name == "roadmap-tutor" and s.data_dir.is_absolute()  # per user, not per folder
    assert s.chroma_location == str(s.data_dir / "chroma")
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


def test_one_data_dir_per_user_and_a_legacy_dot_tutor_moves_there_once(tmp_path, monkeypatch):
    from app.infra.settings import migrate_legacy_data_dir, user_data_dir

    monkeypatch.delenv("TUTOR_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(tmp_path)
    assert Settings().data_dir == user_data_dir() == tmp_path / "xdg" / "roadmap-tutor"
    legacy = tmp_path / ".tutor"
    (legacy / "chroma").mkdir(parents=True)
    (legacy / "manifest.json").write_text("{}")
    (legacy / "graph.json").write_text("{}")
    said: list[str] = []
    assert migrate_legacy_data_dir(Settings(), said.append)
    assert not legacy.exists() and (user_data_dir() / "graph.json").read_text() == "{}"
    assert len(said) == 1 and str(user_data_dir()) in said[0]
    # a second ./.tutor does not overwrite the user's index; an explicit TUTOR_DATA_DIR is never touched
    (legacy).mkdir()
    (legacy / "manifest.json").write_text('{"other": 1}')
    assert not migrate_legacy_data_dir(Settings(), said.append)
    monkeypatch.setenv("TUTOR_DATA_DIR", str(tmp_path / "explicit"))
    assert not migrate_legacy_data_dir(Settings(), said.append)
    assert (legacy / "manifest.json").exists() and len(said) == 1


def test_library_debug_lines_stay_out_of_the_terminal(capsys, monkeypatch):
    import logging

    from app.infra.logs import configure_cli_logging

    monkeypatch.delenv("TUTOR_LOG_LEVEL", raising=False)
    root = logging.getLogger()
    saved = (list(root.handlers), root.level, logging.getLogger("bm25s").level)
    try:
        configure_cli_logging(0)
        bm25s = logging.getLogger("bm25s")
        bm25s.setLevel(logging.DEBUG)  # as bm25s does to its own logger
        bm25s.debug("Building index from tokens")
        logging.getLogger("tutor").warning("a real warning")
        err = capsys.readouterr().err
        assert "Building index" not in err and "a real warning" in err
        configure_cli_logging(2)
        bm25s.debug("Building index from tokens")
        assert "Building index" in capsys.readouterr().err
        monkeypatch.setenv("TUTOR_LOG_LEVEL", "info")
        assert configure_cli_logging(0) == logging.INFO
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        logging.getLogger("bm25s").setLevel(saved[2])
