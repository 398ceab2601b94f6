"""Measure the question-type classifier (app.core.intent.classify) on a labeled set:

    python -m evals.intent [--file evals/labeled/intent.yaml]

prints accuracy (overall and on the rows marked "# trap"), per-label precision and recall, the confusion matrix
as a Markdown table (rows = true label, columns = predicted) and the misclassified questions. Exits 1 when a
row's label is not one of the classifier's labels.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

from app.core.intent import INTENTS, classify

LABELED = Path(__file__).resolve().parent / "labeled" / "intent.yaml"
HELDOUT = LABELED.with_name("intent-heldout.yaml")


@dataclass(frozen=True)
class Row:
    question: str
    intent: str
    trap: bool


def load(path: Path) -> list[Row]:
    """The rows of a labeled file; a row is a trap when its line ends in "# trap"."""
    text = path.read_text(encoding="utf-8")
    traps = [line.rstrip().endswith("# trap") for line in text.splitlines() if line.lstrip().startswith("- ")]
    rows = yaml.safe_load(text) or []
    if len(traps) != len(rows):  # a row spread over several lines: no trap marks rather than wrong ones
        traps = [False] * len(rows)
    out = [Row(str(r["q"]), str(r["intent"]), trap) for r, trap in zip(rows, traps, strict=True)]
    unknown = sorted({r.intent for r in out} - set(INTENTS))
    if unknown:
        raise ValueError(f"{path}: labels {unknown} are not among {list(INTENTS)}")
    return out


def accuracy(rows: list[Row]) -> float:
    return sum(classify(r.question) == r.intent for r in rows) / len(rows) if rows else 0.0


def report(rows: list[Row]) -> str:
    started = time.perf_counter()
    predicted = [classify(r.question) for r in rows]
    per_question_ms = (time.perf_counter() - started) * 1000 / max(len(rows), 1)
    pairs = Counter(zip((r.intent for r in rows), predicted, strict=True))
    right = sum(n for (t, p), n in pairs.items() if t == p)
    traps = [(r, p) for r, p in zip(rows, predicted, strict=True) if r.trap]
    lines = [f"accuracy {right / len(rows):.3f} ({right}/{len(rows)})"]
    if traps:
        trap_right = sum(r.intent == p for r, p in traps)
        lines.append(f"traps    {trap_right / len(traps):.3f} ({trap_right}/{len(traps)})")
    lines += [f"time     {per_question_ms:.3f} ms per question", "",
              "| label | precision | recall | n |", "|---|---:|---:|---:|"]
    for label in INTENTS:
        hit = pairs[(label, label)]
        said = sum(n for (_, p), n in pairs.items() if p == label)
        true = sum(n for (t, _), n in pairs.items() if t == label)
        lines.append(f"| {label} | {hit / said if said else 0:.2f} | {hit / true if true else 0:.2f} | {true} |")
    lines += ["", "| true \\ predicted | " + " | ".join(INTENTS) + " |", "|---|" + "---:|" * len(INTENTS)]
    for t in INTENTS:
        lines.append(f"| {t} | " + " | ".join(str(pairs[(t, p)] or ".") for p in INTENTS) + " |")
    wrong = [(r, p) for r, p in zip(rows, predicted, strict=True) if r.intent != p]
    lines += ["", f"misclassified ({len(wrong)}):"]
    lines += [f"- [{r.intent} -> {p}]{' (trap)' if r.trap else ''} {r.question}" for r, p in wrong]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.intent", description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=LABELED, help=f"a labeled YAML file (default {LABELED.name})")
    args = parser.parse_args(argv)
    try:
        rows = load(args.file)
    except (OSError, ValueError, yaml.YAMLError, KeyError, TypeError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(report(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
