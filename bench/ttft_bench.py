"""Time to first token of the embedded model through the whole tutor (`Tutor.ask`), now and at an older revision,
in one run: did moving the backends onto LangChain chat models cost anything?

Each side runs in its own process (the older code from a temporary git worktree on PYTHONPATH), loads the model
with one untimed question, then answers the same questions; the sides alternate so that other load on the
machine hits both alike. Every answer comes from the model (a fallback aborts the run).

    .venv/bin/python bench/ttft_bench.py --before REV [--model local:qwen2.5-coder-0.5b] [--rounds 2]

Needs an ingested index (TUTOR_DATA_DIR, or the default data dir).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import percentile, record, table  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ["What is Docker used for?", "Why does Git matter for AI systems?", "What is a Kubernetes pod?",
             "What does monitoring cover for AI services?"]
# Runs inside each side's process: the same public API at both revisions (Settings, Tutor.ask, latency_ms).
PROBE = """
import json, sys
try:
    from app.infra.settings import Settings
    from app.core.tutor import Tutor
except ImportError:  # the layout before app/core and app/infra
    from app.settings import Settings
    from app.tutor import Tutor
spec, questions = sys.argv[1], json.loads(sys.argv[2])
tutor = Tutor(Settings(), record_turns=False)
tutor.ask("What is Linux used for?", llm=spec)  # loads the model; untimed
out = []
for q in questions:
    a = tutor.ask(q, llm=spec)
    if a.fallback:
        raise SystemExit("fallback: " + "; ".join(a.notices))
    out.append({"ttft": a.latency_ms["ttft"], "total": a.latency_ms["total"], "prompt": a.usage.input_tokens})
print(json.dumps(out))
"""


def side(env: dict[str, str], spec: str) -> list[dict[str, float]]:
    # each side runs from its own tree: `python -c` puts the working directory first on sys.path
    proc = subprocess.run([sys.executable, "-c", PROBE, spec, json.dumps(QUESTIONS)], capture_output=True, text=True,
                          env=env, cwd=env["PYTHONPATH"], timeout=1800)
    if proc.returncode != 0:
        raise SystemExit(f"probe failed:\n{proc.stderr[-2000:]}")
    return list(json.loads(proc.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", required=True, metavar="REV")
    parser.add_argument("--model", default="local:qwen2.5-coder-0.5b")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    old = Path(tempfile.mkdtemp(prefix="bench-ttft-")) / "tree"
    subprocess.run(["git", "worktree", "add", "--detach", str(old), args.before], cwd=ROOT, check=True,
                   capture_output=True)
    base = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    envs = {"before": {**base, "PYTHONPATH": str(old)}, "after": {**base, "PYTHONPATH": str(ROOT)}}
    results: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
    try:
        for r in range(args.rounds):
            for name in (("before", "after") if r % 2 == 0 else ("after", "before")):
                got = side(envs[name], args.model)
                results[name] += got
                print(f"round {r + 1} {name}: ttft " + ", ".join(f"{g['ttft'] / 1000:.2f}" for g in got), flush=True)
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(old)], cwd=ROOT, capture_output=True)
    rows = []
    for name, label in (("before", f"{args.before[:10]}: hand-written llama.cpp backend"),
                        ("after", "LangChain chat model (LlamaCppChat)")):
        ttft = [g["ttft"] / 1000 for g in results[name]]
        rows.append([label, len(ttft), f"{statistics.median(ttft):.2f}", f"{percentile(ttft, 95):.2f}",
                     f"{statistics.median(g['total'] / 1000 for g in results[name]):.2f}",
                     f"{statistics.mean(g['prompt'] for g in results[name]):.0f}"])
    ratio = statistics.median(g["ttft"] for g in results["after"]) / statistics.median(
        g["ttft"] for g in results["before"])
    body = table(["backend", "answers", "TTFT median s", "TTFT p95 s", "total median s", "prompt tokens"], rows)
    record(f"Time to first token, {args.model}, before and after the LangChain backends", body,
           f"{len(QUESTIONS)} questions x {args.rounds} rounds per side, sides alternated, model warm. "
           f"TTFT after / before = {ratio:.2f} (1.00 = no change). Load average now: {os.getloadavg()[0]:.1f}.")


if __name__ == "__main__":
    main()
