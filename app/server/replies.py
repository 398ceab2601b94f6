"""One chat completion of `tutor serve`: the answer runs in a worker thread and is shaped the OpenAI way,
whole or as server-sent events."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable
from functools import partial
from typing import Any

import anyio
from fastapi.responses import StreamingResponse

from app.core.tutor import Answer
from app.errors import TutorError
from app.infra.llm import BackendSpec
from app.infra.logs import request_id
from app.infra.metrics import Metrics
from app.infra.settings import Settings
from app.server.readiness import describe_failure, is_store_error
from app.server.wire import ApiError, ChatRequest, message_text

log = logging.getLogger("tutor")


class Reply:
    """One chat completion: runs the answer in a worker thread and shapes it the OpenAI way."""

    def __init__(self, req: ChatRequest, metrics: Metrics, spec: BackendSpec, tracer: Any | None,
                 client: str, on_done: Callable[[float | None], None] = lambda _: None) -> None:
        self.req, self.metrics, self.spec, self.tracer, self.client = req, metrics, spec, tracer, client
        self.on_done = on_done  # frees the answer's place in the queue, with its duration
        self.id = f"chatcmpl-{uuid.uuid4().hex}"
        self.created = int(time.time())

    async def run(self, ask: Callable[..., Answer], limiter: anyio.CapacityLimiter, settings: Settings,
                  **callbacks: Any) -> Answer:
        span = self.tracer.start_span(f"chat {self.req.model}") if self.tracer else None
        started, seconds = time.perf_counter(), None
        try:
            answer = await anyio.to_thread.run_sync(partial(ask, **callbacks), limiter=limiter)
            seconds = time.perf_counter() - started
        except TutorError as exc:
            raise self._fail(span, ApiError(400, str(exc), "invalid_request")) from None
        except Exception as exc:
            if is_store_error(exc):
                error = ApiError(503, describe_failure(exc, settings), "store_unavailable", "service_unavailable")
            else:
                log.exception("answer failed")
                error = ApiError(500, f"internal error; the server log has the details under request id "
                                      f"{request_id.get()}", "internal_error", "server_error")
            raise self._fail(span, error) from None
        finally:
            self.on_done(seconds)
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
        self.metrics.observe_answer(answer, self.spec.kind, self.client)
        u = answer.usage
        log.info("answer", extra={"model": self.req.model, "backend": answer.backend, "client": self.client,
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
        # (the key lines quoted after a model's answer are part of that tail)
        tail = full[len(answer.body):] if streamed and not answer.fallback else ("\n\n" if streamed else "") + full
        if tail:
            yield self._chunk({"content": tail})
        yield self._chunk({}, "stop", tutor=answer.to_json())
        if self.req.stream_options and self.req.stream_options.include_usage:
            yield f"data: {json.dumps({**self._base(), 'choices': [], 'usage': self.usage(answer)})}\n\n"
        yield "data: [DONE]\n\n"

    def _base(self) -> dict[str, Any]:
        return {"id": self.id, "object": "chat.completion.chunk", "created": self.created, "model": self.req.model}
