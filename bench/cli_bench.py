"""`tutor ask --llm extractive` as a user runs it: one whole process per question, timed from the outside.

Both query embedders in the same run, alternated so that other load on the machine hits both alike:
sentence-transformers (``TUTOR_EMBEDDER=torch``, the path before the ONNX embedder) and ONNX Runtime (the
default). Every run must print the same answer and sources. "Cold" means a new process each time; the OS
page cache is warm (one untimed run of each first). One ``-X importtime`` run per path shows where the
import time goes, by top-level package (self time summed).

    .venv/bin/python bench/cli_bench.py [--runs 9] [--question "What is DNS?"] [--before REV]

``--before REV`` adds a third path: the code at git revision REV (checked out into a temporary worktree and run
with this virtualenv), so a change to the whole command, not only the embedder, is measured in the same run.

Uses ``TUTOR_DATA_DIR`` when set (an ingested index); otherwise builds one with `tutor ingest` in a temp dir.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import percentile, record, table  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TUTOR = str(Path(sys.executable).parent / "tutor")
PATHS = {"torch": "sentence-transformers (before)", "auto": "ONNX Runtime (after)"}
FALLBACK_WARNING = "ONNX embedder not used"
TARGET_S = 3.0


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_ask(question: str, env: dict[str, str],
            python_flags: list[str] | None = None) -> tuple[float, float, str, str]:
    """Wall seconds, CPU seconds (user + sys: less sensitive to other load), stdout, stderr."""
    # a worktree of an older revision is found through PYTHONPATH, so it runs as a module rather than the script
    cmd = [sys.executable, *(python_flags or []), "-m", "app.cli"] if python_flags or env.get("PYTHONPATH") \
        else [TUTOR]
    cpu0, t0 = _children_cpu(), time.perf_counter()
    # an older revision runs from its own tree: `python -m` puts the working directory first on sys.path
    cwd = env.get("PYTHONPATH") or ROOT
    proc = subprocess.run([*cmd, "ask", "--llm", "extractive", question], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=600)
    wall, cpu = time.perf_counter() - t0, _children_cpu() - cpu0
    if proc.returncode != 0:
        raise SystemExit(f"tutor ask failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return wall, cpu, proc.stdout, proc.stderr


def import_breakdown(stderr: str) -> dict[str, float]:
    """Milliseconds of import self time per top-level package, from ``-X importtime`` output."""
    out: dict[str, float] = defaultdict(float)
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _, name = line.split(":", 1)[1].split("|")
        out[name.strip().split(".")[0]] += int(self_us) / 1000
    return dict(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=9, help="timed runs per path (at least 7)")
    parser.add_argument("--question", default="What is DNS?")
    parser.add_argument("--before", metavar="REV", help="also time the code at this git revision")
    args = parser.parse_args()
    runs = max(7, args.runs)
    paths = dict(PATHS)

    base_env = {k: v for k, v in os.environ.items() if k != "TUTOR_EMBEDDER"}
    base_env["TUTOR_LLM"] = "extractive"
    work = None
    if not base_env.get("TUTOR_DATA_DIR"):
        work = Path(tempfile.mkdtemp(prefix="bench-cli-"))
        base_env["TUTOR_DATA_DIR"] = str(work / "data")
        print(f"building an index in {work} with `tutor ingest` ...", flush=True)
        subprocess.run([TUTOR, "ingest"], env=base_env, cwd=ROOT, check=True, capture_output=True)
    # the ONNX file must exist before timing (make install exports it; this is a no-op then)
    subprocess.run([sys.executable, "-m", "app.infra.embed_onnx"], env=base_env, cwd=ROOT, check=True)
    envs = {path: {**base_env, "TUTOR_EMBEDDER": path} for path in PATHS}
    old = None
    if args.before:
        old = Path(tempfile.mkdtemp(prefix="bench-cli-before-")) / "tree"
        subprocess.run(["git", "worktree", "add", "--detach", str(old), args.before], cwd=ROOT, check=True,
                       capture_output=True)
        paths = {"before": f"main at {args.before[:10]} (before)", **PATHS}
        envs["before"] = {**base_env, "PYTHONPATH": str(old)}

    load_before = os.getloadavg()
    answers: dict[str, set[str]] = {path: set() for path in paths}
    walls: dict[str, list[float]] = {path: [] for path in paths}
    cpus: dict[str, list[float]] = {path: [] for path in paths}
    for path in paths:  # untimed: page cache
        run_ask(args.question, envs[path])
    for i in range(runs):
        for path in (list(paths) if i % 2 == 0 else list(reversed(paths))):
            wall, cpu, stdout, stderr = run_ask(args.question, envs[path])
            if FALLBACK_WARNING in stderr:
                raise SystemExit(f"the {path} run did not use the embedder it was asked for:\n{stderr[-1000:]}")
            walls[path].append(wall)
            cpus[path].append(cpu)
            answers[path].add(stdout)
            print(f"run {i + 1}/{runs} {path:5} {wall:6.2f} s wall {cpu:6.2f} s CPU", flush=True)
    imports = {path: import_breakdown(run_ask(args.question, envs[path], ["-X", "importtime"])[3]) for path in paths}
    load_after = os.getloadavg()

    all_answers = set().union(*answers.values())
    same = len(all_answers) == 1
    rows = []
    for path, label in paths.items():
        w = walls[path]
        rows.append([label, len(w), f"{percentile(w, 50):.2f}", f"{percentile(w, 90):.2f}", f"{min(w):.2f}",
                     f"{max(w):.2f}", f"{percentile(cpus[path], 50):.2f}",
                     f"{sum(imports[path].values()) / 1000:.2f}"])
    body = table(["query embedder", "runs", "median s", "p90 s", "min s", "max s", "median CPU s",
                  "imports s (1 run)"], rows)
    baseline = "before" if "before" in paths else "torch"
    speedup = percentile(walls[baseline], 50) / percentile(walls["auto"], 50)
    top = sorted(set(imports["torch"]) | set(imports["auto"]), key=lambda p: -imports["torch"].get(p, 0))[:14]
    body += "\n\n" + table(["package (import self time)", "before ms", "after ms"],
                           [[p, f"{imports['torch'].get(p, 0):.0f}", f"{imports['auto'].get(p, 0):.0f}"]
                            for p in top])
    notes = (f"`tutor ask --llm extractive \"{args.question}\"`, a new process per run (page cache warm), the "
             f"paths alternated. Same answer and sources printed by all {len(paths) * runs} runs: "
             f"{'yes' if same else 'NO'}. Median speed-up over {paths[baseline]}: {speedup:.1f}x. "
             f"Load average before/after: "
             f"{load_before[0]:.1f}/{load_after[0]:.1f} (other work shares the 2 cores: treat as upper bounds). "
             f"Target: ONNX median <= {TARGET_S:.0f} s "
             f"({'met' if percentile(walls['auto'], 50) <= TARGET_S else 'NOT met'} in this run).")
    record("CLI: whole-process `tutor ask`, before and after", body, notes)
    if work:
        shutil.rmtree(work, ignore_errors=True)
    if old:
        subprocess.run(["git", "worktree", "remove", "--force", str(old)], cwd=ROOT, capture_output=True)
    if not same:
        for path in paths:
            for text in answers[path]:
                print(f"--- {path}:\n{text}", file=sys.stderr)
        raise SystemExit("the two paths printed different answers")


if __name__ == "__main__":
    main()
