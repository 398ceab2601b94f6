"""A real `tutor serve` app on a loopback port for the tests: uvicorn in a daemon thread, so the official openai
client and httpx talk real HTTP to it; plus the request and metric helpers the server tests share."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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


@contextmanager
def keyed_server(template: Path, base: Path, names: tuple[str, ...] = ("alice", "bob")) -> Iterator[tuple]:
    """A live server on a copy of the small index, with API keys for ``names`` and no rate limit:
    yields (server, settings, {name: key})."""
    from app.infra.settings import Settings
    from app.server import create_app
    from app.server.auth import add_key

    shutil.copytree(template / "data", base / "data", ignore=shutil.ignore_patterns("usage.sqlite*"))
    keys_file = base / "api-keys"
    keys = {name: add_key(keys_file, name) for name in names}
    cfg = Settings(data_dir=base / "data", corpus_dir=base / "corpus", llm="extractive", rate_per_minute=0,
                   api_keys_file=keys_file)
    with LiveServer(create_app(cfg, api_key="")) as live:
        live.wait_ready()
        yield live, cfg, keys
