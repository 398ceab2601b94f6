"""The openai backend against a real OpenAI-compatible server on loopback (llama.cpp's), plus a dead,
a failing and a hanging endpoint: every question is still answered, the fallback is flagged."""

import http.server
import socket
import subprocess
import sys
import time

import httpx
import pytest
from conftest import FailingEndpoint, free_port, http_endpoint

from app.core.text import strip_citations
from app.core.tutor import Tutor
from app.infra.llm.local import resolve_model_file

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def llama_server(llm_settings):
    model = resolve_model_file("qwen2.5-coder-0.5b", llm_settings.models_path)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
                             "--port", str(port), "--n_ctx", "4096"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/models", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("llama_cpp.server did not start within 120 s")
    yield url
    proc.terminate()
    proc.wait(30)


@pytest.fixture(scope="module")
def tutor(llm_settings):
    return Tutor(llm_settings.model_copy(update={"llm_timeout": 120.0}))


@pytest.fixture(scope="module")
def impatient(llm_settings):
    """TUTOR_LLM_TIMEOUT=3: a hanging endpoint must cost 3 s, not the default 60."""
    return Tutor(llm_settings.model_copy(update={"llm_timeout": 3.0}))


def test_official_client_streams(llama_server):
    from openai import OpenAI

    client = OpenAI(base_url=llama_server, api_key="none", max_retries=0)
    chunks = list(client.chat.completions.create(
        model="qwen", messages=[{"role": "user", "content": "Name one Linux command."}], stream=True,
        max_tokens=16, stream_options={"include_usage": True}))
    assert sum(1 for c in chunks if c.choices and c.choices[0].delta.content) > 1
    # llama-cpp-python 0.3.36's server sends no usage chunk even when asked; the tutor then counts itself.


def test_tutor_answers_through_the_server(tutor, llama_server):
    pieces = []
    answer = tutor.ask("Why does Linux matter for AI operations?", llm=f"openai:qwen@{llama_server}",
                       on_token=pieces.append)
    assert answer.backend == "openai" and not answer.fallback, answer.notices
    # streamed sentence by sentence: each one passes the output filter before the learner sees it
    assert pieces and all(p.strip() for p in pieces)
    assert strip_citations(pieces[0])[:30] in strip_citations(answer.answer)
    assert answer.usage.source in {"provider", "tiktoken"}
    assert answer.usage.input_tokens > 100 and answer.usage.output_tokens > 0
    assert answer.latency_ms["ttft"] is not None
    assert answer.answer and answer.check is not None


def test_dead_endpoint_falls_back_fast(tutor):
    port = free_port()  # nothing listens here
    started = time.monotonic()
    answer = tutor.ask("What is Docker for?", llm=f"openai:qwen@http://127.0.0.1:{port}/v1")
    assert time.monotonic() - started < 10
    assert answer.fallback and answer.backend == "extractive" and answer.citations()
    assert "cannot connect" in answer.notices[0]


def test_endpoint_answering_500_falls_back(tutor):
    with http_endpoint(FailingEndpoint) as url:
        answer = tutor.ask("What is Docker for?", llm=f"openai:qwen@{url}")
    assert answer.fallback and "HTTP 500" in answer.notices[0]


def test_hanging_endpoint_falls_back_within_the_timeout(impatient):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)  # accepts connections, never answers
    port = listener.getsockname()[1]
    try:
        started = time.monotonic()
        answer = impatient.ask("What is Docker for?", llm=f"openai:qwen@http://127.0.0.1:{port}/v1")
        elapsed = time.monotonic() - started
    finally:
        listener.close()
    assert answer.fallback and "did not answer within" in answer.notices[0]
    assert elapsed < 3.0 * 3 + 5  # the configured 3 s timeout, not the default 60 s


class _StreamWithUsage(http.server.BaseHTTPRequestHandler):
    """A minimal OpenAI-style SSE stream that ends with a usage chunk, as api.openai.com sends it."""

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        base = '"id":"c1","object":"chat.completion.chunk","created":1,"model":"m"'
        for piece in ["Docker is essential ", "[1]."]:
            self.wfile.write(f'data: {{{base},"choices":[{{"index":0,"delta":{{"content":"{piece}"}}}}]}}\n\n'.encode())
        usage = '"usage":{"prompt_tokens":321,"completion_tokens":7,"total_tokens":328}'
        self.wfile.write(f'data: {{{base},"choices":[],{usage}}}\n\n'.encode())
        self.wfile.write(b"data: [DONE]\n\n")

    def log_message(self, *args):
        pass


def test_provider_reported_usage_is_used_and_priced(tutor):
    with http_endpoint(_StreamWithUsage) as url:
        answer = tutor.ask("What is Docker for?", llm=f"openai:gpt-4o-mini@{url}")
    assert not answer.fallback, answer.notices
    assert (answer.usage.source, answer.usage.input_tokens, answer.usage.output_tokens) == ("provider", 321, 7)
    assert answer.usage.cost_usd == pytest.approx((321 * 0.15 + 7 * 0.60) / 1e6)
