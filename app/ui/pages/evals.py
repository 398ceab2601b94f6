"""Evals: promote rated answers to eval cases, run `tutor eval` for chosen prompt versions and backends, and read
past runs side by side.

The eval suite lives beside app/ (app never imports it): the page runs the `tutor eval` and `tutor eval promote`
commands in a subprocess, follows their progress lines, and reads the reports saved under <data dir>/evals/runs/.
Promoted cases go to <data dir>/evals/datasets/from-feedback.yaml, which `tutor eval` runs with the rest."""

import json
import re
import subprocess
import sys
from pathlib import Path

import streamlit as st

from app.core.prompts import PromptRegistry
from app.infra.settings import PROJECT_ROOT
from app.infra.turnlog import TurnLog, retrieved_documents
from app.ui import state

st.title("Evals")
cfg = state.settings()
runs_root = cfg.data_dir / "evals" / "runs"
TUTOR = str(Path(sys.executable).parent / "tutor")
_PROGRESS = re.compile(r"^eval (\d+)/(\d+): (.*)$")
promoted_root = cfg.data_dir / "evals" / "datasets"


rated = sorted(TurnLog(cfg.state_database).feedback(), key=lambda r: (r["promoted_case"] is not None, r["rating"]))
with st.expander(f"Promote rated answers to eval cases ({sum(r['promoted_case'] is None for r in rated)} to review)",
                 expanded=any(r["rating"] < 0 and r["promoted_case"] is None for r in rated)):
    if not rated:
        st.info("No rated answers yet: learners rate answers with the thumbs in Chat, :up / :down in `tutor chat`, "
                "or POST /v1/feedback on `tutor serve`.")
    else:
        turn = st.selectbox("Rated answer", rated, format_func=lambda r: (
            f"{'👎' if r['rating'] < 0 else '👍'} {r['question'][:80]}"
            + (f"  → {r['promoted_case']}" if r["promoted_case"] else "")), key="promote_turn")
        st.markdown(f"**Question:** {turn['question']}")
        st.markdown(f"**Rated answer** ({turn['prompt_name']}@{turn['prompt_version']}, {turn['backend']}):")
        st.text(turn["answer"])
        if turn["feedback_comment"]:
            st.markdown(f"**Learner's comment:** {turn['feedback_comment']}")
        with st.form(f"promote-{turn['uid']}"):
            facts = st.text_area("Facts a right answer must hold: one per line, alternatives separated by |",
                                 key=f"facts-{turn['uid']}", placeholder="Cloud | cloud platform\nKubernetes")
            sources = st.text_area("Documents that should have been retrieved (the retrieval gold), one per line",
                                   value="\n".join(retrieved_documents(turn)), key=f"sources-{turn['uid']}",
                                   help="Prefilled with what this answer was given; edit it to what it should "
                                        "have been.")
            behaviour = st.selectbox("The tutor should have", ["answer", "decline", "refuse"],
                                     key=f"behaviour-{turn['uid']}")
            replace = st.checkbox("Replace the case if it was promoted before", value=bool(turn["promoted_case"]))
            promote = st.form_submit_button("Promote to from-feedback", type="primary")
        if promote:
            args = [TUTOR, "eval", "promote", turn["uid"], "--behaviour", behaviour]
            args += [a for f in facts.splitlines() if f.strip() for a in ("--fact", f.strip())]
            args += [a for d in sources.splitlines() if d.strip() for a in ("--source", d.strip())]
            if not any(d.strip() for d in sources.splitlines()):
                args += ["--source", ""]  # no gold: say so rather than fall back to what was retrieved
            if replace:
                args.append("--replace")
            promoted = subprocess.run(args, capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=120)
            if promoted.returncode == 0:
                st.success(promoted.stdout.strip().splitlines()[0])
                st.caption("Run it below with the from-feedback dataset, or `tutor eval -d from-feedback`.")
            else:
                st.error((promoted.stderr.strip() or promoted.stdout.strip()).removeprefix("error: "))

with st.form("run_eval"):
    st.subheader("Run an eval")
    refs = [p.ref for p in PromptRegistry().all()]
    prompts = st.multiselect("Prompt versions", refs, default=[r for r in refs if r in ("answer@1", "answer@2")])
    backends = st.multiselect("Backends", state.backends(),
                              default=["extractive"], help="Local models take 10-40 s per case on 2 cores.")
    names = sorted(p.stem for root in (PROJECT_ROOT / "evals" / "datasets", promoted_root) for p in root.glob("*.yaml"))
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
    tracked = json.loads(chosen.read_text(encoding="utf-8")).get("mlflow")
    if tracked:  # `tutor eval --mlflow`: one MLflow run per prompt × backend
        links = [f"[{r['prompt']} · {r['llm']}]({r['url']})" if r.get("url") else f"{r['prompt']} · {r['llm']}: "
                 f"`{r['run_id']}`" for r in tracked.get("runs", [])]
        st.markdown(f"**MLflow** ({tracked['tracking_uri']}, experiment {tracked['experiment_name']}): "
                    + (", ".join(links) or "no runs"))
        if tracked.get("error"):
            st.warning(f"MLflow logging failed: {tracked['error']}")
    report = chosen.parent / "report.md"
    if report.exists():
        st.markdown(report.read_text(encoding="utf-8"))
    st.caption(f"JSON, Markdown and a self-contained HTML report: {chosen.parent}")
