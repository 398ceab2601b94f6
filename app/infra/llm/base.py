"""A chat backend: a LangChain chat model plus what the tutor needs around it — its kind and model name for the
record, a warm-up, where its token counts come from, and one clear sentence when it fails."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from app.errors import BackendUnavailable
from app.infra.usage import Usage

if TYPE_CHECKING:
    from langchain_core.language_models.chat_models import BaseChatModel
    from langchain_core.runnables import Runnable

Messages = list[dict[str, str]]
GENERATION_PARAMS = ("temperature", "max_tokens", "top_p")


class ChatBackend(ABC):
    kind: str = ""
    model: str = ""
    usage_source: str = "provider"  # where usage_metadata comes from: provider | tokenizer

    def __init__(self) -> None:
        self.last_usage: Usage | None = None

    @property
    @abstractmethod
    def chat_model(self) -> BaseChatModel:
        """The LangChain chat model (any integration: ChatOpenAI, llama.cpp, ...)."""

    def describe(self, exc: Exception) -> BackendUnavailable:
        """One line that says what failed and what to do; never a key."""
        text = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        return BackendUnavailable(f"{type(exc).__name__}: {text}")

    guides_citations: bool = False  # can constrain decoding so that every sentence ends with a [n]

    def warm(self, messages: Messages | None = None) -> None:
        """Load whatever the first answer would otherwise wait for (a model file, a connection pool); given a
        rendered prompt, a backend with a prefix cache also reads its fixed start."""
        return None

    def runnable(self, params: dict[str, Any], citable: list[int] | None = None) -> Runnable[Any, Any]:
        """The chat model with a prompt version's generation parameters bound. ``stream=True`` makes every chat
        model stream inside a chain's ``invoke`` too, so token callbacks fire whatever the integration's default.
        ``citable``: the passage numbers a guiding backend lets the model cite (others ignore it)."""
        bound = {k: params[k] for k in GENERATION_PARAMS if params.get(k) is not None}
        if citable and self.guides_citations:
            bound["citable"] = citable
        return self.chat_model.bind(stream=True, **bound)

    def usage_of(self, metadata: dict[str, Any] | None) -> Usage | None:
        if not metadata:
            return None
        return Usage(input_tokens=int(metadata.get("input_tokens", 0)),
                     output_tokens=int(metadata.get("output_tokens", 0)), source=self.usage_source)

    def stream(self, messages: Messages, params: dict[str, Any]) -> Iterator[str]:
        """Yield text pieces as they are generated and set ``last_usage``; raise ``BackendUnavailable`` with a
        one-line fix when the backend cannot answer. (The tutor itself runs the chat model inside its answer
        chain; this is for callers that want only the model: the benchmarks and the eval judge.)"""
        metadata = None
        try:
            for chunk in self.runnable(params).stream(messages):
                metadata = chunk.usage_metadata or metadata
                if isinstance(chunk.content, str) and chunk.content:
                    yield chunk.content
        except BackendUnavailable:
            raise
        except Exception as exc:
            raise self.describe(exc) from None
        self.last_usage = self.usage_of(metadata)
