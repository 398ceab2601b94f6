"""OpenAI or any OpenAI-compatible server (llama.cpp's, vLLM, Ollama...), streaming with usage."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from app.errors import BackendUnavailable
from app.llm.base import ChatBackend, Messages
from app.settings import Settings
from app.usage import Usage

if TYPE_CHECKING:
    from app.llm import BackendSpec, Credentials


class OpenAIBackend(ChatBackend):
    kind = "openai"

    def __init__(self, spec: BackendSpec, creds: Credentials, settings: Settings) -> None:
        super().__init__()
        self.model = spec.model
        self.base_url = creds.base_url
        if creds.api_key is None and not (spec.base_url or spec.endpoint):
            raise BackendUnavailable("OPENAI_API_KEY is not set: export it, or configure a compatible server in "
                                     "TUTOR_ENDPOINTS and use --llm openai:MODEL@NAME, or use --llm local")
        from openai import OpenAI

        # The key is the one bound to this base URL (app.llm.credentials), or a placeholder that is no secret:
        # OpenAI-compatible servers without auth accept any. Errors name the host, never the key.
        self._where = urlsplit(creds.base_url).netloc
        self._client = OpenAI(api_key=creds.api_key or "no-key", base_url=creds.base_url,
                              timeout=settings.llm_timeout, max_retries=0)

    def stream(self, messages: Messages, params: dict[str, Any]) -> Iterator[str]:
        import openai

        where = self._where
        usage = None
        try:
            completions: Any = self._client.chat.completions  # typed overloads reject plain dict messages
            response = completions.create(
                model=self.model, messages=messages, stream=True,
                stream_options={"include_usage": True}, temperature=params.get("temperature", 0.1),
                max_tokens=params.get("max_tokens", 320))
            for chunk in response:
                if chunk.usage is not None:
                    usage = chunk.usage
                if chunk.choices and chunk.choices[0].delta.content:
                    yield chunk.choices[0].delta.content
        except openai.AuthenticationError:
            raise BackendUnavailable(f"{where} rejected the API key; check the key configured for it") from None
        except openai.APITimeoutError:
            raise BackendUnavailable(f"{where} did not answer within {self._client.timeout}s "
                                     "(raise TUTOR_LLM_TIMEOUT or check the server)") from None
        except openai.APIConnectionError:
            raise BackendUnavailable(f"cannot connect to {where}; is the server running?") from None
        except openai.NotFoundError:
            raise BackendUnavailable(f"{where} has no model '{self.model}'; pick one it serves") from None
        except openai.APIStatusError as exc:
            raise BackendUnavailable(f"{where} answered HTTP {exc.status_code}; try again or use another "
                                     "backend") from None
        if usage is not None:
            self.last_usage = Usage(input_tokens=usage.prompt_tokens, output_tokens=usage.completion_tokens,
                                    source="provider")
        else:
            self.last_usage = None
