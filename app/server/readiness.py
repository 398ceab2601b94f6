"""Readiness of `tutor serve`: the one Tutor of the process, loaded in the background, and the checks behind
/readyz. While it cannot load, /healthz still answers and /readyz says why with a 503 and tries again."""

from __future__ import annotations

import asyncio
import logging
import time
from contextlib import suppress
from typing import Any

import anyio

from app.core.tutor import Tutor
from app.errors import TutorError
from app.infra.llm import BackendSpec
from app.infra.metrics import Metrics
from app.infra.settings import Settings

log = logging.getLogger("tutor")
READY_WAIT_S = 5.0  # how long a probe waits for a (re)load before answering 503 "loading"
STORE_CHECK_S = 5.0


def describe_failure(exc: BaseException, settings: Settings) -> str:
    """One sentence for /readyz, the chat error and the log."""
    if isinstance(exc, TutorError):
        return str(exc)
    if is_store_error(exc):
        return (f"the Chroma server at {settings.chroma_location} is unreachable ({_short(exc)}); "
                "start it (`chroma run`) or fix TUTOR_CHROMA")
    return f"{type(exc).__name__}: {_short(exc)}"


def is_store_error(exc: BaseException) -> bool:
    import httpx
    from chromadb.errors import ChromaError

    return isinstance(exc, (httpx.HTTPError, ChromaError, ConnectionError))


def _short(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


# --- the loaded tutor -----------------------------------------------------------------------------------

class TutorState:
    """The one Tutor of this process, loaded in the background and reloaded on demand until it works."""

    def __init__(self, settings: Settings, metrics: Metrics, default: BackendSpec) -> None:
        self.settings, self.metrics, self.default = settings, metrics, default
        self.tutor: Tutor | None = None
        self.reason = "loading the index, graph and backend"
        self._loading: asyncio.Task[None] | None = None

    def _load_sync(self) -> Tutor:
        tutor = Tutor(self.settings)
        if self.default.kind != "extractive":  # ready means the default backend can answer, not only that it parses
            tutor.warm(self.default)
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
                                        "llm": self.default.label, "chroma": self.settings.chroma_location})

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
        return True, {"status": "ready", "chunks": count, "llm": self.default.label,
                      "chroma": self.settings.chroma_location}
