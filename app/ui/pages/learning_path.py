"""The roadmap graph, with the nodes of the last answer and the path to them highlighted, and each topic coloured
by the learner's mastery from the Practice page."""

import re

import streamlit as st

from app.ui import practice_state, state

# white (nothing yet) → light green → green (mastered)
MASTERY_FILLS = [(0.75, "#69db7c"), (0.5, "#b2f2bb"), (0.25, "#d3f9d8"), (0.0, "#ebfbee")]


def with_mastery(dot: str, graph, mastery: dict[str, float]) -> str:
    """Fill each topic a learner has practised by its mastery, and add the percentage to its label."""
    for topic in graph.topics():
        if topic not in mastery:
            continue
        value = mastery[topic]
        fill = next(colour for floor, colour in MASTERY_FILLS if value >= floor)
        line = re.compile(rf'^(\s+"{re.escape(topic)}" \[label=")([^"]*)(", fillcolor=")#[0-9a-f]{{6}}', re.M)
        label = f" · {value:.0%}"
        dot = line.sub(lambda m: f"{m[1]}{m[2]}{label}{m[3]}{fill}", dot)  # noqa: B023 (used at once)
    return dot


st.title("Learning path")
tutor = state.tutor()
if tutor is not None:
    graph = tutor.graph
    info = (st.session_state.get("last_answer") or {}).get("graph") or {}
    focus = [n for n in [info.get("focus"), info.get("target"), *info.get("nodes", [])] if n]
    known = st.session_state.get("known", [])
    practice = practice_state.practice()
    who = practice_state.profile()
    mastery = {t: m for t, m in (practice.mastery(who) if practice else {}).items() if t in graph.g}
    dot = graph.to_dot(info.get("path") or [], focus, known)
    st.graphviz_chart(with_mastery(dot, graph, mastery), width="stretch")
    if focus:
        titles = ", ".join(dict.fromkeys(graph.title(n) for n in focus if n in graph.g))
        st.caption(f"Highlighted: what your last answer was about ({titles}) and the path to it. "
                   "Grey: topics you marked as known.")
    else:
        st.caption("Ask a question in Chat and its topics and learning path are highlighted here.")
    practised = [t for t in graph.topics() if t in mastery]
    st.caption(f"Green: mastery of profile {who} from its quiz answers (darkest: mastered, at 75 %). " +
               (", ".join(f"{graph.title(t)} {mastery[t]:.0%}" for t in practised) if practised
                else "Nothing practised yet: the Practice page quizzes you."))
    with st.expander("Failure symptoms and the topics that explain them"):
        for row in graph.summary()["symptoms"]:
            st.markdown(f"- **{row['symptom']}** → {', '.join(graph.title(t) for t in row['topics'])}")
