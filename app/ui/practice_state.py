"""The practice state the Practice and Learning-path pages share: the item bank (loaded once per process) and
the learner profile chosen in the sidebar (TUTOR_PROFILE until changed)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from app.errors import TutorError
from app.ui import state


@st.cache_resource(show_spinner="Loading the quiz bank…")
def _practice(data_dir: str, chroma: str) -> Any:
    from app.core.practice import Practice

    return Practice(state.settings())


def practice() -> Any | None:
    cfg = state.settings()
    try:
        return _practice(str(cfg.data_dir), cfg.chroma_location)
    except TutorError as exc:
        st.error(f"{exc}. Open the Library page and press Re-ingest, or run `tutor ingest`.")
        return None


def profile() -> str:
    """The learner profile from the sidebar, kept across pages in the session (a widget's own state is dropped
    on a page that does not draw it, so the name lives under its own key)."""
    from app.infra.learners import PROFILE_NAME

    if "learner" not in st.session_state:
        st.session_state.learner = state.settings().profile
    name = st.sidebar.text_input("Learner profile", value=st.session_state.learner, key="profile_input",
                                 help="Mastery and reviews are kept per profile (letters, digits, . _ -).")
    if not PROFILE_NAME.match(name or ""):
        st.sidebar.error("A profile name is 1-64 letters, digits, '.', '_' or '-'; keeping the last one.")
        return str(st.session_state.learner)
    st.session_state.learner = name
    return name


def mastered(who: str) -> list[str]:
    """Topics the learner has mastered: "what should I learn next" counts them as known."""
    p = practice()
    return list(p.mastered_topics(who)) if p is not None else []
