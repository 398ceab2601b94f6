"""`tutor serve` in-process: uvicorn in a thread on a loopback port, driven by the official openai client and
raw httpx. OpenAI wire format (streaming and not), conversation, errors, auth, probes, metrics, JSON logs,
traces, faults (dead, failing and hanging LLM endpoints) and a 200-request load test."""

from __future__ import annotations

import asyncio
import http.server
import io
import json
import logging
import os
import re
import shutil
import socket
import statistics
import subprocess
import threading
import time
from pathlib import Path

import httpx
import openai
import pytest
from conftest import TUTOR, FailingEndpoint, free_port, guarded_env, small_settings
from live import QUESTION, LiveServer, ask, metric

from app.infra.logs import JsonFormatter
from app.infra.settings import Settings
from app.server import create_app

pytestmark = pytest.mark.slow
KEY = "test-key-0123456789abcdef"


@pytest.fixture(scope="module")
def faulty_endpoints():
    """Three OpenAI-compatible endpoints the operator configured: one down, one answering 500, one hanging."""
    failing = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FailingEndpoint)
    threading.Thread(target=failing.serve_forever, daemon=True).start()
    hanging = socket.socket()
    hanging.bind(("127.0.0.1", 0))
    hanging.listen(16)  # accepts, never answers
    ports = {"down": free_port(), "failing": failing.server_port, "hanging": hanging.getsockname()[1]}
    yield {name: {"base_url": f"http://127.0.0.1:{port}/v1"} for name, port in ports.items()}
    failing.shutdown()
    hanging.close()


@pytest.fixture(scope="module")
def settings(small_index_template, tmp_path_factory, faulty_endpoints):
    base = tmp_path_factory.mktemp("served")
    shutil.copytree(small_index_template / "data", base / "data")
    # No rate limit and room for the 200-request burst here; the limits have their own tests.
    return Settings(**{**small_settings(base).model_dump(), "llm_timeout": 2.5, "rate_per_minute": 0,
                       "serve_queue": 256, "endpoints": faulty_endpoints,
                       "serve_models": ["extractive", "local:qwen2.5-coder-0.5b",
                                        *(f"openai:x@{name}" for name in faulty_endpoints)]})


@pytest.fixture(scope="module")
def server(settings):
    with LiveServer(create_app(settings, api_key="")) as live:
        live.wait_ready()
        yield live


@pytest.fixture(scope="module")
def keyed(settings):
    with LiveServer(create_app(settings, api_key=KEY)) as live:
        live.wait_ready()
        yield live


# --- the OpenAI API --------------------------------------------------------------------------------------

def test_openai_client_non_streaming(server):
    resp = server.client().chat.completions.create(model="roadmap-tutor", messages=ask())
    content = resp.choices[0].message.content
    assert resp.object == "chat.completion" and resp.model == "roadmap-tutor"
    assert resp.choices[0].finish_reason == "stop" and resp.choices[0].message.role == "assistant"
    assert "Python, Git, Linux, SQL, APIs, Networking and Docker" in content
    assert "\n\nSources:\n[" in content and "file:roadmap/" in content
    tutor = resp.tutor  # the documented extra field
    assert tutor["citations"] and all(f"[{c['n']}]" in content for c in tutor["citations"])
    assert tutor["backend"] == "extractive" and tutor["fallback"] is False and isinstance(tutor["flags"], list)
    assert tutor["prompt"]["name"] == "answer" and len(tutor["prompt"]["sha256"]) == 64
    assert tutor["latency_ms"]["total"] > 0 and tutor["graph"]["path"][-1] == "kubernetes"
    u = resp.usage
    assert u.prompt_tokens == tutor["usage"]["input_tokens"] > 100 and u.completion_tokens > 10
    assert u.total_tokens == u.prompt_tokens + u.completion_tokens


def test_openai_client_streaming_with_usage(server):
    chunks = list(server.client().chat.completions.create(
        model="extractive", messages=ask(), stream=True, stream_options={"include_usage": True}))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    plain = server.client().chat.completions.create(model="extractive", messages=ask())
    assert text == plain.choices[0].message.content  # same answer, same sources, streamed
    assert chunks[0].choices[0].delta.role == "assistant"
    final = [c for c in chunks if c.choices and c.choices[0].finish_reason == "stop"]
    assert len(final) == 1 and final[0].tutor["citations"]
    assert chunks[-1].choices == [] and chunks[-1].usage.total_tokens == plain.usage.total_tokens


def test_raw_sse_frames_end_with_done(server):
    body = {"model": "roadmap-tutor", "messages": ask(), "stream": True}
    with httpx.stream("POST", f"{server.url}/v1/chat/completions", json=body, timeout=60) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        frames = [line for line in r.iter_lines() if line]
    assert all(f.startswith("data: ") for f in frames) and frames[-1] == "data: [DONE]"
    parsed = [json.loads(f[6:]) for f in frames[:-1]]
    assert all(p["object"] == "chat.completion.chunk" for p in parsed)
    assert not any("usage" in p for p in parsed)  # usage chunk only when stream_options asks for it


def test_follow_up_uses_earlier_turns(server):
    client = server.client()
    first = client.chat.completions.create(model="roadmap-tutor", messages=ask("What is Docker used for?"))
    follow_up = client.chat.completions.create(model="roadmap-tutor", messages=[
        *ask("What is Docker used for?"), {"role": "assistant", "content": first.choices[0].message.content},
        {"role": "user", "content": "What should I learn after it?"}])
    alone = client.chat.completions.create(model="roadmap-tutor", messages=ask("What should I learn after it?"))
    graph = follow_up.tutor["graph"]
    assert graph["focus"] == "docker" and graph["target"] == "kubernetes", graph
    assert alone.tutor["graph"]["focus"] != "docker"


def test_models_and_unknown_model(server):
    ids = [m.id for m in server.client().models.list()]
    assert ids[:2] == ["roadmap-tutor", "extractive"] and "local:qwen2.5-coder-0.5b" in ids
    with pytest.raises(openai.NotFoundError) as info:
        server.client().chat.completions.create(model="gpt-5-turbo", messages=ask())
    error = info.value.body
    assert error["code"] == "model_not_found" and error["param"] == "model"
    assert "gpt-5-turbo" in error["message"] and "/v1/models" in error["message"]


@pytest.mark.parametrize(("body", "status", "needle"), [
    (b'{"model": "roadmap-tutor", "messages": [', 400, "not valid JSON"),
    (b'{"model": "roadmap-tutor"}', 400, "'messages' is required"),
    (json.dumps({"messages": ask()}).encode(), 400, "'model' is required"),
    (json.dumps({"model": "roadmap-tutor", "messages": []}).encode(), 400, "'messages' is invalid"),
    (json.dumps({"model": "roadmap-tutor", "messages": [{"role": "assistant", "content": "hi"}]}).encode(), 400,
     "last message must be a user message"),
    (json.dumps({"model": "roadmap-tutor", "messages": ask("x" * 100_000)}).encode(), 400, "too long"),
    (json.dumps({"model": "roadmap-tutor", "messages": ask("x" * 1_000_000)}).encode(), 413, "larger than"),
    (json.dumps({"model": "roadmap-tutor", "messages": ask("   ")}).encode(), 400, "question is empty"),
    (b'{"model": "roadmap-tutor", "messages": [{"role": "user", "content": "caf\xe9"}]}', 400, "not valid UTF-8"),
    (b"[1, 2]", 400, "must be a JSON object"),
    (json.dumps({"model": "nope:x", "messages": ask()}).encode(), 404, "does not exist"),
    (b"{" + b" " * (3 * 1024 * 1024) + b"}", 413, "larger than"),
], ids=["malformed", "no-messages", "no-model", "empty-messages", "no-user-turn", "100kB-question", "1MB-question",
        "blank",
        "bad-utf8", "not-object", "unknown-model", "3MB-body"])
def test_bad_requests_get_a_clear_4xx(server, body, status, needle):
    r = httpx.post(f"{server.url}/v1/chat/completions", content=body, timeout=30,
                   headers={"Content-Type": "application/json"})
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert needle in error["message"] and error["type"] == "invalid_request_error" and error["code"]


# --- probes, metrics, logs, auth, traces --------------------------------------------------------------------

def test_probes_and_metrics(server):
    assert httpx.get(f"{server.url}/healthz").json() == {"status": "ok"}
    ready = httpx.get(f"{server.url}/readyz").json()
    assert ready["status"] == "ready" and ready["chunks"] > 50
    server.client().chat.completions.create(model="roadmap-tutor", messages=ask())
    text = httpx.get(f"{server.url}/metrics").text
    assert metric(text, "tutor_index_chunks") == ready["chunks"] and metric(text, "tutor_ready") == 1
    for stage in ("embed", "retrieve", "graph", "total"):
        assert metric(text, "tutor_stage_duration_seconds_count", stage=stage) >= 1
    assert metric(text, "tutor_tokens_total", direction="input", model="extractive") > 100
    assert metric(text, "tutor_tokens_total", direction="output", model="extractive") > 10
    assert metric(text, "tutor_answers_total", backend="extractive", model="extractive") >= 1
    assert metric(text, "tutor_http_requests_total", route="/v1/chat/completions", method="POST", status="200") >= 1
    assert metric(text, "tutor_http_request_duration_seconds_bucket", route="/v1/chat/completions", le="+Inf") >= 1
    assert "tutor_errors_total" in text and "tutor_fallbacks_total" in text


def test_auth_when_a_key_is_set(keyed):
    assert httpx.get(f"{keyed.url}/healthz").status_code == 200  # probes stay open
    assert httpx.get(f"{keyed.url}/readyz").status_code == 200
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": KEY}):
        r = httpx.post(f"{keyed.url}/v1/chat/completions", json={"model": "roadmap-tutor", "messages": ask()},
                       headers=headers)
        assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_api_key"
        assert r.headers["www-authenticate"] == "Bearer"
    assert httpx.get(f"{keyed.url}/metrics").status_code == 401
    with pytest.raises(openai.AuthenticationError):
        keyed.client("wrong").chat.completions.create(model="roadmap-tutor", messages=ask())
    ok = keyed.client(KEY).chat.completions.create(model="roadmap-tutor", messages=ask())
    assert ok.tutor["citations"]
    assert httpx.get(f"{keyed.url}/metrics", headers={"Authorization": f"Bearer {KEY}"}).status_code == 200


def test_request_id_and_json_logs_without_secrets(keyed):
    buf = io.StringIO()
    handler = logging.StreamHandler(buf)
    handler.setFormatter(JsonFormatter(secrets=(KEY,)))
    logger = logging.getLogger("tutor")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        r = httpx.post(f"{keyed.url}/v1/chat/completions", timeout=60,
                       json={"model": "roadmap-tutor", "messages": ask(f"What is Docker? my key is {KEY}")},
                       headers={"Authorization": f"Bearer {KEY}", "X-Request-ID": "req-test-42"})
        generated = httpx.get(f"{keyed.url}/v1/models", headers={"Authorization": f"Bearer {KEY}"})
        time.sleep(0.2)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    assert r.status_code == 200 and r.headers["x-request-id"] == "req-test-42"
    assert re.fullmatch(r"[0-9a-f]{32}", generated.headers["x-request-id"])
    lines = [json.loads(line) for line in buf.getvalue().splitlines()]
    mine = [e for e in lines if e.get("request_id") == "req-test-42"]
    assert {e["msg"] for e in mine} >= {"request", "answer"}
    answer = next(e for e in mine if e["msg"] == "answer")
    assert answer["latency_ms"]["embed"] is not None and answer["latency_ms"]["total"] > 0
    assert answer["input_tokens"] > 0 and answer["backend"] == "extractive"
    assert KEY not in buf.getvalue() and "authorization" not in buf.getvalue().lower()


def test_json_formatter_redacts_secret_fields_and_values():
    record = logging.LogRecord("tutor", logging.INFO, __file__, 1, "key %s", (KEY,), None)
    record.headers = {"Authorization": f"Bearer {KEY}", "accept": "*/*"}
    record.note = "pasted sk-abcdefghijklmnopqrstuv by mistake"
    entry = json.loads(JsonFormatter(secrets=(KEY,)).format(record))
    assert KEY not in json.dumps(entry) and "sk-abcdefghijklmnopqrstuv" not in entry["note"]
    assert entry["headers"] == {"Authorization": "[redacted]", "accept": "*/*"}


def test_refuses_public_bind_without_key():
    proc = subprocess.run([TUTOR, "serve", "--host", "0.0.0.0", "--port", str(free_port())], capture_output=True,
                          text=True, timeout=120, env=guarded_env())
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "TUTOR_API_KEY" in lines[0] and "refusing" in lines[0], proc.stderr


def test_not_ready_until_the_index_exists_then_recovers(settings, tmp_path):
    empty = small_settings(tmp_path)  # not model_copy: chroma_location is a cached_property
    with LiveServer(create_app(empty, api_key="")) as live:
        assert httpx.get(f"{live.url}/healthz").status_code == 200
        r = httpx.get(f"{live.url}/readyz", timeout=30)
        assert r.status_code == 503 and "tutor ingest" in r.json()["reason"], r.text
        chat = httpx.post(f"{live.url}/v1/chat/completions", json={"model": "roadmap-tutor", "messages": ask()})
        assert chat.status_code == 503 and chat.json()["error"]["code"] == "not_ready"
        shutil.copytree(settings.data_dir, tmp_path / "data")  # the ingest lands: the next probe retries
        assert live.wait_ready(timeout=60)["chunks"] > 50


def test_otel_spans_with_genai_attributes(settings, monkeypatch):
    from concurrent import futures

    import grpc
    from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc

    spans = []

    class Collector(trace_service_pb2_grpc.TraceServiceServicer):
        def Export(self, request, context):  # noqa: N802
            spans.extend(s for rs in request.resource_spans for ss in rs.scope_spans for s in ss.spans)
            return trace_service_pb2.ExportTraceServiceResponse()

    grpc_server = grpc.server(futures.ThreadPoolExecutor(2))
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(Collector(), grpc_server)
    port = grpc_server.add_insecure_port("127.0.0.1:0")
    grpc_server.start()
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    try:
        with LiveServer(create_app(settings, api_key="")) as live:
            live.wait_ready()
            live.client().chat.completions.create(model="roadmap-tutor", messages=ask())
        deadline = time.monotonic() + 10
        while not spans and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        grpc_server.stop(0)
    assert [s.name for s in spans] == ["chat roadmap-tutor"]
    attrs = {a.key: a.value for a in spans[0].attributes}
    assert attrs["gen_ai.request.model"].string_value == "extractive"
    assert attrs["gen_ai.usage.input_tokens"].int_value > 100
    assert attrs["gen_ai.operation.name"].string_value == "chat"


# --- faults ------------------------------------------------------------------------------------------------

def test_llm_endpoint_down_failing_or_hanging_still_answers(server):
    endpoints = {"cannot connect": "down", "HTTP 500": "failing", "did not answer within": "hanging"}
    before = metric(httpx.get(f"{server.url}/metrics").text, "tutor_fallbacks_total", backend="openai")
    for needle, name in endpoints.items():
        started = time.monotonic()
        resp = server.client(timeout=30).chat.completions.create(model=f"openai:x@{name}",
                                                                 messages=ask("What is Docker for?"))
        assert time.monotonic() - started < 15  # TUTOR_LLM_TIMEOUT=2.5 bounds the hanging case
        assert resp.tutor["fallback"] and "fallback" in resp.tutor["flags"], resp.tutor["notices"]
        assert needle in resp.tutor["notices"][0] and "Notice: " in resp.choices[0].message.content
        assert resp.tutor["citations"] and resp.tutor["backend"] == "extractive"
    # streaming falls back too, and says so in the text
    chunks = list(server.client().chat.completions.create(model="openai:x@failing",
                                                          messages=ask("What is Docker for?"), stream=True))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert "HTTP 500" in text and "Sources:" in text
    after = metric(httpx.get(f"{server.url}/metrics").text, "tutor_fallbacks_total", backend="openai")
    assert after - before == 4


def test_event_loop_answers_probes_while_an_answer_hangs(server):
    model = "openai:x@hanging"
    slow = threading.Thread(target=lambda: httpx.post(f"{server.url}/v1/chat/completions", timeout=30,
                                                      json={"model": model, "messages": ask("What is Docker?")}))
    slow.start()
    try:
        time.sleep(0.8)  # the answer is now blocked on the hanging endpoint in a worker thread
        assert slow.is_alive()
        started = time.monotonic()
        assert httpx.get(f"{server.url}/healthz", timeout=5).status_code == 200
        assert httpx.get(f"{server.url}/readyz", timeout=5).status_code == 200
        assert time.monotonic() - started < 1.0
    finally:
        slow.join(30)


def test_200_concurrent_requests(server):
    async def one(client: httpx.AsyncClient, i: int) -> tuple[int, float]:
        question = ["What is Docker for?", "Why does Linux matter for AI operations?", QUESTION,
                    "What SQL topics are important?"][i % 4]
        t0 = time.perf_counter()
        r = await client.post("/v1/chat/completions", json={"model": "extractive", "messages": ask(question)})
        return r.status_code, time.perf_counter() - t0

    async def burst() -> tuple[list[tuple[int, float]], float]:
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
        async with httpx.AsyncClient(base_url=server.url, timeout=180, limits=limits) as client:
            t0 = time.perf_counter()
            results = await asyncio.gather(*(one(client, i) for i in range(200)))
            return results, time.perf_counter() - t0

    results, wall = asyncio.run(burst())
    errors = [s for s, _ in results if s != 200]
    latencies = sorted(t for _, t in results)
    p95 = latencies[int(0.95 * len(latencies)) - 1]
    summary = {"requests": 200, "concurrency": 200, "errors": len(errors), "backend": "extractive",
               "p50_s": round(statistics.median(latencies), 3), "p95_s": round(p95, 3),
               "max_s": round(latencies[-1], 3), "wall_s": round(wall, 3), "rps": round(200 / wall, 1)}
    print(f"\nload: {json.dumps(summary)}")
    if os.environ.get("TUTOR_LOAD_RESULT"):
        Path(os.environ["TUTOR_LOAD_RESULT"]).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    assert errors == [], f"{len(errors)} errors: {errors[:5]}"
