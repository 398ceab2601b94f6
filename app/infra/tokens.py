"""Token counting with tiktoken, loaded offline (see ``app.infra.offline``)."""

from __future__ import annotations

import contextlib
import marshal
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import tiktoken

from app.infra.fileio import atomic_write_bytes
from app.infra.offline import seed_tiktoken_cache

DEFAULT_ENCODING = "cl100k_base"


@lru_cache(maxsize=4)
def encoding(name: str = DEFAULT_ENCODING) -> tiktoken.Encoding:
    """tiktoken's encoding, from a parsed copy kept beside its cache: reading the BPE file decodes 100k base64
    lines (~0.4 s), a marshal load of the same table ~0.05 s, which a one-shot `tutor ask` notices."""
    cache = seed_tiktoken_cache()
    import tiktoken
    from tiktoken_ext.openai_public import ENCODING_CONSTRUCTORS

    if name not in ENCODING_CONSTRUCTORS:
        return tiktoken.get_encoding(name)
    parsed = cache / f"{name}.{tiktoken.__version__}.marshal"
    try:
        spec = marshal.loads(parsed.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        spec = ENCODING_CONSTRUCTORS[name]()
        with contextlib.suppress(OSError, ValueError):
            atomic_write_bytes(parsed, marshal.dumps(spec))
    return tiktoken.Encoding(**spec)


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
