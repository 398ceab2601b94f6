"""OpenAI or any OpenAI-compatible server (llama.cpp's, vLLM, Ollama...) through LangChain's ``ChatOpenAI``,
streaming, with the provider's usage when it sends one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from app.errors import BackendUnavailable
from app.infra.llm.base import ChatBackend
from app.infra.settings import Settings

if TYPE_CHECKING:
    from langchain_core.runnables import Runnable
    from langchain_openai import ChatOpenAI

    from app.infra.llm import BackendSpec, Credentials


class OpenAIBackend(ChatBackend):
    kind = "openai"
    usage_source = "provider"

    def __init__(self, spec: BackendSpec, creds: Credentials, settings: Settings) -> None:
        super().__init__()
        self.model = spec.model
        self.base_url = creds.base_url
        if creds.api_key is None and not (spec.base_url or spec.endpoint):
            raise BackendUnavailable("OPENAI_API_KEY is not set: export it, or configure a compatible server in "
                                     "TUTOR_ENDPOINTS and use --llm openai:MODEL@NAME, or use --llm local")
        from langchain_openai import ChatOpenAI

        # The key is the one bound to this base URL (app.infra.llm.credentials), or a placeholder that is no secret:
        # OpenAI-compatible servers without auth accept any. Errors name the host, never the key.
        self._where = urlsplit(creds.base_url).netloc
        self._compatible = bool(spec.base_url or spec.endpoint)  # not the OpenAI API itself
        self._timeout = settings.llm_timeout
        self._chat = ChatOpenAI(model=spec.model, base_url=creds.base_url, api_key=creds.api_key or "no-key",
                                timeout=settings.llm_timeout, max_retries=0, streaming=True, stream_usage=True)

    @property
    def chat_model(self) -> ChatOpenAI:
        return self._chat

    def runnable(self, params: dict[str, Any], citable: list[int] | None = None) -> Runnable[Any, Any]:
        """ChatOpenAI sends the output limit as ``max_completion_tokens``, which OpenAI-compatible servers such as
        llama.cpp's do not read: send them ``max_tokens`` as well, so the prompt's (and the operator's) cap holds."""
        bound = super().runnable(params, citable)
        if self._compatible and params.get("max_tokens"):
            return bound.bind(extra_body={"max_tokens": params["max_tokens"]})
        return bound

    def describe(self, exc: Exception) -> BackendUnavailable:
        import openai

        where = self._where
        if isinstance(exc, openai.AuthenticationError):
            return BackendUnavailable(f"{where} rejected the API key; check the key configured for it")
        if isinstance(exc, openai.APITimeoutError):
            return BackendUnavailable(f"{where} did not answer within {self._timeout:g}s (raise TUTOR_LLM_TIMEOUT "
                                      "or check the server)")
        if isinstance(exc, openai.APIConnectionError):
            return BackendUnavailable(f"cannot connect to {where}; is the server running?")
        if isinstance(exc, openai.NotFoundError):
            return BackendUnavailable(f"{where} has no model '{self.model}'; pick one it serves")
        if isinstance(exc, openai.APIStatusError):
            return BackendUnavailable(f"{where} answered HTTP {exc.status_code}; try again or use another backend")
        return super().describe(exc)
