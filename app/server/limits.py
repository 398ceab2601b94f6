"""Abuse limits of `tutor serve`: a token bucket per API key, and a bounded answer queue.

A token bucket (rather than a fixed window) lets a client send a short burst and then holds it to a steady
rate, and it knows exactly when the next request will be allowed: that is the ``Retry-After`` it answers.
The queue bounds work admitted at once (running plus waiting): past it a request is turned away in
microseconds instead of waiting minutes behind answers that are already late. Both are per process; with
several replicas each holds its own (SECURITY.md says so).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    """``rate_per_minute`` tokens per minute per key, up to ``burst`` saved; rate 0 turns the limit off."""

    def __init__(self, rate_per_minute: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate_per_minute / 60.0
        self.burst = float(burst)
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """0.0 when the request may go ahead (a token is spent), else the seconds until one is available."""
        if self.rate <= 0:
            return 0.0
        now = self.clock()
        with self._lock:
            bucket = self._buckets.setdefault(key, _Bucket(self.burst, now))
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / self.rate


def retry_after(seconds: float) -> str:
    """The Retry-After header: whole seconds, at least 1."""
    return str(max(1, math.ceil(seconds)))


class AnswerQueue:
    """At most ``workers + waiting`` answers admitted at once. Used from the event loop only."""

    def __init__(self, workers: int, waiting: int) -> None:
        self.workers, self.capacity = workers, workers + waiting
        self.admitted = 0
        self._mean_s = 1.0  # a running estimate of one answer's duration, for Retry-After

    def try_admit(self) -> bool:
        if self.admitted >= self.capacity:
            return False
        self.admitted += 1
        return True

    def release(self, seconds: float | None = None) -> None:
        self.admitted -= 1
        if seconds is not None:
            self._mean_s = 0.8 * self._mean_s + 0.2 * seconds

    def wait_estimate(self) -> float:
        """How long until a place frees up, roughly: the queue ahead divided among the workers."""
        return self._mean_s * max(1.0, (self.admitted - self.workers + 1) / self.workers)
