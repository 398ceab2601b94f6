"""The request context of `tutor serve`, as pure ASGI middleware (no buffering, so streams flow): request id in
and out, bearer auth against the key ring, request metrics and one JSON access-log line per request.
Headers are never logged; the authenticated key's name rides in ``scope["state"]["client"]``."""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from app.infra.logs import request_id
from app.infra.metrics import Metrics
from app.server.auth import ANONYMOUS, KeyRing
from app.server.wire import ApiError

log = logging.getLogger("tutor")

OPEN_PATHS = {"/healthz", "/readyz"}  # probes must work without the key
ROUTES = {"/v1/chat/completions", "/v1/feedback", "/v1/models", "/healthz", "/readyz", "/metrics", "/v1/quiz",
          "/v1/quiz/answer", "/v1/progress"}
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def bearer_token(headers: dict[bytes, bytes]) -> str | None:
    scheme, _, token = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


class RequestContext:
    def __init__(self, app: Any, keys: KeyRing, metrics: Metrics) -> None:
        self.app, self.keys, self.metrics = app, keys, metrics

    def _client(self, headers: dict[bytes, bytes]) -> str | None:
        if not self.keys.enabled:
            return ANONYMOUS
        token = bearer_token(headers)
        return self.keys.authenticate(token) if token else None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        given = headers.get(b"x-request-id", b"").decode("latin-1")
        rid = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        token = request_id.set(rid)
        path, method = scope["path"], scope["method"]
        route = path if path in ROUTES else "other"  # bounded label values, whatever clients request
        status, done = 500, False
        started = time.perf_counter()
        client: str | None = None

        def finish() -> None:
            nonlocal done
            if done:
                return
            done = True
            seconds = time.perf_counter() - started
            self.metrics.inflight.dec()
            self.metrics.requests.labels(route, method, str(status)).inc()
            self.metrics.request_seconds.labels(route, method).observe(seconds)
            if route == "/v1/chat/completions" and client:
                self.metrics.client_requests.labels(client, str(status)).inc()
            if path not in OPEN_PATHS and path != "/metrics":  # probes every few seconds would drown the log
                log.info("request", extra={"method": method, "path": route, "status": status, "client": client,
                                           "duration_ms": round(seconds * 1000, 2)})

        async def send_with_id(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode())]
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                finish()  # before the last byte leaves, so a client that reads /metrics next sees this request
            await send(message)

        self.metrics.inflight.inc()
        try:
            client = None if path in OPEN_PATHS else self._client(headers)
            if path not in OPEN_PATHS and client is None:
                self.metrics.errors.labels("unauthorized").inc()
                error = ApiError(401, "missing or wrong API key: send 'Authorization: Bearer <key>'",
                                 "invalid_api_key")
                await error.response()(scope, receive, send_with_id)
            else:
                scope.setdefault("state", {})["client"] = client
                await self.app(scope, receive, send_with_id)
        finally:
            finish()  # a failed or disconnected request still counts
            request_id.reset(token)
