"""OpenAI or any OpenAI-compatible server (llama.cpp's, vLLM, Ollama...), streaming with usage."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from app.errors import BackendUnavailable
from app.llm.base import ChatBackend, Messages
from app.settings import Settings
from app.usage import Usage


class OpenAIBackend(ChatBackend):
    kind = "openai"

    def __init__(self, model: str, base_url: str | None, settings: Settings) -> None:
        super().__init__()
        self.model = model
        self.base_url = base_url
        key = os.environ.get("OPENAI_API_KEY")
        if not key and base_url is None:
            raise BackendUnavailable("OPENAI_API_KEY is not set: export it, or point at a local server with "
                                     "--llm openai:MODEL@http://127.0.0.1:PORT/v1, or use --llm local")
        from openai import OpenAI

        # Local OpenAI-compatible servers accept any key; never log or store it.
        self._client = OpenAI(api_key=key or "no-key-needed", base_url=base_url, timeout=settings.llm_timeout,
                              max_retries=0)

    def stream(self, messages: Messages, params: dict[str, Any]) -> Iterator[str]:
        import openai

        where = self.base_url or "api.openai.com"
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
            raise BackendUnavailable(f"{where} rejected the API key; check OPENAI_API_KEY") from None
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
