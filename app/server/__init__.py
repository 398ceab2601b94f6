"""`tutor serve`: the tutor as an OpenAI-compatible chat API, with /healthz, /readyz and /metrics.

    POST /v1/chat/completions   the last user message is the question, earlier turns the conversation;
                                ``model`` is one of the ids GET /v1/models lists ("roadmap-tutor" = TUTOR_LLM,
                                and TUTOR_SERVE_MODELS); streaming (SSE) or not. The answer's citations, flags,
                                prompt and latency ride in an extra ``tutor`` object (as `tutor ask --json`).
    GET  /v1/models             the ids ``model`` accepts
    POST /v1/feedback           {"id": <completion id>, "rating": "up"|"down", "comment": "..."} on an answer this
                                key was given (404 otherwise); stored in the turn log for `tutor eval promote`
    GET  /v1/quiz, POST /v1/quiz/answer, GET /v1/progress
                                practice: quiz items, graded answers, mastery (app/server/practice_routes.py)
    GET  /healthz               the process is alive (always open)
    GET  /readyz                index, graph and backend loaded and the store answering; 503 + reason
    GET  /metrics               Prometheus exposition (app/infra/metrics.py)

The modules beside this one: ``auth`` (API keys), ``limits`` (rate and queue), ``middleware`` (request id,
auth, metrics, access log), ``readiness`` (the loaded tutor, /readyz), ``replies`` (one completion, SSE),
``wire`` (the OpenAI request and error shapes) and ``tracing`` (optional OpenTelemetry).

A request never names a URL, a file or a key: ``model`` is looked up by its exact id in the operator's list
(``app.infra.llm.choices``). Limits, in the order a request meets them: auth (401), the key's token bucket (429 +
Retry-After), the answer queue (503 + Retry-After, at once), the body size (413), the message count (400),
``max_tokens`` (capped). SECURITY.md has the threat model and the observed table of hostile requests.
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import logging
import os
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from functools import partial
from typing import Any

import anyio
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from app.core.feedback import FeedbackError, UnknownTurn, record_feedback
from app.core.tutor import clean_question
from app.errors import TutorError
from app.infra.llm import SERVED_MODEL, BackendSpec, choices
from app.infra.metrics import Metrics
from app.infra.settings import Settings
from app.server.auth import ANONYMOUS, KeyRing
from app.server.limits import AnswerQueue, TokenBuckets, retry_after
from app.server.middleware import RequestContext
from app.server.practice_routes import add_practice_routes
from app.server.readiness import TutorState
from app.server.replies import Reply
from app.server.tracing import tracer_provider
from app.server.wire import ApiError, ChatRequest, parse_chat_request, read_body

log = logging.getLogger("tutor")
FEEDBACK_MAX_BYTES = 16 * 1024  # a rating and a 2000-character comment, with room for JSON escapes

__all__ = ["SERVED_MODEL", "check_bind", "create_app", "run"]


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, keys: KeyRing) -> None:
    if not is_loopback(host) and not keys.enabled:
        raise TutorError(f"refusing to serve on {host} without an API key; set TUTOR_API_KEY or add keys with "
                         "`tutor keys add NAME` (clients send 'Authorization: Bearer KEY'), or bind to 127.0.0.1")


def create_app(settings: Settings | None = None, api_key: str | None = None, workers: int | None = None,
               keys: KeyRing | None = None) -> FastAPI:
    """``api_key`` defaults to TUTOR_API_KEY (the key named "default"); ``keys`` to that plus the keys file.
    Raises TutorError when TUTOR_SERVE_MODELS or the keys file is malformed."""
    settings = settings or Settings()
    api_key = api_key if api_key is not None else (os.environ.get("TUTOR_API_KEY") or None)
    keys = keys or KeyRing(settings.api_keys_path, api_key)
    served = choices(settings)
    metrics = Metrics()
    state = TutorState(settings, metrics, served[SERVED_MODEL])
    workers = workers or settings.serve_workers
    # Answers get their own thread limit, so a burst of slow answers never starves /readyz's store check.
    answer_limiter = anyio.CapacityLimiter(workers)
    queue = AnswerQueue(workers, settings.serve_queue)
    buckets = TokenBuckets(settings.rate_per_minute, settings.rate_burst)
    tracing = tracer_provider()
    tracer = tracing.get_tracer("roadmap-tutor") if tracing else None

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        state.start_loading()
        with suppress(ValueError, RuntimeError, NotImplementedError):  # only the main thread may own signals
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, keys.reload)
        yield
        if tracing:
            tracing.shutdown()  # flushes spans still in the batch

    app = FastAPI(title="Roadmap Tutor", version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.state.tutor_state, app.state.metrics, app.state.tracing, app.state.keys = state, metrics, tracing, keys
    app.add_middleware(RequestContext, keys=keys, metrics=metrics)

    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        metrics.errors.labels(exc.code).inc()
        if exc.code in ("rate_limited", "queue_full", "body_too_large", "too_many_messages"):
            metrics.rejected.labels(exc.code).inc()
        log.info("request failed", extra={"status": exc.status, "code": exc.code, "reason": exc.message[:300]})
        return exc.response()

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        ok, body = await state.check()
        return JSONResponse(body, status_code=200 if ok else 503)

    @app.get("/metrics")
    async def metrics_route() -> Response:
        return Response(metrics.exposition(), media_type=metrics.content_type)

    @app.get("/v1/models")
    async def models() -> dict[str, Any]:
        return {"object": "list", "data": [{"id": i, "object": "model", "created": 0, "owned_by": "roadmap-tutor"}
                                           for i in served]}

    def admit(request: Request) -> str:
        """The key's name, after taking one request from its token bucket (429 when empty)."""
        client = request.scope.get("state", {}).get("client") or ANONYMOUS
        wait = buckets.take(client)
        if wait:
            raise ApiError(429, f"rate limit for this key: {settings.rate_per_minute:g} requests per minute "
                                f"(bursts of {settings.rate_burst}); retry after {retry_after(wait)} s",
                           "rate_limited", "rate_limit_error", headers={"Retry-After": retry_after(wait)})
        return str(client)

    @app.post("/v1/feedback")
    async def feedback(request: Request) -> JSONResponse:
        client = admit(request)
        body = await read_body(request, FEEDBACK_MAX_BYTES)
        if not isinstance(body, dict) or not set(body) <= {"id", "turn_id", "rating", "comment"}:
            raise ApiError(400, "feedback is a JSON object with 'id' (the completion id), 'rating' ('up' or "
                                "'down') and an optional 'comment'", "invalid_request")
        tutor = await state.ensure()
        if tutor is None:
            raise ApiError(503, f"the tutor is not ready: {state.reason}", "not_ready", "service_unavailable")
        try:
            rating = await anyio.to_thread.run_sync(partial(
                record_feedback, tutor.turns, body.get("id", body.get("turn_id")), body.get("rating"),
                body.get("comment"), "api", client))
        except UnknownTurn as exc:
            raise ApiError(404, str(exc), "turn_not_found", param="id") from None
        except FeedbackError as exc:
            param = "rating" if "rating" in str(exc) else "comment"
            raise ApiError(400, str(exc), "invalid_feedback", param=param) from None
        metrics.feedback.labels(rating.word).inc()
        return JSONResponse({"object": "feedback", "id": rating.turn_id, "rating": rating.word,
                             "comment": rating.comment})

    add_practice_routes(app, settings, state, admit)

    @app.post("/v1/chat/completions")
    async def chat_completions(request: Request) -> Response:
        client = admit(request)
        if not queue.try_admit():
            raise ApiError(503, "the tutor is at capacity; retry shortly", "queue_full", "service_unavailable",
                           headers={"Retry-After": retry_after(queue.wait_estimate())})
        metrics.answer_queue.set(queue.admitted)
        released = False

        def release(seconds: float | None) -> None:
            nonlocal released
            if not released:
                released = True
                queue.release(seconds)
                metrics.answer_queue.set(queue.admitted)

        try:
            req = parse_chat_request(await read_body(request, settings.max_body_kb * 1024), settings.max_messages)
            spec = resolve_model(req.model, served)
            tutor = await state.ensure()
            if tutor is None:
                raise ApiError(503, f"the tutor is not ready: {state.reason}", "not_ready", "service_unavailable")
            question, turns = split_messages(req)
            try:
                question = clean_question(question, settings.max_question_chars)
            except TutorError as exc:
                raise ApiError(400, str(exc), "invalid_question", param="messages") from None
            conversation_id = req.user or hashlib.sha256(turns[0][1].encode() if turns else question.encode()
                                                         ).hexdigest()[:12]
            conversation = await anyio.to_thread.run_sync(partial(tutor.resume, turns, conversation_id),
                                                          limiter=answer_limiter)
            ask = partial(tutor.ask, question, conversation=conversation, llm=spec, prompt=req.tutor.prompt,
                          known=req.tutor.known or None, max_tokens=req.output_limit(settings.max_output_tokens),
                          client=client)
            reply = Reply(req, metrics, spec, tracer, client, on_done=release)
            ask = partial(ask, turn_id=reply.id)  # feedback quotes the completion id back
            if req.stream:
                return await reply.stream(ask, answer_limiter, settings)
            answer = await reply.run(ask, answer_limiter, settings)
            return JSONResponse(reply.completion(answer))
        except BaseException:
            release(None)
            raise

    return app


def resolve_model(model: str, served: dict[str, BackendSpec]) -> BackendSpec:
    """The operator's backend with this exact id. Nothing in ``model`` is parsed."""
    spec = served.get(model)
    if spec is None:
        shown = model if len(model) <= 80 else model[:80] + "…"
        raise ApiError(404, f"the model '{shown}' does not exist; use '{SERVED_MODEL}' or see GET /v1/models",
                       "model_not_found", param="model")
    return spec


def split_messages(req: ChatRequest) -> tuple[str, list[tuple[str, str]]]:
    """The question (the last user message) and the earlier user/assistant turns."""
    turns: list[tuple[str, str]] = [(m.role, m.text()) for m in req.messages if m.role in ("user", "assistant")]
    if not turns or turns[-1][0] != "user":
        raise ApiError(400, "the last message must be a user message with the question", "invalid_request",
                       param="messages")
    return turns[-1][1], turns[:-1]


def run(settings: Settings, host: str = "127.0.0.1", port: int = 8000, log_level: str = "info") -> None:
    """Start uvicorn; refuses a non-loopback bind without an API key (one line, exit 2 via the CLI)."""
    import uvicorn

    from app.infra.logs import configure_json_logging

    keys = KeyRing(settings.api_keys_path, os.environ.get("TUTOR_API_KEY") or None)
    check_bind(host, keys)
    configure_json_logging(log_level, secrets=settings.secrets())
    app = create_app(settings, keys=keys)
    log.info("serving", extra={"host": host, "port": port, "keys": keys.names, "llm": settings.llm,
                               "models": settings.serve_models})
    uvicorn.run(app, host=host, port=port, log_config=None, access_log=False, log_level=log_level,
                timeout_graceful_shutdown=10)
