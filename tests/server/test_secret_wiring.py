"""The operator's keys never leave `tutor serve` through its own outputs, with the real wiring: the real CLI
in a subprocess, the keys only in its environment (as an operator sets them), requests that fail in every
way a client can make them fail, then every place the server writes or answers is searched for the keys:
stdout, stderr (the JSON log), the turn log database, /metrics and /v1/models.

Written against the documented HTTP behaviour (401 without the key, 400 for a malformed body, 404 for an
unknown model, 200 for a question, the X-Request-ID echo), so it holds whatever auth and model policy sit
behind it."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from pathlib import Path

import httpx
import pytest
from conftest import TUTOR, free_port, guarded_env, wait_for

pytestmark = pytest.mark.slow
OPENAI_SECRET = "sk-operator-secret-4f9c2a7be1d04c3a9e55"
TUTOR_SECRET = "tutor-operator-key.7Q2xL9vR4mK8pW3n"  # no sk- prefix: only the wiring can know it is a key
SECRETS = {"OPENAI_API_KEY": OPENAI_SECRET, "TUTOR_API_KEY": TUTOR_SECRET}
QUESTION = "What should I learn before Kubernetes?"


class ServedTutor:
    """`tutor serve` as an operator starts it; stdout and stderr go to files so nothing is lost or blocks."""

    def __init__(self, data_dir: Path, logs: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.stdout, self.stderr = logs / "stdout.log", logs / "stderr.log"
        self.data_dir = data_dir
        env = guarded_env(TUTOR_DATA_DIR=str(data_dir), TUTOR_LLM="extractive", **SECRETS)
        with open(self.stdout, "wb") as out, open(self.stderr, "wb") as err:
            self.proc = subprocess.Popen([TUTOR, "serve", "--port", str(self.port), "--log-level", "debug"],
                                         stdout=out, stderr=err, env=env)

    def wait_ready(self, timeout: float = 240) -> None:
        wait_for(f"{self.url}/readyz", self.proc, timeout, "tutor serve", logs=self.stderr)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)


def chat(url: str, key: str | None, body: object, request_id: str | None = None) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    if request_id:
        headers["X-Request-ID"] = request_id
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.post(f"{url}/v1/chat/completions", content=content, headers=headers, timeout=120)


def question(text: str = QUESTION, model: str = "roadmap-tutor", **extra: object) -> dict[str, object]:
    return {"model": model, "messages": [{"role": "user", "content": text}], **extra}


def leaks(text: str) -> list[str]:
    return [name for name, secret in SECRETS.items() if secret in text]


@pytest.fixture(scope="module")
def served(small_index_template, tmp_path_factory):
    """The server, after a round of requests that fail (and succeed) in every way the API documents."""
    base = tmp_path_factory.mktemp("secret-wiring")
    shutil.copytree(small_index_template / "data", base / "data")
    server = ServedTutor(base / "data", base)
    statuses: dict[str, int] = {}
    bodies: dict[str, str] = {}  # responses to requests that carried no secret in their body
    try:
        server.wait_ready()
        url = server.url
        calls = {
            "no key": lambda: chat(url, None, question(), "wiring-no-key"),
            "wrong key": lambda: chat(url, "not-the-key-0123456789", question(), "wiring-wrong-key"),
            # the operator's other key sent by mistake as the bearer token
            "openai key as bearer": lambda: chat(url, OPENAI_SECRET, question(), "wiring-openai-bearer"),
            "bad json": lambda: chat(url, TUTOR_SECRET, b'{"model": "roadmap-tutor", "messages": [', "wiring-bad-json"),
            "unknown model": lambda: chat(url, TUTOR_SECRET, question(model="no-such-model-xyz"), "wiring-unknown"),
            "question": lambda: chat(url, TUTOR_SECRET, question(), "wiring-question"),
            "streamed question": lambda: chat(url, TUTOR_SECRET, question(stream=True), "wiring-stream"),
        }
        for name, call in calls.items():
            response = call()
            statuses[name], bodies[name] = response.status_code, response.text
        # A request id is echoed and logged on every line of its request: the key as a request id must be
        # scrubbed from the log (the echo goes back to the client that sent it).
        response = chat(url, TUTOR_SECRET, question(), TUTOR_SECRET)
        statuses["key as request id"] = response.status_code
        echoed = response.headers.get("x-request-id") == TUTOR_SECRET
        # A user pastes the operator's OpenAI key into a question (the answer may quote it back to them).
        statuses["pasted key"] = chat(url, TUTOR_SECRET, question(f"my key {OPENAI_SECRET} fails, is it DNS?"),
                                      "wiring-pasted").status_code
        for route in ("/metrics", "/v1/models"):
            response = httpx.get(f"{url}{route}", headers={"Authorization": f"Bearer {TUTOR_SECRET}"}, timeout=30)
            statuses[route], bodies[route] = response.status_code, response.text
    finally:
        server.stop()
    return server, statuses, bodies, echoed


def test_requests_got_the_documented_statuses(served):
    _, statuses, _, echoed = served
    assert statuses == {"no key": 401, "wrong key": 401, "openai key as bearer": 401, "bad json": 400,
                        "unknown model": 404, "question": 200, "streamed question": 200, "key as request id": 200,
                        "pasted key": 200, "/metrics": 200, "/v1/models": 200}
    assert echoed  # so the server took the key as this request's id, and logged it (scrubbed, below)


def test_no_key_in_stdout_or_stderr(served):
    server, *_ = served
    out, err = server.stdout.read_text(errors="replace"), server.stderr.read_text(errors="replace")
    assert leaks(out) == [] and leaks(err) == []
    # the log is there and covers these requests: the search above searched something
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    ids = {line.get("request_id") for line in lines}
    assert {"wiring-no-key", "wiring-wrong-key", "wiring-openai-bearer", "wiring-bad-json", "wiring-unknown",
            "wiring-question", "wiring-stream", "wiring-pasted"} <= ids
    # the request whose id was the key was logged, under "[redacted]"
    assert any(line.get("request_id") == "[redacted]" for line in lines)


def test_no_key_in_the_turn_log(served):
    server, *_ = served
    files = sorted(server.data_dir.glob("usage.sqlite*"))  # the database and its WAL
    assert files, list(server.data_dir.iterdir())
    for path in files:
        raw = path.read_bytes()
        assert all(secret.encode() not in raw for secret in SECRETS.values()), path.name
    with sqlite3.connect(server.data_dir / "usage.sqlite") as conn:
        rows = conn.execute("SELECT * FROM turns").fetchall()
    assert len(rows) >= 4  # question, streamed question, key as request id, pasted key
    assert leaks(json.dumps(rows, default=str)) == []
    assert any("[redacted]" in str(value) for row in rows for value in row)  # the pasted key was scrubbed


def test_no_key_in_metrics_models_or_answers(served):
    _, _, bodies, _ = served
    assert "# TYPE tutor_" in bodies["/metrics"] and '"roadmap-tutor"' in bodies["/v1/models"]
    assert {name: leaks(body) for name, body in bodies.items() if leaks(body)} == {}


def test_formatter_scrubs_keys_inside_objects_passed_as_fields(monkeypatch):
    """Objects in ``extra`` are written as their text; a key inside that text (an exception, a path, a
    settings object) is scrubbed too, with the caller's keys and the keys the environment holds."""
    import io
    import logging

    from app.infra.logs import configure_json_logging

    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    monkeypatch.setenv("TUTOR_API_KEY", TUTOR_SECRET)
    stream = io.StringIO()
    configure_json_logging("info", stream=stream, secrets=("other-endpoint-key-123",))
    try:
        logging.getLogger("tutor").warning("failed", extra={
            "error": ConnectionError(f"auth {TUTOR_SECRET} refused"), "where": Path(f"/x/{TUTOR_SECRET}"),
            "keys": {"other-endpoint-key-123"}, "count": 3, "ok": None})
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    text = stream.getvalue()
    assert TUTOR_SECRET not in text and "other-endpoint-key-123" not in text
    entry = json.loads(text)
    assert entry["error"] == "auth [redacted] refused" and entry["where"] == "/x/[redacted]"
    assert entry["keys"] == ["[redacted]"] and entry["count"] == 3 and entry["ok"] is None
