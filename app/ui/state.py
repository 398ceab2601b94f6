"""Process-wide resources for the Streamlit app (loaded once) and per-session state."""

from __future__ import annotations

import logging
from typing import Any

import streamlit as st

import app.infra.offline  # noqa: F401
from app.errors import TutorError
from app.infra.settings import Settings


def settings() -> Settings:
    return Settings()


@st.cache_resource(show_spinner="Loading the index, the graph and the embedding model…")
def _tutor(data_dir: str, chroma: str, corpus_dir: str) -> Any:
    import threading

    from app.core.prompts import PromptRegistry
    from app.core.tutor import Tutor, warm_backend
    from app.infra.llm import make_backend, parse_spec

    cfg = settings()
    backends = {}
    try:
        spec = parse_spec(cfg.llm)
        if spec.kind != "extractive":
            backends[spec] = make_backend(spec, cfg)
            # the default model loads and reads the prompt's fixed rules while the index loads and the learner
            # reads the page, so the first question waits only for itself (a failure here shows later, as the
            # answer's fallback notice); the Tutor is given this very backend
            threading.Thread(target=_warm, args=(warm_backend, backends[spec], PromptRegistry().get(cfg.prompt)),
                             name="warm-model", daemon=True).start()
    except TutorError as exc:
        logging.getLogger("tutor").info("no model warm-up: %s", exc)
    return Tutor(cfg, backends=backends)


def _warm(warm: Any, *args: Any) -> None:
    try:
        warm(*args)
    except Exception as exc:  # the answer path reports it with a fix; never a traceback in a thread
        logging.getLogger("tutor").info("model warm-up failed: %s", exc)


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


def backends() -> list[str]:
    """The backend ids a user may pick: the operator's list (app.infra.llm.choices), the default first."""
    from app.infra.llm import SERVED_MODEL, choices

    return [label for label in choices(settings()) if label != SERVED_MODEL]


def backend_spec(label: str) -> Any:
    """The operator's backend with this id (never parsed from what the page sent)."""
    from app.infra.llm import choices

    return choices(settings())[label]


def conversation() -> Any:
    from app.core.tutor import Conversation

    if "conversation" not in st.session_state:
        st.session_state.conversation = Conversation()
        st.session_state.messages = []
    return st.session_state.conversation


def reset_conversation() -> None:
    st.session_state.pop("conversation", None)
    st.session_state.messages = []
