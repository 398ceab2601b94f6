"""Process-wide resources for the Streamlit app (loaded once) and per-session state."""

from __future__ import annotations

from typing import Any

import streamlit as st

import app.offline  # noqa: F401
from app.errors import TutorError
from app.settings import Settings

BACKENDS = ["local:qwen2.5-coder-1.5b", "local:qwen2.5-coder-0.5b", "extractive", "openai:gpt-4o-mini"]


def settings() -> Settings:
    return Settings()


@st.cache_resource(show_spinner="Loading the index, the graph and the embedding model…")
def _tutor(data_dir: str, chroma: str, corpus_dir: str) -> Any:
    from app.tutor import Tutor

    return Tutor(settings())


def tutor() -> Any | None:
    """The shared Tutor, or None after showing what to do (no index yet, Chroma down)."""
    cfg = settings()
    try:
        return _tutor(str(cfg.data_dir), cfg.chroma_location, str(cfg.corpus_dir))
    except TutorError as exc:
        st.error(f"{exc}. Open the Library page and press Re-ingest, or run `tutor ingest`.")
        return None


def reload_tutor() -> None:
    """After an ingest the graph and keyword index change: load them again on next use."""
    _tutor.clear()


def default_backend() -> str:
    spec = settings().llm
    if spec == "local":
        return BACKENDS[0]
    return spec


def conversation() -> Any:
    from app.tutor import Conversation

    if "conversation" not in st.session_state:
        st.session_state.conversation = Conversation()
        st.session_state.messages = []
    return st.session_state.conversation


def reset_conversation() -> None:
    st.session_state.pop("conversation", None)
    st.session_state.messages = []
