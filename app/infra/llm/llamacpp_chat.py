"""llama.cpp as a LangChain chat model: a thin ``BaseChatModel`` over llama-cpp-python's chat completion.

No kept LangChain integration fits here (``langchain-community``'s ChatLlamaCpp loads its own model per
instance and pulls in a large package), so this one reuses the process's single llama.cpp context
(``app.infra.llm.local.load_llama``), streams tokens through LangChain's callbacks, and reports the tokenizer's
counts as ``usage_metadata``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel, generate_from_stream
from langchain_core.messages import AIMessageChunk, BaseMessage, convert_to_openai_messages
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from pydantic import ConfigDict, Field

from app.infra.llm import prefix_state
from app.infra.llm.citeguard import CitationGuard, vocabulary


def _grammar(text: str | None) -> Any:
    """A GBNF grammar (the other design measured in bench/answer_bench.py), parsed once per text."""
    if not text:
        return None
    from llama_cpp import LlamaGrammar

    return _grammars.setdefault(text, LlamaGrammar.from_string(text, verbose=False))


_grammars: dict[str, Any] = {}
# A llama.cpp context serves one generation at a time, whichever chat model instance asks.
GENERATION_LOCK = threading.Lock()


class LlamaCppChat(BaseChatModel):
    """``load`` returns the loaded ``llama_cpp.Llama`` (loaded once per process by the caller)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    model_name: str
    load: Callable[[], Any] = Field(exclude=True)
    temperature: float = 0.1
    max_tokens: int = 320
    top_p: float = 0.95
    seed: int | None = None  # fixed: the same prompt gets the same answer
    streaming: bool = True
    # where the state after reading the prompt's fixed rules is kept between start-ups (None: not kept)
    prefix_file: Path | None = None

    @property
    def _llm_type(self) -> str:
        return "llama-cpp"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.model_name, "temperature": self.temperature, "max_tokens": self.max_tokens}

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        llm = self.load()
        pieces: list[str] = []
        finish = None
        citable = kwargs.get("citable")
        guard = CitationGuard(llm, list(citable)) if citable else None
        from llama_cpp import LogitsProcessorList  # present: load() succeeded
        with GENERATION_LOCK:
            self._resume(llm)  # a new process that was not warmed (`tutor ask`, evals) starts from the saved rules
            chunks = llm.create_chat_completion(
                messages=convert_to_openai_messages(messages), stream=True, stop=stop,
                temperature=kwargs.get("temperature", self.temperature),
                max_tokens=kwargs.get("max_tokens", self.max_tokens),
                top_p=kwargs.get("top_p") or self.top_p, seed=self.seed,
                logits_processor=LogitsProcessorList([guard]) if guard else None,
                grammar=_grammar(kwargs.get("grammar")))
            for chunk in chunks:
                choice = chunk["choices"][0]
                finish = choice.get("finish_reason") or finish
                piece = choice["delta"].get("content")
                if piece:
                    pieces.append(piece)
                    yield ChatGenerationChunk(message=AIMessageChunk(content=piece))  # LangChain fires the callbacks
            text = "".join(pieces)
            output = len(llm.tokenize(text.encode("utf-8"), add_bos=False, special=False)) if text else 0
            # after a completion the context holds the prompt plus the generated tokens
            prompt = max(0, int(llm.n_tokens) - output)
        usage = UsageMetadata(input_tokens=prompt, output_tokens=output, total_tokens=prompt + output)
        meta = {"model_name": self.model_name, "finish_reason": finish,
                "citations_guarded": guard is not None, "citations_forced": guard.forced if guard else 0}
        yield ChatGenerationChunk(message=AIMessageChunk(content="", usage_metadata=usage, response_metadata=meta))

    def warm_prefix(self, messages: list[BaseMessage]) -> int:
        """Evaluate the fixed start of every prompt (the rules) once, so llama.cpp's prefix cache holds it and
        the first learner's question pays only for its own tokens; also reads the vocabulary for the guard.

        With ``prefix_file`` a new context first loads the state saved by an earlier start-up, so only what
        changed is read; returns how many prompt tokens had to be read."""
        llm = self.load()
        with GENERATION_LOCK:
            vocabulary(llm)
            held = self._resume(llm)
            llm.create_chat_completion(messages=convert_to_openai_messages(messages), max_tokens=1, temperature=0)
            read = int(llm.n_tokens) - llm.longest_token_prefix(held, list(llm.input_ids[:llm.n_tokens]))
            if self.prefix_file and read > 1:  # a first start-up, or the rules changed: keep the new state
                prefix_state.save(llm, self.prefix_file)
        return read

    def _resume(self, llm: Any) -> list[int]:
        """The token ids the context holds before a generation; a new context first loads ``prefix_file``."""
        if self.prefix_file and not llm.n_tokens:
            prefix_state.restore(llm, self.prefix_file)
        return list(llm.input_ids[:llm.n_tokens])

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        return generate_from_stream(self._stream(messages, stop, run_manager, **kwargs))
