"""Labs: pick a hands-on lab, read the task, start it (a folder on this machine), do it in your own terminal or
editor, then check it here. Checks only read your folder; each result counts toward its roadmap nodes."""

import streamlit as st

from app.core.labs import check, lab_dir, load_labs, next_hint, start, statuses
from app.errors import TutorError
from app.ui import state

st.title("Labs")
st.caption("Do the task in your own terminal or editor; the tutor checks the result on this machine, offline, "
           "and never changes your files.")
cfg = state.settings()
try:
    labs = load_labs()
except TutorError as exc:
    st.error(str(exc))
    st.stop()
by_id = {lab.id: lab for lab in labs}
status = statuses(labs, cfg)
MARK = {"passed": "✅", "started": "🟡", "not started": "⚪"}

left, right = st.columns([3, 1])
with right:
    st.subheader("Status")
    st.dataframe([{"lab": lab.id, "topic": lab.topic, "status": status[lab.id]} for lab in labs], hide_index=True,
                 width="stretch", height=420)
    st.caption(f"{sum(s == 'passed' for s in status.values())} of {len(labs)} passed.")

with left:
    lab_id = st.selectbox("Lab", list(by_id), key="lab_choice",
                          format_func=lambda i: f"{MARK[status[i]]} {by_id[i].topic} · {by_id[i].title}")
    lab = by_id[lab_id]
    st.caption(f"Checked as: {lab.kind} · exercises {', '.join(lab.nodes)} · status: {status[lab.id]}")
    st.markdown(lab.task)
    reset = st.checkbox("Start over (deletes your work in the lab's folder)", key=f"reset_{lab.id}") \
        if status[lab.id] != "not started" else False
    c_start, c_check, c_hint = st.columns(3)
    if c_start.button("Start", key="lab_start", type="primary" if status[lab.id] == "not started" else "secondary"):
        try:
            start(lab, cfg, reset=reset)
            st.success(f"Started: your folder is ready. Work on {lab.answer} there, then press Check.")
        except TutorError as exc:
            st.error(str(exc))
    if c_check.button("Check", key="lab_check"):
        try:
            result = check(lab, cfg)
        except TutorError as exc:
            st.error(str(exc))
        else:
            if result.passed:
                st.success(f"passed: {result.reason}")
            else:
                st.error(f"not yet: {result.reason}" + "".join(f"\n- {d}" for d in result.details))
    if c_hint.button("Hint", key="lab_hint"):
        hint = next_hint(lab, cfg)
        st.info(f"Hint {hint.number} of {hint.total}: {hint.text}\n\nSource: `{hint.source}` (ask the tutor about it "
                "on the Chat page)")
    folder = lab_dir(lab, cfg)
    if folder.is_dir():
        st.markdown("Your folder:")
        st.code(str(folder), language=None)
        st.caption(f"Open a terminal there (cd into it) and work on `{lab.answer}`. In the terminal: "
                   f"`tutor lab check {lab.id}` does the same check.")
