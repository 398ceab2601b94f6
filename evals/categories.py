"""Per-category quality of an eval run, as a Markdown table: ``python -m evals.categories RUN [RUN_BEFORE]``.

RUN is a run folder or its run.json (``tutor eval`` prints where it saved it). With a second run, each cell shows
``before → after``: how the learner dataset's tables in evals/README.md are made.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

METRICS = ("correctness", "retrieval.hit@k", "retrieval.recall@k", "behaviour")


def load(path: str) -> dict[str, Any]:
    p = Path(path)
    return dict(json.loads((p / "run.json" if p.is_dir() else p).read_text(encoding="utf-8")))


def table(run: dict[str, Any]) -> dict[str, dict[str, float | int]]:
    """category → metric → mean over the cases that have it (and ``n``, the number of cases)."""
    values: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for case in run["cases"]:
        for metric in METRICS:
            score = case["scores"].get(metric)
            if score is not None:
                values[case["category"]][metric].append(float(score["value"]))
        values[case["category"]]["n"].append(1.0)
    out: dict[str, dict[str, float | int]] = {}
    for category, metrics in values.items():
        out[category] = {m: sum(v) / len(v) for m, v in metrics.items() if m != "n"}
        out[category]["n"] = len(metrics["n"])
    return out


def markdown(after: dict[str, Any], before: dict[str, Any] | None = None) -> str:
    now, then = table(after), table(before) if before else {}
    rows = ["| category | n | " + " | ".join(METRICS) + " |", "|---|---:|" + "---:|" * len(METRICS)]
    for category in sorted(now):
        cells = []
        for metric in METRICS:
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
    if not 1 <= len(args) <= 2:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    print(markdown(load(args[0]), load(args[1]) if len(args) == 2 else None))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
