"""Chat backends, chosen by one string (``TUTOR_LLM`` or ``--llm``), and the registry of what may be chosen:

    extractive                      no model: sentences from the passages (app.core.compose)
    local[:NAME|PATH]               llama.cpp: qwen2.5-coder-1.5b (default), qwen2.5-coder-0.5b, or a .gguf path
    openai[:MODEL]                  the OpenAI API, with OPENAI_API_KEY
    openai:MODEL@NAME               a compatible endpoint configured in TUTOR_ENDPOINTS, with its own key
    openai:MODEL@URL                an ad-hoc compatible server (trusted callers only); it never gets a key

Who may pick what: the operator's strings (``TUTOR_LLM``, ``--llm``, ``TUTOR_SERVE_MODELS``) are parsed here;
a request to ``tutor serve`` or a choice in the Streamlit app is only ever looked up in ``choices()`` by its
exact id, so no client can name a URL, a file path or a key.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from app.errors import TutorError
from app.infra.llm.base import ChatBackend
from app.infra.settings import Settings, check_base_url

DEFAULT_LOCAL = "qwen2.5-coder-1.5b"
DEFAULT_OPENAI = "gpt-4o-mini"
OPENAI_URL = "https://api.openai.com/v1"
SERVED_MODEL = "roadmap-tutor"  # the alias for TUTOR_LLM that API clients and the UI use by default
SPEC_HELP = "use extractive, local[:NAME|PATH], openai[:MODEL], openai:MODEL@ENDPOINT or openai:MODEL@URL"


@dataclass(frozen=True)
class BackendSpec:
    kind: str  # extractive | local | openai
    model: str = ""
    base_url: str | None = None  # an ad-hoc URL: never receives a configured key
    endpoint: str | None = None  # a configured endpoint's name (TUTOR_ENDPOINTS): binds its key

    @property
    def label(self) -> str:
        if self.kind == "extractive":
            return "extractive"
        where = self.endpoint or self.base_url
        return f"{self.kind}:{self.model}" + (f"@{where}" if where else "")


@dataclass(frozen=True)
class Credentials:
    base_url: str
    api_key: str | None  # None: send no key of ours


def parse_spec(spec: str) -> BackendSpec:
    """A backend string from a trusted caller (configuration or the command line)."""
    text = spec.strip()
    kind, _, rest = text.partition(":")
    if "@" in kind:  # openai@http://...
        kind, _, url = kind.partition("@")
        rest = f"@{url}:{rest}" if rest else f"@{url}"
    kind = kind.lower()
    if kind == "extractive" and not rest:
        return BackendSpec("extractive")
    if kind == "local":
        return BackendSpec("local", rest or DEFAULT_LOCAL)
    if kind == "openai":
        model, _, where = rest.partition("@")
        model = model or DEFAULT_OPENAI
        if not where:
            return BackendSpec("openai", model)
        if "://" in where:
            try:
                return BackendSpec("openai", model, base_url=check_base_url(where))
            except ValueError as exc:
                raise TutorError(f"bad base URL in '{spec}': {exc}") from None
        return BackendSpec("openai", model, endpoint=where.lower())
    raise TutorError(f"unknown LLM backend '{spec}'; {SPEC_HELP}")


def credentials(spec: BackendSpec, settings: Settings) -> Credentials:
    """Where an openai backend connects and with which key. A key goes only to the URL it was configured for:
    OPENAI_API_KEY to the OpenAI API (or OPENAI_BASE_URL, which the operator sets beside it), an endpoint's
    key to that endpoint's base URL, and no key to an ad-hoc URL."""
    if spec.endpoint:
        endpoint = settings.endpoints.get(spec.endpoint)
        if endpoint is None:
            known = ", ".join(sorted(settings.endpoints)) or "none configured"
            raise TutorError(f"no endpoint named '{spec.endpoint}' (known: {known}); add it to TUTOR_ENDPOINTS")
        return Credentials(endpoint.base_url, endpoint.api_key())
    if spec.base_url:
        return Credentials(spec.base_url, None)
    return Credentials(os.environ.get("OPENAI_BASE_URL") or OPENAI_URL, os.environ.get("OPENAI_API_KEY") or None)


def choices(settings: Settings) -> dict[str, BackendSpec]:
    """What API clients and the Streamlit app may pick, by exact id: 'roadmap-tutor' (TUTOR_LLM), TUTOR_LLM's own
    label and every entry of TUTOR_SERVE_MODELS. Raises TutorError for a bad entry (checked at start-up)."""
    default = parse_spec(settings.llm)
    out = {SERVED_MODEL: default}
    if not default.base_url:
        out[default.label] = default
    for text in settings.serve_models:
        spec = parse_spec(text)
        if spec.base_url:
            raise TutorError(f"TUTOR_SERVE_MODELS entry '{text}' names a URL; configure the server in "
                             "TUTOR_ENDPOINTS and list openai:MODEL@NAME instead")
        if spec.endpoint:
            credentials(spec, settings)  # the endpoint must exist
        out.setdefault(spec.label, spec)
    return out


def make_backend(spec: BackendSpec, settings: Settings) -> ChatBackend:
    if spec.kind == "local":
        from app.infra.llm.local import LocalBackend

        return LocalBackend(spec.model, settings)
    if spec.kind == "openai":
        from app.infra.llm.openai_backend import OpenAIBackend

        return OpenAIBackend(spec, credentials(spec, settings), settings)
    raise TutorError(f"'{spec.kind}' has no chat model")


__all__ = ["SERVED_MODEL", "BackendSpec", "ChatBackend", "Credentials", "choices", "credentials", "make_backend",
           "parse_spec"]
