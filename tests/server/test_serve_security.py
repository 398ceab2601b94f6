"""`tutor serve` under attack by a client with a valid key: no request makes the server connect where the client
says or carry the operator's keys anywhere; per-key rate limits, a bounded queue, body and message limits, a
capped max_tokens; several named keys rotated without a restart, attributed in metrics and the turn log."""

from __future__ import annotations

import asyncio
import http.server
import json
import signal
import socket
import sqlite3
import statistics
import subprocess
import threading
import time

import httpx
import pytest
from conftest import TUTOR, free_port, guarded_env, run_tutor, wait_for
from live import LiveServer, ask, metric

from app.infra.settings import Settings
from app.server import create_app
from app.server.auth import add_key

pytestmark = pytest.mark.slow
OPERATOR_KEY = "sk-operator-secret-0123456789"
LAB_KEY = "lab-endpoint-key-0123456789"


class Capture:
    """A TCP listener on a loopback address that records every connection and request it gets, and answers
    each HTTP request with a 500 (enough for the tutor to fall back)."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.requests: list[dict] = []
        self.connections = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def setup(self) -> None:
                outer.connections += 1
                super().setup()

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("content-length") or 0)
                outer.requests.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                                       "body": json.loads(self.rfile.read(length) or b"{}")})
                self.send_response(500)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"error": {"message": "captured"}}')

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer((host, 0), Handler)
        self.url = f"http://{host}:{self.server.server_port}/v1"

    def __enter__(self) -> Capture:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def saw(self, secret: str) -> bool:
        return any(secret in json.dumps(r) for r in self.requests)


@pytest.fixture()
def base(small_index_template, tmp_path, monkeypatch) -> Settings:
    import shutil

    shutil.copytree(small_index_template / "data", tmp_path / "data")
    monkeypatch.setenv("OPENAI_API_KEY", OPERATOR_KEY)
    monkeypatch.setenv("LAB_KEY", LAB_KEY)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    return Settings(data_dir=tmp_path / "data", corpus_dir=tmp_path / "corpus", llm="extractive", llm_timeout=3)


def configured(base: Settings, **update: object) -> Settings:
    """Settings validated like the environment's (model_copy would skip the validators)."""
    return Settings(**{**base.model_dump(), **update})


def post(url: str, body: dict | bytes, key: str | None = None, **kw) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    if isinstance(body, bytes):
        return httpx.post(f"{url}/v1/chat/completions", content=body, timeout=60,
                          headers={**headers, "Content-Type": "application/json"}, **kw)
    return httpx.post(f"{url}/v1/chat/completions", json=body, timeout=60, headers=headers, **kw)


# --- SSRF and credentials ---------------------------------------------------------------------------------

def test_a_client_cannot_make_the_server_connect_anywhere(base):
    """The request from the issue: a model naming a URL is 404, and the address it names sees no connection."""
    with Capture("127.0.0.2") as capture, LiveServer(create_app(base, api_key="k" * 20)) as live:
        live.wait_ready()
        for model in (f"openai:x@{capture.url}", f"openai@{capture.url}", f"openai:gpt-4o-mini@{capture.url}",
                      "local:/etc/passwd", "local:../../x.gguf", "openai:x@lab", "OPENAI:X@" + capture.url):
            for stream in (False, True):
                r = post(live.url, {"model": model, "messages": ask("What is Docker?"), "stream": stream},
                         key="k" * 20)
                assert r.status_code == 404, (model, r.text)
                assert r.json()["error"]["code"] == "model_not_found"
        time.sleep(0.3)
        assert capture.connections == 0 and capture.requests == []
        listed = httpx.get(f"{live.url}/v1/models", headers={"Authorization": f"Bearer {'k' * 20}"}).json()
        assert OPERATOR_KEY not in json.dumps(listed) and "http" not in json.dumps(listed)


def test_keys_go_only_to_the_url_they_are_configured_for(base):
    with Capture() as lab, Capture("127.0.0.3") as adhoc:
        cfg = configured(base, **{"endpoints": {"lab": {"base_url": lab.url, "api_key_env": "LAB_KEY"}},
                                      "serve_models": ["extractive", "openai:x@lab"]})
        with LiveServer(create_app(cfg, api_key="")) as live:
            live.wait_ready()
            ids = [m["id"] for m in httpx.get(f"{live.url}/v1/models").json()["data"]]
            assert "openai:x@lab" in ids
            r = post(live.url, {"model": "openai:x@lab", "messages": ask("What is Docker?"), "max_tokens": 100000})
            assert r.status_code == 200 and r.json()["tutor"]["fallback"]  # the capture answers 500
            assert OPERATOR_KEY not in r.text and LAB_KEY not in r.text
        # the lab endpoint got its own key, never the operator's OpenAI key; max_tokens was capped
        assert lab.requests and all(q["headers"]["authorization"] == f"Bearer {LAB_KEY}" for q in lab.requests)
        assert not lab.saw(OPERATOR_KEY)
        # llama.cpp's server reads max_tokens (ChatOpenAI also sends max_completion_tokens): both are capped
        assert all(q["body"]["max_tokens"] <= cfg.max_output_tokens for q in lab.requests)
        assert all(q["body"].get("max_completion_tokens", 0) <= cfg.max_output_tokens for q in lab.requests)
        # an ad-hoc URL from a trusted caller (the CLI) gets no key at all
        from app.core.tutor import Tutor

        answer = Tutor(cfg, record_turns=False).ask("What is Docker?", llm=f"openai:x@{adhoc.url}")
        assert answer.fallback and adhoc.requests
        assert not adhoc.saw(OPERATOR_KEY) and not adhoc.saw(LAB_KEY)


def test_settings_refuse_urls_in_the_served_list_and_credentials_in_urls(base):
    from app.errors import TutorError
    from app.infra.llm import choices, parse_spec

    with pytest.raises(TutorError, match="TUTOR_ENDPOINTS"):
        choices(configured(base, **{"serve_models": ["openai:x@http://10.0.0.1/v1"]}))
    with pytest.raises(TutorError, match="no endpoint named"):
        choices(configured(base, **{"serve_models": ["openai:x@nowhere"]}))
    with pytest.raises(TutorError, match="user or password"):
        parse_spec("openai:x@http://user:pw@127.0.0.1/v1")
    with pytest.raises(ValueError, match="user or password"):
        Settings(endpoints={"lab": {"base_url": "http://u:p@127.0.0.1/v1"}})


# --- limits -------------------------------------------------------------------------------------------------

def keyed(base, tmp_path, **update) -> tuple[Settings, dict[str, str]]:
    path = tmp_path / "api-keys"
    keys = {name: add_key(path, name) for name in ("alice", "bob")}
    return configured(base, **{"api_keys_file": path, **update}), keys


def test_rate_limit_per_key_answers_429_with_retry_after(base, tmp_path):
    cfg, keys = keyed(base, tmp_path, rate_per_minute=6, rate_burst=3)
    with LiveServer(create_app(cfg, api_key="")) as live:
        live.wait_ready()
        codes = [post(live.url, {"model": "extractive", "messages": ask()}, key=keys["alice"]) for _ in range(4)]
        assert [r.status_code for r in codes] == [200, 200, 200, 429]
        limited = codes[-1]
        assert limited.json()["error"]["code"] == "rate_limited"
        assert 1 <= int(limited.headers["retry-after"]) <= 10  # one token per 10 s
        # another key has its own bucket
        assert post(live.url, {"model": "extractive", "messages": ask()}, key=keys["bob"]).status_code == 200
        text = httpx.get(f"{live.url}/metrics", headers={"Authorization": f"Bearer {keys['bob']}"}).text
        assert metric(text, "tutor_rejected_requests_total", reason="rate_limited") == 1
        assert metric(text, "tutor_client_requests_total", client="alice", status="429") == 1


def test_a_full_queue_is_answered_fast(base, tmp_path):
    """One worker, one waiting place, both held by answers blocked on a hanging endpoint: every further request
    gets 503 + Retry-After at once (p95 < 100 ms), and the queue frees up when the answers end."""
    hanging = socket.socket()
    hanging.bind(("127.0.0.1", 0))
    hanging.listen(8)
    cfg = configured(base, **{
        "endpoints": {"hanging": {"base_url": f"http://127.0.0.1:{hanging.getsockname()[1]}/v1"}},
        "serve_models": ["extractive", "openai:x@hanging"], "serve_workers": 1, "serve_queue": 1,
        "rate_per_minute": 0, "llm_timeout": 4})
    try:
        with LiveServer(create_app(cfg, api_key="")) as live:
            live.wait_ready()
            slow = [threading.Thread(target=post, args=(live.url, {"model": "openai:x@hanging", "messages": ask()}))
                    for _ in range(2)]
            for t in slow:
                t.start()
            time.sleep(1.0)

            async def burst() -> list[tuple[int, float, str | None]]:
                async with httpx.AsyncClient(base_url=live.url, timeout=30) as client:
                    async def one() -> tuple[int, float, str | None]:
                        t0 = time.perf_counter()
                        r = await client.post("/v1/chat/completions", json={"model": "extractive", "messages": ask()})
                        return r.status_code, time.perf_counter() - t0, r.headers.get("retry-after")
                    return [await one() for _ in range(40)]

            results = asyncio.run(burst())
            assert {code for code, _, _ in results} == {503}
            assert all(ra and int(ra) >= 1 for _, _, ra in results)
            latencies = sorted(s for _, s, _ in results)
            p95 = latencies[int(0.95 * len(latencies)) - 1]
            print(f"\nqueue full: rejected p50 {statistics.median(latencies) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms")
            assert p95 < 0.1
            for t in slow:
                t.join(30)
            assert post(live.url, {"model": "extractive", "messages": ask()}).status_code == 200
            text = httpx.get(f"{live.url}/metrics").text
            assert metric(text, "tutor_rejected_requests_total", reason="queue_full") == 40
            assert metric(text, "tutor_answer_queue") == 0
    finally:
        hanging.close()


def test_body_and_message_limits(base):
    cfg = configured(base, **{"max_body_kb": 16, "max_messages": 8})
    with LiveServer(create_app(cfg, api_key="")) as live:
        live.wait_ready()
        big = post(live.url, {"model": "extractive", "messages": ask("x" * 20_000)})
        assert big.status_code == 413 and big.json()["error"]["code"] == "body_too_large"
        many = [{"role": "user" if i % 2 == 0 else "assistant", "content": "hi"} for i in range(9)]
        r = post(live.url, {"model": "extractive", "messages": many})
        assert r.status_code == 400 and r.json()["error"]["code"] == "too_many_messages"
        r = post(live.url, {"model": "extractive", "messages": ask(), "max_tokens": -5})
        assert r.status_code == 400 and r.json()["error"]["param"] == "max_tokens"


# --- keys: several, attributed, rotated without a restart ---------------------------------------------------

def test_each_key_is_attributed_in_metrics_and_the_turn_log(base, tmp_path):
    cfg, keys = keyed(base, tmp_path, rate_per_minute=0)
    with LiveServer(create_app(cfg, api_key="")) as live:
        live.wait_ready()
        assert post(live.url, {"model": "extractive", "messages": ask()}).status_code == 401
        for name in ("alice", "bob", "bob"):
            assert post(live.url, {"model": "extractive", "messages": ask()}, key=keys[name]).status_code == 200
        text = httpx.get(f"{live.url}/metrics", headers={"Authorization": f"Bearer {keys['alice']}"}).text
    assert metric(text, "tutor_client_requests_total", client="alice", status="200") == 1
    assert metric(text, "tutor_client_requests_total", client="bob", status="200") == 2
    assert metric(text, "tutor_client_tokens_total", client="bob", direction="input") > 0
    assert keys["alice"] not in text and keys["bob"] not in text
    with sqlite3.connect(cfg.turn_log_path) as conn:
        clients = [row[0] for row in conn.execute("SELECT client FROM turns ORDER BY id")]
    assert clients == ["alice", "bob", "bob"]


def test_keys_rotate_without_a_restart(base, tmp_path):
    """The real `tutor serve` and `tutor keys`: a new key works and a revoked one stops within seconds; SIGHUP
    reloads the file (and does not stop the server)."""
    path = tmp_path / "api-keys"
    env = {"TUTOR_DATA_DIR": str(base.data_dir), "TUTOR_API_KEYS_FILE": str(path)}
    first = run_tutor("keys", "add", "alice", **env).stdout.strip()
    assert first.startswith("tk-") and first not in path.read_text()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([TUTOR, "serve", "--port", str(port), "--host", "0.0.0.0"], env=guarded_env(**env),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(f"{url}/readyz", proc, 120, "tutor serve")
        body = {"model": "roadmap-tutor", "messages": ask()}
        assert post(url, body, key=first).status_code == 200
        second = run_tutor("keys", "add", "bob", **env).stdout.strip()
        run_tutor("keys", "revoke", "alice", **env)

        def status(key: str) -> int:
            return post(url, body, key=key).status_code

        deadline = time.monotonic() + 5
        while (status(second), status(first)) != (200, 401):
            assert time.monotonic() < deadline, "the running server did not pick up the key change"
            time.sleep(0.3)
        proc.send_signal(signal.SIGHUP)
        time.sleep(0.5)
        assert proc.poll() is None and status(second) == 200
        assert run_tutor("keys", "list", **env).stdout.split() == ["bob"]
    finally:
        proc.terminate()
        _, stderr = proc.communicate(timeout=30)
    assert first not in stderr and second not in stderr
