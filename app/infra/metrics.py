"""Prometheus metrics for the server, named the Prometheus way (base units: seconds; counters end in _total).

Each server app gets its own registry, so several apps in one process (tests, replicas) never collide and
/metrics shows only the tutor's own series.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from app.infra.usage import STAGES

# The *_created series double the exposition and no dashboard here uses them.
disable_created_metrics()

# Extractive answers take milliseconds, a local model tens of seconds: buckets span both.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120)

METRIC_NAMES = (
    "tutor_http_requests_total", "tutor_http_request_duration_seconds", "tutor_stage_duration_seconds",
    "tutor_answers_total", "tutor_tokens_total", "tutor_errors_total", "tutor_fallbacks_total",
    "tutor_index_chunks", "tutor_ready", "tutor_inflight_requests", "tutor_client_requests_total",
    "tutor_client_tokens_total", "tutor_rejected_requests_total", "tutor_answer_queue",
)


class Metrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter("tutor_http_requests", "HTTP requests by route, method and status.",
                                ["route", "method", "status"], registry=r)
        self.request_seconds = Histogram("tutor_http_request_duration_seconds",
                                         "HTTP request latency (for streams: until the last byte).",
                                         ["route", "method"], buckets=LATENCY_BUCKETS, registry=r)
        self.stage_seconds = Histogram("tutor_stage_duration_seconds",
                                       "Per-stage answer latency: embed, retrieve, graph, generate, ttft, total.",
                                       ["stage"], buckets=LATENCY_BUCKETS, registry=r)
        self.answers = Counter("tutor_answers", "Answers by the backend and model that produced them.",
                               ["backend", "model"], registry=r)
        self.tokens = Counter("tutor_tokens", "Tokens by direction (input, output) and model.",
                              ["direction", "model"], registry=r)
        self.errors = Counter("tutor_errors", "Failed requests by kind.", ["kind"], registry=r)
        self.fallbacks = Counter("tutor_fallbacks",
                                 "Answers where a generative backend failed and the extractive one answered.",
                                 ["backend"], registry=r)
        self.index_chunks = Gauge("tutor_index_chunks", "Chunks in the vector index (at the last check).",
                                  registry=r)
        self.ready = Gauge("tutor_ready", "1 when index, graph and backend are loaded and the store answers.",
                           registry=r)
        self.inflight = Gauge("tutor_inflight_requests", "Requests being handled now.", registry=r)
        # Per API key name (bounded: the operator's keys, plus "anonymous" on an open loopback server).
        self.client_requests = Counter("tutor_client_requests", "Chat requests by API key name and status.",
                                       ["client", "status"], registry=r)
        self.client_tokens = Counter("tutor_client_tokens", "Tokens by API key name and direction, for cost "
                                     "attribution.", ["client", "direction"], registry=r)
        self.rejected = Counter("tutor_rejected_requests", "Requests turned away by a limit: rate_limited, "
                                "queue_full, body_too_large, too_many_messages.", ["reason"], registry=r)
        self.answer_queue = Gauge("tutor_answer_queue", "Answers admitted and not finished (running + waiting).",
                                  registry=r)
        self.feedback = Counter("tutor_feedback", "Learner ratings received through POST /v1/feedback (up, down).",
                                ["rating"], registry=r)

    def observe_answer(self, answer: Any, requested_kind: str, client: str = "anonymous") -> None:
        self.client_tokens.labels(client, "input").inc(answer.usage.input_tokens)
        self.client_tokens.labels(client, "output").inc(answer.usage.output_tokens)
        for stage in STAGES:
            ms = answer.latency_ms.get(stage)
            if ms is not None:
                self.stage_seconds.labels(stage).observe(ms / 1000)
        self.answers.labels(answer.backend, answer.model).inc()
        self.tokens.labels("input", answer.model).inc(answer.usage.input_tokens)
        self.tokens.labels("output", answer.model).inc(answer.usage.output_tokens)
        if answer.fallback:
            self.fallbacks.labels(requested_kind).inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
