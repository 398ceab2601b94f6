"""Chat backends, chosen by one string (``TUTOR_LLM`` or ``--llm``):

    extractive                      no model: sentences from the passages (app.compose)
    local[:NAME|PATH]               llama.cpp: qwen2.5-coder-1.5b (default), qwen2.5-coder-0.5b, or a .gguf path
    openai[:MODEL][@BASE_URL]       the OpenAI API, or any OpenAI-compatible server
"""

from __future__ import annotations

from dataclasses import dataclass

from app.errors import TutorError
from app.llm.base import ChatBackend
from app.settings import Settings

DEFAULT_LOCAL = "qwen2.5-coder-1.5b"
DEFAULT_OPENAI = "gpt-4o-mini"
SPEC_HELP = "use extractive, local[:NAME|PATH] or openai[:MODEL][@BASE_URL]"


@dataclass(frozen=True)
class BackendSpec:
    kind: str  # extractive | local | openai
    model: str = ""
    base_url: str | None = None

    @property
    def label(self) -> str:
        return self.kind if self.kind == "extractive" else f"{self.kind}:{self.model}"


def parse_spec(spec: str) -> BackendSpec:
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
        model, _, url = rest.partition("@")
        if url and not url.startswith(("http://", "https://")):
            raise TutorError(f"bad base URL in '{spec}': it must start with http:// or https://")
        return BackendSpec("openai", model or DEFAULT_OPENAI, url or None)
    raise TutorError(f"unknown LLM backend '{spec}'; {SPEC_HELP}")


def make_backend(spec: BackendSpec, settings: Settings) -> ChatBackend:
    if spec.kind == "local":
        from app.llm.local import LocalBackend

        return LocalBackend(spec.model, settings)
    if spec.kind == "openai":
        from app.llm.openai_backend import OpenAIBackend

        return OpenAIBackend(spec.model, spec.base_url, settings)
    raise TutorError(f"'{spec.kind}' has no chat model")


__all__ = ["BackendSpec", "ChatBackend", "make_backend", "parse_spec"]
