"""A scripted OpenAI-compatible endpoint on loopback (for real-browser and server tests that need a model whose
every word is known). It answers /v1/chat/completions, streamed or not, with ``reply(messages)``."""

from __future__ import annotations

import http.server
import json
import re
import threading
from collections.abc import Callable
from typing import Any

Reply = Callable[[list[dict[str, Any]]], str]


def first_evidence(messages: list[dict[str, Any]]) -> str:
    """The first evidence sentence the tutor sent, cited with its passage number: supported by construction."""
    found = re.search(r"^\[(\d+)\] (.+?[.!?])(?:\s|$)", messages[-1]["content"], flags=re.M)
    assert found, messages[-1]["content"]
    n, sentence = found.groups()
    return f"{sentence[:-1]} [{n}]."


class ScriptedEndpoint(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, reply: Reply) -> None:
        self.reply = reply
        self.requests: list[dict[str, Any]] = []
        super().__init__(("127.0.0.1", 0), _Handler)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def __enter__(self) -> ScriptedEndpoint:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()


class _Handler(http.server.BaseHTTPRequestHandler):
    server: ScriptedEndpoint

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        self.server.requests.append(body)
        text = self.server.reply(body.get("messages", []))
        base = {"id": "chatcmpl-scripted", "object": "chat.completion", "created": 0, "model": body.get("model")}
        if not body.get("stream"):
            self._send("application/json", json.dumps({**base, "choices": [
                {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20}}).encode())
            return
        pieces = [text[i:i + 12] for i in range(0, len(text), 12)]
        events = [{**base, "object": "chat.completion.chunk",
                   "choices": [{"index": 0, "delta": {"content": p}, "finish_reason": None}]} for p in pieces]
        events.append({**base, "object": "chat.completion.chunk",
                       "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
        self._send("text/event-stream", b"".join(f"data: {json.dumps(e)}\n\n".encode() for e in events)
                   + b"data: [DONE]\n\n")

    def _send(self, kind: str, payload: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass
