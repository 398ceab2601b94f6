"""Per-category quality of an eval run, as a Markdown table: ``python -m evals.categories RUN [RUN_BEFORE]``.

RUN is a run folder, its run.json, or a run id under the data dir's evals/runs (``tutor eval`` prints where it
saved it). With a second run, each cell shows ``before → after``: how the learner dataset's tables in
evals/README.md are made. ``--metrics a,b`` picks other columns (e.g. groundedness,citations.coverage).
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

METRICS = ("correctness", "retrieval.hit@k", "retrieval.recall@k", "behaviour")


class RunNotFound(Exception):
    pass


def load(path: str) -> dict[str, Any]:
    p = Path(path)
    if not p.exists():
        from app.infra.settings import Settings
        from evals.report import runs_dir

        p = runs_dir(Settings()) / path
    p = p / "run.json" if p.is_dir() else p
    try:
        return dict(json.loads(p.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        raise RunNotFound(f"no eval run at {path} ({type(exc).__name__}): give a run folder, its run.json or a "
                          "run id from `tutor eval` or the Evals page") from None


def table(run: dict[str, Any], metrics: tuple[str, ...] = METRICS) -> dict[str, dict[str, float | int]]:
    """category → metric → mean over the cases that have it (and ``n``, the number of cases)."""
    values: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for case in run["cases"]:
        for metric in metrics:
            score = case["scores"].get(metric)
            if score is not None:
                values[case["category"]][metric].append(float(score["value"]))
        values[case["category"]]["n"].append(1.0)
    out: dict[str, dict[str, float | int]] = {}
    for category, found in values.items():
        out[category] = {m: sum(v) / len(v) for m, v in found.items() if m != "n"}
        out[category]["n"] = len(found["n"])
    return out


def markdown(after: dict[str, Any], before: dict[str, Any] | None = None,
             metrics: tuple[str, ...] = METRICS) -> str:
    now, then = table(after, metrics), table(before, metrics) if before else {}
    rows = ["| category | n | " + " | ".join(metrics) + " |", "|---|---:|" + "---:|" * len(metrics)]
    for category in sorted(now):
        cells = []
        for metric in metrics:
            a = now[category].get(metric)
            b = then.get(category, {}).get(metric)
            if a is None:
                cells.append("–")
            else:
                cells.append(f"{b:.2f} → {a:.2f}" if b is not None else f"{a:.2f}")
        rows.append(f"| {category} | {now[category]['n']} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    metrics: tuple[str, ...] = METRICS
    if "--metrics" in args:
        at = args.index("--metrics")
        metrics = tuple(m for m in (args[at + 1] if at + 1 < len(args) else "").split(",") if m) or METRICS
        args = args[:at] + args[at + 2:]
    if not 1 <= len(args) <= 2:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    try:
        print(markdown(load(args[0]), load(args[1]) if len(args) == 2 else None, metrics))
    except RunNotFound as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
