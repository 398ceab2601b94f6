"""Load: 200 concurrent chat completions against `tutor serve` (extractive backend) on loopback.

Runs the load test of the test suite (tests/server/test_server.py::test_200_concurrent_requests) and records
the figures it writes to TUTOR_LOAD_RESULT."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from common import record, table

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    out = Path(tempfile.mkdtemp(prefix="bench-load-")) / "load.json"
    env = dict(os.environ, TUTOR_LOAD_RESULT=str(out))
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                    "tests/server/test_server.py::test_200_concurrent_requests"], cwd=ROOT, env=env, check=True)
    r = json.loads(out.read_text())
    body = table(["requests", "concurrency", "errors", "p50 s", "p95 s", "max s", "wall s", "requests/s"],
                 [[r["requests"], r["concurrency"], r["errors"], r["p50_s"], r["p95_s"], r["max_s"], r["wall_s"],
                   r["rps"]]])
    record("Load: 200 concurrent requests to tutor serve (extractive)", body,
           "All 200 requests are sent at once; the server answers them through 16 worker threads, so latency is "
           "queueing: p95 is about requests / throughput. Throughput is the figure to watch.")


if __name__ == "__main__":
    main()
