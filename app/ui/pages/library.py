"""Library: what is indexed, re-ingest with progress, and uploads that go through the same checks."""

import streamlit as st

from app.core.library import UPLOAD_TYPES, add_upload, indexed_sources
from app.errors import TutorError
from app.ui import state

st.title("Library")
cfg = state.settings()


def reingest() -> None:
    from ingest.pipeline import run_ingest

    bar = st.progress(0.0, text="Checking the corpus…")

    def progress(done: int, total: int) -> None:
        bar.progress(done / total if total else 1.0, text=f"Embedding chunks: {done}/{total}")

    try:
        result = run_ingest(cfg, progress=progress)
    except TutorError as exc:
        bar.empty()
        st.error(str(exc))
        return
    bar.progress(1.0, text="Done")
    c = result.plan.counts(result.embedded)
    st.success(f"+{c['added']} added, ~{c['updated']} updated, −{c['removed']} removed, {c['unchanged']} unchanged; "
               f"{c['embedded']} chunks embedded; {c['chunks_total']} chunks in the index.")
    for uri, reason in result.plan.skipped:
        st.warning(f"Skipped {uri}: {reason}")
    state.reload_tutor()


left, right = st.columns([3, 2])
with right:
    st.subheader("Add a document")
    uploaded = st.file_uploader("Markdown, text, HTML or PDF", type=UPLOAD_TYPES, key="upload")
    tutor = state.tutor()
    topics = st.multiselect("Roadmap topics it supports", tutor.graph.topics() if tutor else [], key="upload_nodes",
                            format_func=lambda t: tutor.graph.title(t) if tutor else t)
    if uploaded is not None and st.button("Add to the corpus and ingest", type="primary"):
        result = add_upload(cfg, uploaded.name, uploaded.getvalue(), topics)
        if result.ok:
            st.success(result.message)
            reingest()
        else:
            st.error(f"Not added: {result.message}. Nothing in the corpus or the index changed.")
    st.subheader("Re-ingest")
    st.caption("Re-reads the corpus and embeds only what changed.")
    if st.button("Re-ingest"):
        reingest()

with left:
    st.subheader("Sources in the index")
    rows = indexed_sources(cfg)
    if rows:
        st.dataframe(rows, hide_index=True, width="stretch")
        st.caption(f"{len(rows)} documents, {sum(r['chunks'] for r in rows)} chunks.")
    else:
        st.info("Nothing is indexed yet: press Re-ingest.")
