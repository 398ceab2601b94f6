"""Usage of one answer: tokens, cost and per-stage latency, named after the OpenTelemetry GenAI
conventions (gen_ai.usage.input_tokens, gen_ai.request.model, ...) where one exists."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

PRICES_FILE = Path(__file__).parent / "data" / "prices.yaml"
# The latency stages of one answer, in order: every record (turn log, metrics, UI, OTel) uses this list.
STAGES = ("embed", "retrieve", "graph", "generate", "ttft", "total")
RETRIEVAL_STAGES = STAGES[:3]  # measured inside retrieval


@dataclass
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    source: str = "tiktoken"  # provider | tokenizer | tiktoken
    cost_usd: float = 0.0
    priced: bool = True

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    def as_dict(self) -> dict[str, Any]:
        return {"input_tokens": self.input_tokens, "output_tokens": self.output_tokens,
                "total_tokens": self.total_tokens, "cost_usd": round(self.cost_usd, 8), "source": self.source}


@dataclass
class Timings:
    """Milliseconds per stage; ``stage()`` times a block, ``mark_first_token()`` records TTFT."""

    started: float = field(default_factory=time.perf_counter)
    ms: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.ms[name] = self.ms.get(name, 0.0) + (time.perf_counter() - t0) * 1000

    def mark_first_token(self) -> None:
        if "ttft" not in self.ms:
            self.ms["ttft"] = (time.perf_counter() - self.started) * 1000

    def finish(self) -> dict[str, float | None]:
        self.ms["total"] = (time.perf_counter() - self.started) * 1000
        return {s: (round(self.ms[s], 2) if s in self.ms else None) for s in STAGES}


@lru_cache(maxsize=1)
def _prices() -> dict[str, Any]:
    return dict(yaml.safe_load(PRICES_FILE.read_text(encoding="utf-8")))


def estimate_cost(backend: str, model: str, usage: Usage) -> Usage:
    table = _prices()
    if backend in table.get("free_backends", []):
        usage.cost_usd, usage.priced = 0.0, True
        return usage
    price = table["models"].get(model)
    if price is None:
        # Longest known prefix: dated snapshots like gpt-4o-mini-2024-07-18 cost what their family costs.
        matches = [m for m in table["models"] if model.startswith(m)]
        price = table["models"][max(matches, key=len)] if matches else None
    if price is None:
        usage.cost_usd, usage.priced = 0.0, False
        return usage
    usage.cost_usd = (usage.input_tokens * price["input"] + usage.output_tokens * price["output"]) / 1e6
    usage.priced = True
    return usage


def otel_attributes(backend: str, model: str, usage: Usage, prompt_ref: str) -> dict[str, Any]:
    """The same facts under OpenTelemetry GenAI attribute names, for tracing tools."""
    return {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": backend,
        "gen_ai.request.model": model,
        "gen_ai.usage.input_tokens": usage.input_tokens,
        "gen_ai.usage.output_tokens": usage.output_tokens,
        "gen_ai.prompt.name": prompt_ref,
    }
