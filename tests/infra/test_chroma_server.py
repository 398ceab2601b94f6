"""Chroma server mode (TUTOR_CHROMA=http://127.0.0.1:PORT) against a real `chroma run` on loopback: ingest,
ask and serve; two real `tutor serve` replicas sharing one Chroma give the same answers; Chroma down at
startup or killed mid-run gives a clear 503 and the server recovers when Chroma is back."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import openai
import pytest
from conftest import TUTOR, free_port, guarded_env, make_small_corpus, run_tutor, wait_for
from live import LiveServer, ask

from app.core.tutor import Tutor
from app.infra.settings import Settings
from app.server import create_app

pytestmark = pytest.mark.slow
CHROMA = str(Path(sys.executable).parent / "chroma")


class ChromaServer:
    def __init__(self, path: Path) -> None:
        self.path, self.port = path, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> None:
        self.proc = subprocess.Popen([CHROMA, "run", "--path", str(self.path), "--host", "127.0.0.1", "--port",
                                      str(self.port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     env=guarded_env())
        wait_for(f"{self.url}/api/v2/heartbeat", self.proc, timeout, "chroma run")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


@pytest.fixture(scope="module")
def chroma(tmp_path_factory):
    server = ChromaServer(tmp_path_factory.mktemp("chroma") / "db")
    server.start()
    yield server
    server.kill()


@pytest.fixture(scope="module")
def remote(chroma, tmp_path_factory):
    """The small corpus ingested by the real CLI into the Chroma server."""
    base = tmp_path_factory.mktemp("remote")
    corpus = make_small_corpus(base / "corpus")
    proc = run_tutor("ingest", "--json", TUTOR_DATA_DIR=str(base / "data"), TUTOR_CORPUS_DIR=str(corpus),
                     TUTOR_CHROMA=chroma.url)
    result = json.loads(proc.stdout)
    assert result["embedded"] == result["chunks_total"] > 50
    return Settings(data_dir=base / "data", corpus_dir=corpus, chroma=chroma.url, llm="extractive", llm_timeout=2.5)


def test_ingest_and_ask_against_the_chroma_server(remote):
    assert not (remote.data_dir / "chroma").exists()  # the chunks went to the server, not an embedded store
    again = json.loads(run_tutor("ingest", "--json", TUTOR_DATA_DIR=str(remote.data_dir),
                                 TUTOR_CORPUS_DIR=str(remote.corpus_dir), TUTOR_CHROMA=remote.chroma).stdout)
    assert again["embedded"] == 0 and again["unchanged"] > 0  # incremental against the server too
    tutor = Tutor(remote, record_turns=False)
    answer = tutor.ask("What should I learn before Kubernetes?")
    assert tutor.store.count() == again["chunks_total"]
    assert "Python, Git, Linux, SQL, APIs, Networking and Docker" in answer.answer and answer.citations()


def _serve(port: int, data_dir: Path, chroma_url: str, log: Path) -> subprocess.Popen[bytes]:
    env = guarded_env(TUTOR_DATA_DIR=str(data_dir), TUTOR_CHROMA=chroma_url)
    return subprocess.Popen([TUTOR, "serve", "--port", str(port)], stdout=subprocess.DEVNULL,
                            stderr=log.open("wb"), env=env)


def test_two_cli_replicas_share_one_chroma(remote, tmp_path):
    # Each replica has its own data dir (graph, manifest, usage log); the chunks live only in Chroma.
    replica = tmp_path / "replica"
    replica.mkdir()
    for name in ("graph.json", "manifest.json"):
        shutil.copy(remote.data_dir / name, replica / name)
    ports = [free_port(), free_port()]
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    procs = [_serve(ports[0], remote.data_dir, remote.chroma, logs[0]),
             _serve(ports[1], replica, remote.chroma, logs[1])]
    try:
        deadline = time.monotonic() + 180
        for port, proc, log in zip(ports, procs, logs, strict=True):
            while True:
                assert proc.poll() is None, log.read_text()
                try:
                    r = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=10)
                    if r.status_code == 200:
                        assert r.json()["chroma"] == remote.chroma
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.5)
        for question in ("What should I learn before Kubernetes?", "Why does Linux matter for AI operations?",
                         "What is Docker for?"):
            replies = [openai.OpenAI(base_url=f"http://127.0.0.1:{p}/v1", api_key="none", max_retries=0)
                       .chat.completions.create(model="roadmap-tutor", messages=ask(question)) for p in ports]
            a, b = replies
            assert a.choices[0].message.content == b.choices[0].message.content
            assert [c["chunk_id"] for c in a.tutor["citations"]] == [c["chunk_id"] for c in b.tutor["citations"]]
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(30)
    lines = [json.loads(line) for line in logs[1].read_text().splitlines() if line.startswith("{")]
    assert any(e["msg"] == "answer" and e.get("request_id") for e in lines)
    assert any(e["msg"] == "tutor loaded" for e in lines)


def test_chroma_down_at_startup_then_up(tmp_path, remote):
    down = ChromaServer(tmp_path / "db2")  # not started yet
    # Not model_copy: Settings.chroma_location is a cached_property and the copy would keep the old URL.
    settings = Settings(**{**remote.model_dump(), "chroma": down.url})
    with LiveServer(create_app(settings, api_key="")) as live:
        assert httpx.get(f"{live.url}/healthz").status_code == 200
        r = httpx.get(f"{live.url}/readyz", timeout=30)
        assert r.status_code == 503 and f"cannot reach the Chroma server at {down.url}" in r.json()["reason"]
        down.start()
        try:  # an empty Chroma is reachable but holds no index: still not ready, and says why
            r = httpx.get(f"{live.url}/readyz", timeout=30)
            assert r.status_code == 503 and "tutor ingest" in r.json()["reason"], r.text
        finally:
            down.kill()


def test_chroma_killed_mid_run_then_restarted(remote, chroma):
    with LiveServer(create_app(remote, api_key="")) as live:
        live.wait_ready()
        client = openai.OpenAI(base_url=f"{live.url}/v1", api_key="none", max_retries=0)
        assert client.chat.completions.create(model="roadmap-tutor", messages=ask()).tutor["citations"]
        chroma.kill()
        r = httpx.get(f"{live.url}/readyz", timeout=30)
        assert r.status_code == 503
        assert r.json()["reason"].startswith(f"the Chroma server at {chroma.url} is unreachable"), r.text
        for stream in (False, True):
            chat = httpx.post(f"{live.url}/v1/chat/completions", timeout=30,
                              json={"model": "roadmap-tutor", "messages": ask(), "stream": stream})
            assert chat.status_code == 503, chat.text
            error = chat.json()["error"]
            assert error["code"] == "store_unavailable" and "unreachable" in error["message"]
            assert "\n" not in error["message"]
        metrics = httpx.get(f"{live.url}/metrics").text
        assert 'tutor_errors_total{kind="store_unavailable"} 2.0' in metrics and "tutor_ready 0.0" in metrics
        chroma.start()  # same path, same port
        assert live.wait_ready(timeout=60)["chunks"] > 50
        assert client.chat.completions.create(model="roadmap-tutor", messages=ask()).tutor["citations"]
