"""A real `tutor serve` app on a loopback port for the tests: uvicorn in a daemon thread, so the official openai
client and httpx talk real HTTP to it; plus the request and metric helpers the server tests share."""

from __future__ import annotations

import threading
import time

import httpx
import openai
import uvicorn
from conftest import free_port

QUESTION = "What should I learn before Kubernetes?"


class LiveServer:
    """A real uvicorn on 127.0.0.1 in a daemon thread: the openai client talks real HTTP to it."""

    def __init__(self, app) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.app = app
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_config=None,
                                                    access_log=False, lifespan="on", timeout_graceful_shutdown=5))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(20)

    def wait_ready(self, timeout: float = 120, headers=None) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            r = httpx.get(f"{self.url}/readyz", timeout=30)
            if r.status_code == 200:
                return r.json()
            assert time.monotonic() < deadline, f"not ready: {r.text}"
            time.sleep(0.3)

    def client(self, key: str = "unused", **kw) -> openai.OpenAI:
        return openai.OpenAI(base_url=f"{self.url}/v1", api_key=key, max_retries=0, **kw)


def ask(question: str = QUESTION) -> list[dict]:
    return [{"role": "user", "content": question}]


def metric(text: str, name: str, **labels: str) -> float:
    want = [f'{k}="{v}"' for k, v in labels.items()]
    for line in text.splitlines():
        if line.startswith(name + ("{" if labels else " ")) and all(w in line for w in want):
            return float(line.rsplit(" ", 1)[1])
    return 0.0
