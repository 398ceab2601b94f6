"""The roadmap graph, with the nodes of the last answer and the path to them highlighted."""

import streamlit as st

from app.ui import state

st.title("Learning path")
tutor = state.tutor()
if tutor is not None:
    graph = tutor.graph
    info = (st.session_state.get("last_answer") or {}).get("graph") or {}
    focus = [n for n in [info.get("focus"), info.get("target"), *info.get("nodes", [])] if n]
    known = st.session_state.get("known", [])
    st.graphviz_chart(graph.to_dot(info.get("path") or [], focus, known), width="stretch")
    if focus:
        titles = ", ".join(dict.fromkeys(graph.title(n) for n in focus if n in graph.g))
        st.caption(f"Highlighted: what your last answer was about ({titles}) and the path to it. "
                   "Grey: topics you marked as known.")
    else:
        st.caption("Ask a question in Chat and its topics and learning path are highlighted here.")
    with st.expander("Failure symptoms and the topics that explain them"):
        for row in graph.summary()["symptoms"]:
            st.markdown(f"- **{row['symptom']}** → {', '.join(graph.title(t) for t in row['topics'])}")
