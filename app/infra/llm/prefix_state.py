"""llama.cpp's state after reading the fixed start of every prompt, kept on disk beside the model.

Reading the answer prompt's rules takes the 1.5B model ~6 s on two cores; every later question reuses them
from the KV cache (llama-cpp-python matches the longest common token prefix). Warming at start-up hides that
from a learner who reads the page first, not from one who asks at once. So the first warm-up saves the
context's state (the KV cache of the rules and their token ids, ~10-20 MB) and later start-ups load it in a
fraction of a second.

The file is plain arrays (``numpy.savez``, loaded with ``allow_pickle=False``: nothing in it can run code) and
names what it belongs to (llama-cpp-python's version, the model file, the context size); any mismatch, damage
or load failure means the prompt is read again, as it would be without the file. The saved token ids need not
match today's prompt: llama-cpp-python keeps the common prefix and reads only the rest, and the warm-up then
saves the new state.
"""

from __future__ import annotations

import ctypes
import io
import json
import logging
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from app.infra.fileio import atomic_write_bytes

log = logging.getLogger("tutor")


def identity(llm: Any) -> dict[str, Any]:
    """What a saved state is valid for: the same llama.cpp build, model file and context shape."""
    import llama_cpp

    model = Path(llm.model_path)
    st = model.stat()
    return {"llama_cpp": llama_cpp.__version__, "model": model.name, "size": st.st_size,
            "mtime_ns": st.st_mtime_ns, "n_ctx": int(llm.n_ctx()), "n_batch": int(llm.n_batch)}


def restore(llm: Any, path: Path) -> int:
    """Load the saved state into ``llm``; returns how many prompt tokens it holds (0: nothing usable)."""
    try:
        with np.load(path, allow_pickle=False) as saved:
            if json.loads(str(saved["identity"])) != identity(llm):
                return 0
            ids = saved["input_ids"].astype(np.intc)
            data = saved["state"].tobytes()
            seed = int(saved["seed"])
    except FileNotFoundError:
        return 0
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        log.info("ignoring the saved prompt state %s (%s); the prompt is read again", path, exc)
        return 0
    if not 0 < len(ids) <= llm.n_ctx():
        return 0
    from llama_cpp.llama import LlamaState

    full = np.zeros(llm.n_ctx(), dtype=np.intc)  # llama-cpp-python writes later tokens after these
    full[: len(ids)] = ids
    # the logits are not saved (n_batch x vocabulary floats, ~300 MB): the next question's own tokens are read
    # before anything is sampled, which refreshes them
    scores = np.zeros((1, llm.n_vocab()), dtype=np.single)
    try:
        llm.load_state(LlamaState(input_ids=full, scores=scores, n_tokens=len(ids), llama_state=data,
                                  llama_state_size=len(data), seed=seed))
    except (RuntimeError, ValueError) as exc:
        llm.reset()
        log.warning("could not load the saved prompt state %s (%s); the prompt is read again", path, exc)
        return 0
    return len(ids)


def save(llm: Any, path: Path) -> None:
    """Write the context's current state (what ``restore`` loads); a failure only costs the next start-up."""
    import llama_cpp

    size = int(llama_cpp.llama_state_get_size(llm.ctx))
    buffer = (ctypes.c_uint8 * size)()
    written = int(llama_cpp.llama_state_get_data(llm.ctx, buffer, size))
    if not 0 < written <= size:
        log.info("llama.cpp returned no state to save")
        return
    out = io.BytesIO()
    np.savez(out, identity=np.array(json.dumps(identity(llm), sort_keys=True)),
             input_ids=np.array(llm.input_ids[: llm.n_tokens], dtype=np.intc),
             state=np.frombuffer(memoryview(buffer), dtype=np.uint8, count=written), seed=np.array(int(llm._seed)))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, out.getvalue())
    except OSError as exc:
        log.info("could not save the prompt state to %s: %s", path, exc)
