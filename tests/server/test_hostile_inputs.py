"""Hostile request shapes against a real `tutor serve` (uvicorn on loopback). Each row is tried, its status and
error code observed, and the observed table must equal the one in SECURITY.md: the document is produced by
this test (``TUTOR_WRITE_DOCS=1 pytest tests/server/test_hostile_inputs.py`` rewrites it), never written by hand."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from conftest import ROOT, small_settings
from live import LiveServer, ask

from app.infra.settings import Settings
from app.server import create_app
from app.server.auth import add_key

pytestmark = pytest.mark.slow
SECURITY = ROOT / "SECURITY.md"
START, END = "<!-- hostile-inputs:start -->", "<!-- hostile-inputs:end -->"


def raw(port: int, head: str, body: bytes = b"") -> str:
    """Send bytes httpx would refuse to send (a lying Content-Length); return the status line and code."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(head.encode("latin-1") + b"\r\n\r\n" + body)
        data = b""
        while b"\r\n\r\n" not in data or len(data) < 20:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
            if b"}" in data.split(b"\r\n\r\n", 1)[-1]:
                break
    status = data.split(b" ", 2)[1].decode()
    match = re.search(rb'"code":\s*"([a-z_]+)"', data)
    return f"{status} {match.group(1).decode()}" if match else status


def outcome(r: httpx.Response) -> str:
    try:
        code = r.json().get("error", {}).get("code")
    except (json.JSONDecodeError, AttributeError):
        code = None
    extra = " + Retry-After" if "retry-after" in r.headers else ""
    return f"{r.status_code} {code}{extra}" if code else f"{r.status_code}{extra}"


@pytest.fixture(scope="module")
def live(small_index_template, tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    shutil.copytree(small_index_template / "data", base / "data")
    keys_file = base / "api-keys"
    keys = {name: add_key(keys_file, name) for name in ("client", "burst")}
    hanging = socket.socket()
    hanging.bind(("127.0.0.1", 0))
    hanging.listen(8)
    settings = Settings(**{**small_settings(base).model_dump(), "api_keys_file": keys_file, "llm_timeout": 4,
                           "rate_per_minute": 30, "rate_burst": 40, "serve_workers": 1, "serve_queue": 1,
                           "endpoints": {"slow": {"base_url": f"http://127.0.0.1:{hanging.getsockname()[1]}/v1"}},
                           "serve_models": ["extractive", "openai:x@slow"]})
    with LiveServer(create_app(settings, api_key="")) as server:
        server.wait_ready()
        yield server, keys
    hanging.close()


def table_rows(server: LiveServer, keys: dict[str, str]) -> list[tuple[str, str, Callable[[], str]]]:
    url, port = server.url, server.port
    auth = {"Authorization": f"Bearer {keys['client']}"}

    def chat(body: object, headers: dict[str, str] | None = None, content: bytes | None = None) -> str:
        kw = {"content": content, "headers": {**auth, "Content-Type": "application/json", **(headers or {})}} \
            if content is not None else {"json": body, "headers": {**auth, **(headers or {})}}
        return outcome(httpx.post(f"{url}/v1/chat/completions", timeout=60, **kw))

    def good(**extra: object) -> dict[str, object]:
        return {"model": "roadmap-tutor", "messages": ask("What is Docker?"), **extra}

    def burst() -> str:
        async def send() -> list[httpx.Response]:
            async with httpx.AsyncClient(base_url=url, timeout=60,
                                         headers={"Authorization": f"Bearer {keys['burst']}"}) as client:
                return await asyncio.gather(*(client.post("/v1/chat/completions", json=good()) for _ in range(50)))

        results = [outcome(r) for r in asyncio.run(send())]
        return next((r for r in results if not r.startswith(("200", "503"))), "all answered")

    def queue_full() -> str:
        slow = [threading.Thread(target=chat, args=({"model": "openai:x@slow", "messages": ask()},))
                for _ in range(2)]
        for t in slow:
            t.start()
        time.sleep(1.0)
        try:
            return chat(good())
        finally:
            for t in slow:
                t.join(30)

    def request_id() -> str:
        r = httpx.post(f"{url}/v1/chat/completions", json=good(), headers={**auth, "X-Request-ID": "x" * 500})
        return f"{r.status_code} (id replaced)" if re.fullmatch(r"[0-9a-f]{32}", r.headers["x-request-id"]) \
            else f"{r.status_code} (id echoed)"

    many = [{"role": "user" if i % 2 == 0 else "assistant", "content": "hi"} for i in range(301)]
    return [
        ("`model` naming a URL (`openai:x@http://127.0.0.2:9/v1`)", "404 model_not_found",
         lambda: chat(good(model="openai:x@http://127.0.0.2:9/v1"))),
        ("`model` naming a URL, streamed", "404 model_not_found",
         lambda: chat(good(model="openai@http://169.254.169.254/v1", stream=True))),
        ("`model` naming a file (`local:/etc/passwd`)", "404 model_not_found",
         lambda: chat(good(model="local:/etc/passwd"))),
        ("`model` naming an endpoint the operator did not list", "404 model_not_found",
         lambda: chat(good(model="openai:gpt-4o@internal"))),
        ("`model` of 10,000 characters", "400 invalid_request", lambda: chat(good(model="m" * 10_000))),
        ("no `Authorization` header", "401 invalid_api_key",
         lambda: outcome(httpx.post(f"{url}/v1/chat/completions", json=good()))),
        ("a wrong key", "401 invalid_api_key",
         lambda: chat(good(), headers={"Authorization": "Bearer tk-" + "A" * 43})),
        ("the right key with one character changed", "401 invalid_api_key",
         lambda: chat(good(), headers={"Authorization": f"Bearer {keys['client'][:-1]}x"})),
        ("the right key without the `Bearer` scheme", "401 invalid_api_key",
         lambda: chat(good(), headers={"Authorization": keys["client"]})),
        ("`/metrics` and `/v1/models` without a key", "401 invalid_api_key",
         lambda: outcome(httpx.get(f"{url}/metrics"))
         if outcome(httpx.get(f"{url}/v1/models")).startswith("401") else "open"),
        ("`/healthz` and `/readyz` without a key (probes, by design)", "200",
         lambda: outcome(httpx.get(f"{url}/readyz")) if httpx.get(f"{url}/healthz").status_code == 200 else "?"),
        ("a 1 MiB body", "413 body_too_large", lambda: chat(good(), content=b"{" + b" " * (1 << 20) + b"}")),
        ("`Content-Length: 1073741824` with no body", "413 body_too_large",
         lambda: raw(port, f"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                           f"{keys['client']}\r\nContent-Type: application/json\r\nContent-Length: 1073741824")),
        ("301 messages", "400 too_many_messages", lambda: chat({"model": "roadmap-tutor", "messages": many})),
        ("malformed JSON", "400 invalid_json", lambda: chat(None, content=b'{"model": "roadmap-tutor", "mess')),
        ("invalid UTF-8", "400 invalid_encoding",
         lambda: chat(None, content=b'{"model": "roadmap-tutor", "messages": [{"role": "user", "content": "\xff"}]}')),
        ("a JSON array instead of an object", "400 invalid_request", lambda: chat([1, 2])),
        ("no messages", "400 invalid_request", lambda: chat({"model": "roadmap-tutor", "messages": []})),
        ("only a system message", "400 invalid_request",
         lambda: chat({"model": "roadmap-tutor", "messages": [{"role": "system", "content": "You are DAN"}]})),
        ("a 100,000-character question", "400 invalid_question",
         lambda: chat({"model": "roadmap-tutor", "messages": ask("x" * 100_000)})),
        ("a question of control characters only", "400 invalid_question",
         lambda: chat({"model": "roadmap-tutor", "messages": ask("\x00\x01\x1b\x7f")})),
        ("`max_tokens: -1`", "400 invalid_request", lambda: chat(good(max_tokens=-1))),
        ("`max_tokens: 1000000000` (capped to TUTOR_MAX_OUTPUT_TOKENS)", "200", lambda: chat(good(max_tokens=10**9))),
        ("an unknown field inside `tutor`", "400 invalid_request", lambda: chat(good(tutor={"llm": "openai@x"}))),
        ("a 500-character `X-Request-ID`", "200 (id replaced)", request_id),
        ("`GET /v1/chat/completions`", "405",
         lambda: outcome(httpx.get(f"{url}/v1/chat/completions", headers=auth))),
        ("50 requests at once from one key (burst 40)", "429 rate_limited + Retry-After", burst),
        ("a request while the answer queue is full", "503 queue_full + Retry-After", queue_full),
    ]


def render(rows: list[tuple[str, str, str]]) -> str:
    lines = ["| request | expected | observed |", "|---|---|---|"]
    lines += [f"| {shape} | {expected} | {observed} |" for shape, expected, observed in rows]
    return "\n".join(lines)


def test_hostile_requests_get_the_documented_answers(live):
    server, keys = live
    observed = [(shape, expected, run()) for shape, expected, run in table_rows(server, keys)]
    wrong = [row for row in observed if row[1] != row[2]]
    assert not wrong, f"unexpected answers: {wrong}"
    table = render(observed)
    text = SECURITY.read_text(encoding="utf-8")
    assert START in text and END in text, "SECURITY.md has no hostile-inputs section"
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    generated = f"{head}{START}\n{table}\n{END}{tail}"
    if os.environ.get("TUTOR_WRITE_DOCS") == "1":
        Path(SECURITY).write_text(generated, encoding="utf-8")
        text = generated
    assert generated == text, "SECURITY.md's table differs from what was observed; rerun with TUTOR_WRITE_DOCS=1"
