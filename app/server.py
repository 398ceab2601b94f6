"""`tutor serve`: the tutor as an OpenAI-compatible chat API, with /healthz, /readyz and /metrics.

    POST /v1/chat/completions   the last user message is the question, earlier turns the conversation;
                                ``model`` is "roadmap-tutor" (TUTOR_LLM) or a backend spec ("extractive",
                                "local:qwen2.5-coder-0.5b", "openai:MODEL@URL"); streaming (SSE) or not.
                                The answer's citations, flags, prompt and latency ride in an extra
                                ``tutor`` object (the same object `tutor ask --json` prints).
    GET  /v1/models             the ids ``model`` accepts
    GET  /healthz               the process is alive (always open)
    GET  /readyz                index, graph and backend loaded and the store answering; 503 + reason
    GET  /metrics               Prometheus exposition (app/metrics.py)

Tutor.ask blocks (retrieval, llama.cpp), so it runs in worker threads with their own limit and the event
loop keeps answering probes. The Tutor loads once in the background at startup; while it cannot load,
/healthz still answers, /readyz says why with a 503 and tries again on the next probe.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import json
import logging
import os
import re
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from functools import partial
from typing import Any

import anyio
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from app.errors import TutorError
from app.llm import BackendSpec, parse_spec
from app.logs import request_id
from app.metrics import Metrics
from app.openai_api import ApiError, ChatRequest, message_text, parse_chat_request, read_body
from app.settings import Settings
from app.tutor import Answer, Conversation, Tutor, clean_question

log = logging.getLogger("tutor")

SERVED_MODEL = "roadmap-tutor"
OPEN_PATHS = {"/healthz", "/readyz"}  # probes must work without the key
ROUTES = {"/v1/chat/completions", "/v1/models", "/healthz", "/readyz", "/metrics"}
READY_WAIT_S = 5.0  # how long a probe waits for a (re)load before answering 503 "loading"
STORE_CHECK_S = 5.0
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, api_key: str | None) -> None:
    if not is_loopback(host) and not api_key:
        raise TutorError(f"refusing to serve on {host} without TUTOR_API_KEY; set it (clients send "
                         "'Authorization: Bearer KEY') or bind to 127.0.0.1")


def describe_failure(exc: BaseException, settings: Settings) -> str:
    """One sentence for /readyz, the chat error and the log."""
    if isinstance(exc, TutorError):
        return str(exc)
    if _is_store_error(exc):
        return (f"the Chroma server at {settings.chroma_location} is unreachable ({_short(exc)}); "
                "start it (`chroma run`) or fix TUTOR_CHROMA")
    return f"{type(exc).__name__}: {_short(exc)}"


def _is_store_error(exc: BaseException) -> bool:
    import httpx
    from chromadb.errors import ChromaError

    return isinstance(exc, (httpx.HTTPError, ChromaError, ConnectionError))


def _short(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


# --- the loaded tutor -----------------------------------------------------------------------------------

class TutorState:
    """The one Tutor of this process, loaded in the background and reloaded on demand until it works."""

    def __init__(self, settings: Settings, metrics: Metrics) -> None:
        self.settings, self.metrics = settings, metrics
        self.tutor: Tutor | None = None
        self.reason = "loading the index, graph and backend"
        self._loading: asyncio.Task[None] | None = None

    def _load_sync(self) -> Tutor:
        tutor = Tutor(self.settings)
        spec = parse_spec(self.settings.llm)
        if spec.kind != "extractive":  # ready means the default backend can answer, not only that it parses
            backend = tutor.backend(spec)
            if spec.kind == "local":
                backend.llama()  # type: ignore[attr-defined]
        return tutor

    async def _load(self) -> None:
        started = time.perf_counter()
        try:
            self.tutor = await anyio.to_thread.run_sync(self._load_sync)
        except Exception as exc:
            self.reason = describe_failure(exc, self.settings)
            log.warning("tutor not ready", extra={"reason": self.reason})
            return
        self.metrics.index_chunks.set(self.tutor.store.count())
        log.info("tutor loaded", extra={"seconds": round(time.perf_counter() - started, 2),
                                        "llm": self.settings.llm, "chroma": self.settings.chroma_location})

    def start_loading(self) -> asyncio.Task[None]:
        if self._loading is None or self._loading.done():
            self._loading = asyncio.create_task(self._load())
        return self._loading

    async def ensure(self, wait: float = READY_WAIT_S) -> Tutor | None:
        if self.tutor is None:
            with suppress(TimeoutError):  # still loading: the caller answers 503 "loading"
                await asyncio.wait_for(asyncio.shield(self.start_loading()), wait)
        return self.tutor

    async def check(self) -> tuple[bool, dict[str, Any]]:
        tutor = await self.ensure()
        if tutor is None:
            self.metrics.ready.set(0)
            return False, {"status": "not ready", "reason": self.reason}
        try:  # ask the store every time: a replica whose Chroma is gone must leave the load balancer
            count = await asyncio.wait_for(anyio.to_thread.run_sync(tutor.store.count), STORE_CHECK_S)
        except Exception as exc:
            self.metrics.ready.set(0)
            reason = describe_failure(exc, self.settings) if not isinstance(exc, TimeoutError) else \
                f"the vector store at {self.settings.chroma_location} did not answer within {STORE_CHECK_S:g}s"
            return False, {"status": "not ready", "reason": reason}
        self.metrics.index_chunks.set(count)
        if count == 0:
            self.metrics.ready.set(0)
            return False, {"status": "not ready", "reason": "the index is empty; run `tutor ingest`"}
        self.metrics.ready.set(1)
        return True, {"status": "ready", "chunks": count, "llm": self.settings.llm,
                      "chroma": self.settings.chroma_location}


# --- request context: id, auth, metrics, access log ----------------------------------------------------

class RequestContext:
    """Pure ASGI middleware (no buffering, so streams flow): request id in and out, bearer auth,
    request metrics and one JSON access-log line per request. Headers are never logged."""

    def __init__(self, app: Any, api_key: str | None, metrics: Metrics) -> None:
        self.app, self.api_key, self.metrics = app, api_key, metrics

    def _authorised(self, headers: dict[bytes, bytes]) -> bool:
        given = headers.get(b"authorization", b"").decode("latin-1")
        scheme, _, token = given.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), self.api_key.encode())  # type: ignore[union-attr]

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

        def finish() -> None:
            nonlocal done
            if done:
                return
            done = True
            seconds = time.perf_counter() - started
            self.metrics.inflight.dec()
            self.metrics.requests.labels(route, method, str(status)).inc()
            self.metrics.request_seconds.labels(route, method).observe(seconds)
            if path not in OPEN_PATHS and path != "/metrics":  # probes every few seconds would drown the log
                log.info("request", extra={"method": method, "path": route, "status": status,
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
            if self.api_key and path not in OPEN_PATHS and not self._authorised(headers):
                self.metrics.errors.labels("unauthorized").inc()
                error = ApiError(401, "missing or wrong API key: send 'Authorization: Bearer <TUTOR_API_KEY>'",
                                 "invalid_api_key")
                await error.response()(scope, receive, send_with_id)
            else:
                await self.app(scope, receive, send_with_id)
        finally:
            finish()  # a failed or disconnected request still counts
            request_id.reset(token)


# --- the app ----------------------------------------------------------------------------------------------

def _tracer_provider() -> Any | None:
    """OpenTelemetry spans with GenAI attribute names, only when an OTLP endpoint is configured and the
    SDK is installed (it is optional: nothing here needs it)."""
    if not os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        return None
    try:
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        if os.environ.get("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc").startswith("http"):
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        else:
            from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
    except ImportError:
        return None
    provider = TracerProvider(resource=Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME",
                                                                                       "roadmap-tutor")}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return provider


def create_app(settings: Settings | None = None, api_key: str | None = None, workers: int = 16) -> FastAPI:
    """``api_key`` defaults to TUTOR_API_KEY; ``workers`` bounds concurrent answers (threads)."""
    settings = settings or Settings()
    api_key = api_key if api_key is not None else (os.environ.get("TUTOR_API_KEY") or None)
    metrics = Metrics()
    state = TutorState(settings, metrics)
    # Answers get their own thread limit, so a burst of slow answers never starves /readyz's store check.
    answer_limiter = anyio.CapacityLimiter(workers)
    tracing = _tracer_provider()
    tracer = tracing.get_tracer("roadmap-tutor") if tracing else None

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        state.start_loading()
        yield
        if tracing:
            tracing.shutdown()  # flushes spans still in the batch

    app = FastAPI(title="Roadmap Tutor", version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.tutor_state, app.state.metrics, app.state.tracing = state, metrics, tracing
    app.add_middleware(RequestContext, api_key=api_key, metrics=metrics)

    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        metrics.errors.labels(exc.code).inc()
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
        from app.llm.local import MODELS

        ids = [SERVED_MODEL, "extractive", *(f"local:{name}" for name in MODELS)]
        default = parse_spec(settings.llm).label
        ids += [default] if default not in ids else []
        return {"object": "list", "data": [{"id": i, "object": "model", "created": 0, "owned_by": "roadmap-tutor"}
                                           for i in ids]}

    @app.post("/v1/chat/completions")
    async def chat_completions(request: Request) -> Response:
        req = parse_chat_request(await read_body(request))
        spec_text, spec = resolve_model(req.model, settings)
        tutor = await state.ensure()
        if tutor is None:
            raise ApiError(503, f"the tutor is not ready: {state.reason}", "not_ready", "service_unavailable")
        question, conversation = build_conversation(req, tutor)
        try:
            question = clean_question(question, settings.max_question_chars)
        except TutorError as exc:
            raise ApiError(400, str(exc), "invalid_question", param="messages") from None
        ask = partial(tutor.ask, question, conversation=conversation, llm=spec_text, prompt=req.tutor.prompt,
                      known=req.tutor.known or None)
        reply = Reply(req, metrics, spec, tracer)
        if req.stream:
            return await reply.stream(ask, answer_limiter, settings)
        answer = await reply.run(ask, answer_limiter, settings)
        return JSONResponse(reply.completion(answer))

    return app


def resolve_model(model: str, settings: Settings) -> tuple[str, BackendSpec]:
    text = settings.llm if model == SERVED_MODEL else model
    try:
        return text, parse_spec(text)
    except TutorError as exc:
        raise ApiError(404, f"the model '{model}' does not exist ({exc}); use '{SERVED_MODEL}' or see GET /v1/models",
                       "model_not_found", param="model") from None


def build_conversation(req: ChatRequest, tutor: Tutor) -> tuple[str, Conversation]:
    """The last user message is the question; earlier turns are replayed through the graph (no retrieval)
    so a follow-up like "what comes after it?" knows what "it" is, as in `tutor chat`."""
    turns = [(m.role, m.text()) for m in req.messages if m.role in ("user", "assistant")]
    if not turns or turns[-1][0] != "user":
        raise ApiError(400, "the last message must be a user message with the question", "invalid_request",
                       param="messages")
    first = turns[0][1]
    conversation = Conversation(id=req.user or hashlib.sha256(first.encode()).hexdigest()[:12])
    pending: str | None = None
    for role, text in turns[:-1]:
        if role == "user":
            ctx = tutor.retriever.analyse(text, None, conversation.focus, [])
            conversation.focus = [n for n in (ctx.target, ctx.focus) if n] or conversation.focus
            pending = text
        elif pending is not None:
            conversation.history.append((pending, text))
            pending = None
    return turns[-1][1], conversation


class Reply:
    """One chat completion: runs the answer in a worker thread and shapes it the OpenAI way."""

    def __init__(self, req: ChatRequest, metrics: Metrics, spec: BackendSpec, tracer: Any | None) -> None:
        self.req, self.metrics, self.spec, self.tracer = req, metrics, spec, tracer
        self.id = f"chatcmpl-{uuid.uuid4().hex}"
        self.created = int(time.time())

    async def run(self, ask: Callable[..., Answer], limiter: anyio.CapacityLimiter, settings: Settings,
                  **callbacks: Any) -> Answer:
        span = self.tracer.start_span(f"chat {self.req.model}") if self.tracer else None
        try:
            answer = await anyio.to_thread.run_sync(partial(ask, **callbacks), limiter=limiter)
        except TutorError as exc:
            raise self._fail(span, ApiError(400, str(exc), "invalid_request")) from None
        except Exception as exc:
            if _is_store_error(exc):
                error = ApiError(503, describe_failure(exc, settings), "store_unavailable", "service_unavailable")
            else:
                log.exception("answer failed")
                error = ApiError(500, f"internal error; the server log has the details under request id "
                                      f"{request_id.get()}", "internal_error", "server_error")
            raise self._fail(span, error) from None
        self._observe(answer, span)
        return answer

    def _fail(self, span: Any | None, error: ApiError) -> ApiError:
        if span is not None:
            from opentelemetry.trace import Status, StatusCode

            span.set_attribute("error.type", error.code)
            span.set_status(Status(StatusCode.ERROR, error.message[:200]))
            span.end()
        return error

    def _observe(self, answer: Answer, span: Any | None) -> None:
        self.metrics.observe_answer(answer, self.spec.kind)
        u = answer.usage
        log.info("answer", extra={"model": self.req.model, "backend": answer.backend,
                                  "answer_model": answer.model, "fallback": answer.fallback, "flags": answer.flags,
                                  "input_tokens": u.input_tokens, "output_tokens": u.output_tokens,
                                  "latency_ms": answer.latency_ms, "stream": self.req.stream})
        if span is not None:
            span.set_attributes({**answer.to_json()["otel"], "gen_ai.response.model": answer.model,
                                 "gen_ai.response.id": self.id, "tutor.request_id": request_id.get() or "",
                                 "tutor.fallback": answer.fallback, "tutor.flags": answer.flags,
                                 **{f"tutor.latency_ms.{k}": v for k, v in answer.latency_ms.items() if v is not None}})
            span.end()

    def usage(self, answer: Answer) -> dict[str, int]:
        u = answer.usage
        return {"prompt_tokens": u.input_tokens, "completion_tokens": u.output_tokens, "total_tokens": u.total_tokens}

    def completion(self, answer: Answer) -> dict[str, Any]:
        return {"id": self.id, "object": "chat.completion", "created": self.created, "model": self.req.model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": message_text(answer)},
                             "finish_reason": "stop", "logprobs": None}],
                "usage": self.usage(answer), "tutor": answer.to_json()}

    def _chunk(self, delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        body = {"id": self.id, "object": "chat.completion.chunk", "created": self.created, "model": self.req.model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}], **extra}
        return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

    async def stream(self, ask: Callable[..., Answer], limiter: anyio.CapacityLimiter,
                     settings: Settings) -> StreamingResponse:
        loop = asyncio.get_running_loop()
        pieces: asyncio.Queue[str] = asyncio.Queue()
        retrieved = asyncio.Event()
        task = asyncio.create_task(self.run(
            ask, limiter, settings, on_token=lambda p: loop.call_soon_threadsafe(pieces.put_nowait, p),
            on_evidence=lambda _: loop.call_soon_threadsafe(retrieved.set)))
        # Hold the 200 until retrieval worked: a dead store or a bad request still gets its real status code.
        waiter = asyncio.create_task(retrieved.wait())
        await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
        if task.done():
            task.result()  # raises the ApiError, if any
        return StreamingResponse(self._events(task, pieces), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    async def _events(self, task: asyncio.Task[Answer], pieces: asyncio.Queue[str]) -> AsyncIterator[str]:
        yield self._chunk({"role": "assistant", "content": ""})
        streamed: list[str] = []
        while not task.done():
            getter = asyncio.ensure_future(pieces.get())
            done, _ = await asyncio.wait({getter, task}, return_when=asyncio.FIRST_COMPLETED)
            if getter in done:
                streamed.append(getter.result())
                yield self._chunk({"content": streamed[-1]})
            else:
                getter.cancel()
        while not pieces.empty():  # tokens queued just before the answer finished
            streamed.append(pieces.get_nowait())
            yield self._chunk({"content": streamed[-1]})
        try:
            answer = task.result()
        except ApiError as exc:  # the status line is sent already: OpenAI clients raise on an error event
            yield f"data: {json.dumps(exc.body())}\n\n"
            yield "data: [DONE]\n\n"
            return
        full = message_text(answer)
        # A model's words went out as they came, so only notices and sources follow; an extractive or policy
        # reply, or a fallback after a failed model, is sent whole.
        tail = full[len(answer.answer):] if streamed and not answer.fallback else ("\n\n" if streamed else "") + full
        if tail:
            yield self._chunk({"content": tail})
        yield self._chunk({}, "stop", tutor=answer.to_json())
        if self.req.stream_options and self.req.stream_options.include_usage:
            yield f"data: {json.dumps({**self._base(), 'choices': [], 'usage': self.usage(answer)})}\n\n"
        yield "data: [DONE]\n\n"

    def _base(self) -> dict[str, Any]:
        return {"id": self.id, "object": "chat.completion.chunk", "created": self.created, "model": self.req.model}


def run(settings: Settings, host: str = "127.0.0.1", port: int = 8000, log_level: str = "info") -> None:
    """Start uvicorn; refuses a non-loopback bind without TUTOR_API_KEY (one line, exit 2 via the CLI)."""
    import uvicorn

    from app.logs import configure_json_logging

    api_key = os.environ.get("TUTOR_API_KEY") or None
    check_bind(host, api_key)
    configure_json_logging(log_level)
    log.info("serving", extra={"host": host, "port": port, "auth": bool(api_key), "llm": settings.llm})
    uvicorn.run(create_app(settings, api_key=api_key), host=host, port=port, log_config=None, access_log=False,
                log_level=log_level, timeout_graceful_shutdown=10)
