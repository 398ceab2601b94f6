import os
import socket
import subprocess
import sys

import pytest
from conftest import guarded_env


def test_guard_blocks_non_loopback():
    with pytest.raises(OSError, match="only loopback"), socket.socket() as s:
        s.connect(("93.184.216.34", 443))


def test_guard_allows_loopback():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=2):
            pass


def test_guard_is_active_in_subprocesses():
    code = "import socket; s = socket.socket(); s.connect(('8.8.8.8', 53))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=guarded_env())
    assert proc.returncode != 0
    assert "only loopback" in proc.stderr


def test_offline_environment_is_set():
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert os.environ["ANONYMIZED_TELEMETRY"] == "False"


def test_tiktoken_loads_offline_from_package(tmp_path, monkeypatch):
    import tiktoken

    from app import offline

    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "cache"))
    cache = offline.seed_tiktoken_cache()
    assert sorted(p.name for p in cache.iterdir()) == sorted(offline.TIKTOKEN_CACHE_KEYS.values())
    enc = tiktoken.get_encoding("o200k_base")
    assert enc.decode(enc.encode("DNS resolution breaks")) == "DNS resolution breaks"
