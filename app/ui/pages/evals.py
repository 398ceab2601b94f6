"""Evals: run `tutor eval` for chosen prompt versions and backends, and read past runs side by side.

The eval suite lives beside app/ (app never imports it): the page runs the `tutor eval` command in a
subprocess, follows its progress lines, and reads the reports it saves under <data dir>/evals/runs/."""

import json
import re
import subprocess
import sys
from pathlib import Path

import streamlit as st

from app.core.prompts import PromptRegistry
from app.infra.settings import PROJECT_ROOT
from app.ui import state

st.title("Evals")
cfg = state.settings()
runs_root = cfg.data_dir / "evals" / "runs"
TUTOR = str(Path(sys.executable).parent / "tutor")
_PROGRESS = re.compile(r"^eval (\d+)/(\d+): (.*)$")

with st.form("run_eval"):
    st.subheader("Run an eval")
    refs = [p.ref for p in PromptRegistry().all()]
    prompts = st.multiselect("Prompt versions", refs, default=[r for r in refs if r in ("answer@1", "answer@2")])
    backends = st.multiselect("Backends", state.backends(),
                              default=["extractive"], help="Local models take 10-40 s per case on 2 cores.")
    names = sorted(p.stem for p in (PROJECT_ROOT / "evals" / "datasets").glob("*.yaml"))
    datasets = st.multiselect("Datasets", names, default=names)
    limit = st.number_input("At most N cases per dataset (0 = all)", min_value=0, value=0, step=1)
    submitted = st.form_submit_button("Run eval", type="primary")

if submitted:
    if not prompts or not backends or not datasets:
        st.error("Choose at least one prompt version, one backend and one dataset.")
    else:
        args = [TUTOR, "eval", *[a for p in prompts for a in ("--prompt", p)],
                *[a for b in backends for a in ("--llm", b)], *[a for d in datasets for a in ("--dataset", d)]]
        if limit:
            args += ["--limit", str(int(limit))]
        bar = st.progress(0.0, text="Loading the tutor and the datasets…")
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=PROJECT_ROOT)
        tail: list[str] = []
        assert proc.stderr is not None
        for line in proc.stderr:
            match = _PROGRESS.match(line.strip())
            if match:
                done, total = int(match.group(1)), int(match.group(2))
                bar.progress(done / max(total, 1), text=f"{done}/{total} · {match.group(3)}")
            else:
                tail.append(line.rstrip())
        stdout = proc.stdout.read() if proc.stdout else ""
        code = proc.wait()
        bar.progress(1.0, text="Done")
        if code == 0:
            st.success("Every threshold passed.")
        elif code == 1:
            st.warning("A threshold failed: see the report below.")
        else:
            st.error("The eval could not run: " + (" ".join(tail[-3:]) or stdout[-300:]))

st.subheader("Runs")
runs = sorted((p for p in runs_root.glob("*/run.json")), key=lambda p: p.stat().st_mtime, reverse=True)
if not runs:
    st.info("No eval runs yet. Run one above, or `tutor eval` in a terminal.")
else:
    def describe(path: Path) -> str:
        run = json.loads(path.read_text(encoding="utf-8"))
        verdict = "pass" if run.get("passed") else "FAIL"
        return f"{path.parent.name} · {verdict}"

    chosen = st.selectbox("Run", runs, format_func=describe)
    report = chosen.parent / "report.md"
    if report.exists():
        st.markdown(report.read_text(encoding="utf-8"))
    st.caption(f"JSON, Markdown and a self-contained HTML report: {chosen.parent}")
