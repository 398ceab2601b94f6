"""Token counting with tiktoken, loaded offline (see ``app.infra.offline``)."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import tiktoken

from app.infra.offline import seed_tiktoken_cache

DEFAULT_ENCODING = "cl100k_base"


@lru_cache(maxsize=4)
def encoding(name: str = DEFAULT_ENCODING) -> tiktoken.Encoding:
    seed_tiktoken_cache()
    import tiktoken

    return tiktoken.get_encoding(name)


@lru_cache(maxsize=16)
def encoding_for_model(model: str) -> tiktoken.Encoding:
    """The model's own encoding when tiktoken knows it, else cl100k_base."""
    seed_tiktoken_cache()
    import tiktoken

    try:
        return tiktoken.encoding_for_model(model)
    except KeyError:
        return encoding()


def count_tokens(text: str, model: str | None = None) -> int:
    enc = encoding_for_model(model) if model else encoding()
    return len(enc.encode(text, disallowed_special=()))
