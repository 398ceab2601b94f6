"""The sentence-transformers model through ONNX Runtime: the same vectors without importing torch.

Importing sentence-transformers (torch, transformers, scikit-learn) costs seconds per process, several times
the work of a query. The model's encoder is exported once to ONNX from the packaged weights (``make install``
runs ``python -m app.infra.embed_onnx``; otherwise the first process that loads sentence-transformers exports it).
A stamp beside the file records its sha256, the weights it came from and the torch vectors of a few probe
sentences; the file is used only while the stamp matches and the probe still comes out the same. Tokenising
(``tokenizer.json`` through ``tokenizers``, truncated at the model's ``max_seq_length``), mean pooling and L2
normalisation are done here, as sentence-transformers does them.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

import app.infra.offline  # noqa: F401  (before sentence-transformers may load, for an export)
from app.infra.fileio import atomic_write_text

log = logging.getLogger("tutor")

STAMP_FORMAT = 1
OPSET = 17
MAX_ABS_DIFF = 1e-4  # measured: ~2e-7 between ONNX Runtime and torch on this model
MIN_COSINE = 0.9999
BATCH_SESSION_MIN_TEXTS = 33  # more texts than one query batch: worth a session with more threads
# Compared with torch at export time; the first one is checked again each time the file is loaded.
PROBES = (
    "What should I learn before Kubernetes?",
    "DNS",
    "",
    "Ünïcode — naïve café, 日本語のテキスト, emoji 🤖 and math ∑x² ≤ 10.",
    " ".join(["A long passage about load balancers, reverse proxies and service discovery."] * 40),
)
_SOURCE_FILES = ("config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                 "modules.json", "sentence_bert_config.json", "1_Pooling/config.json")
_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")


class OnnxUnavailable(Exception):
    """The ONNX model cannot be used; the message says why in one sentence."""


@dataclass(frozen=True)
class OnnxFiles:
    directory: Path

    @property
    def model(self) -> Path:
        return self.directory / "model.onnx"

    @property
    def stamp(self) -> Path:
        return self.directory / "model.onnx.json"

    @property
    def failed(self) -> Path:
        return self.directory / "export-failed.json"


def onnx_root() -> Path:
    """``TUTOR_ONNX_DIR``, or a folder inside the virtualenv: the export belongs to the installed weights."""
    configured = os.environ.get("TUTOR_ONNX_DIR")
    return Path(configured).expanduser() if configured else Path(sys.prefix) / "var" / "roadmap-tutor" / "onnx"


def onnx_files(name: str, model_path: Path, root: Path | None = None) -> OnnxFiles:
    slug = "".join(c if c.isalnum() or c in "-_." else "-" for c in Path(name).name)[:60] or "model"
    key = hashlib.sha1(str(model_path.resolve()).encode()).hexdigest()[:10]
    return OnnxFiles((root or onnx_root()) / f"{slug}-{key}")


def source_fingerprint(model_path: Path) -> str:
    """Changes when the weights, the tokenizer or the pooling config change (a reinstall re-exports)."""
    h = hashlib.sha256()
    for rel in _SOURCE_FILES:
        p = model_path / rel
        h.update(rel.encode() + b"\0" + (p.read_bytes() if p.is_file() else b"-") + b"\0")
    for rel in _WEIGHT_FILES:
        p = model_path / rel
        if p.is_file():
            st = p.stat()
            h.update(f"{rel}:{st.st_size}:{st.st_mtime_ns}\0".encode())
    return h.hexdigest()


def file_sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _check_pooling(model_path: Path) -> None:
    """Only mean pooling is computed here; any other head stays on sentence-transformers."""
    if not (model_path / "tokenizer.json").is_file():
        raise OnnxUnavailable(f"{model_path} has no tokenizer.json")
    pooling = model_path / "1_Pooling" / "config.json"
    config = json.loads(pooling.read_text()) if pooling.is_file() else {}
    modes = {k for k, v in config.items() if k.startswith("pooling_mode") and v}
    if modes != {"pooling_mode_mean_tokens"}:
        raise OnnxUnavailable(f"{model_path} does not use mean pooling ({sorted(modes) or 'no pooling config'})")
    modules = model_path / "modules.json"
    kinds = [m.get("type", "").rsplit(".", 1)[-1] for m in json.loads(modules.read_text())] if modules.is_file() else []
    if [k for k in kinds if k not in {"Transformer", "Pooling", "Normalize"}]:
        raise OnnxUnavailable(f"{model_path} has modules besides Transformer, Pooling and Normalize: {kinds}")


class OnnxEmbedder:
    """``embed(texts) -> vectors`` like ``app.infra.embed.Embedder``, on ONNX Runtime (one thread for queries)."""

    backend = "onnx"

    def __init__(self, name: str, model_path: Path, onnx_path: Path, stamp: dict[str, Any]) -> None:
        from tokenizers import Tokenizer

        self.name = name
        self.path = onnx_path
        self.dimension = int(stamp["dimension"])
        self.max_seq_length = int(stamp["max_seq_length"])
        self._tokenizer = Tokenizer.from_file(str(model_path / "tokenizer.json"))
        # tokenizer.json truncates and pads to 128; sentence-transformers truncates at max_seq_length (256)
        # and pads to the longest text of a batch, as _encode does
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length=self.max_seq_length)
        self._pad_id = int(stamp.get("pad_id", 0))
        self._sessions: dict[int, Any] = {}
        self._lock = threading.Lock()
        self._query_session = self._session(1)
        self._inputs = [i.name for i in self._query_session.get_inputs()]

    def _session(self, threads: int) -> Any:
        if threads not in self._sessions:
            import onnxruntime as ort

            options = ort.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            options.log_severity_level = 3
            if threads > 1:  # batch work: don't busy-wait on a core other processes need
                options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            self._sessions[threads] = ort.InferenceSession(str(self.path), options,
                                                           providers=["CPUExecutionProvider"])
        return self._sessions[threads]

    def _encode(self, texts: Sequence[str], session: Any) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(list(texts))
        width = max(len(e.ids) for e in encodings)
        ids = np.full((len(encodings), width), self._pad_id, dtype=np.int64)
        mask = np.zeros((len(encodings), width), dtype=np.int64)
        types = np.zeros((len(encodings), width), dtype=np.int64)
        for row, e in enumerate(encodings):
            n = len(e.ids)
            ids[row, :n], mask[row, :n], types[row, :n] = e.ids, e.attention_mask, e.type_ids
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        hidden = session.run(None, {k: v for k, v in feeds.items() if k in self._inputs})[0]
        weights = mask[..., None].astype(np.float32)
        mean = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norm = np.linalg.norm(mean, axis=1, keepdims=True)
        return (mean / np.clip(norm, 1e-12, None)).astype(np.float32)

    def embed(
        self,
        texts: Sequence[str],
        batch_size: int = 32,
        on_batch: Callable[[int], None] | None = None,
    ) -> list[list[float]]:
        texts = list(texts)
        if not texts:
            return []
        threads = min(2, len(os.sched_getaffinity(0))) if len(texts) >= BATCH_SESSION_MIN_TEXTS else 1
        # Similar lengths in a batch means little padding (sentence-transformers sorts the same way).
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        with self._lock:
            session = self._session(threads)
            for start in range(0, len(order), batch_size):
                idx = order[start : start + batch_size]
                out[idx] = self._encode([texts[i] for i in idx], session)
                if on_batch:
                    on_batch(len(idx))
        return out.tolist()

    def embed_query(self, text: str) -> list[float]:
        with self._lock:
            vector = self._encode([text], self._query_session)[0]
        return vector.tolist()


def _read_stamp(files: OnnxFiles, fingerprint: str, full_check: bool = False) -> dict[str, Any]:
    if not files.model.is_file():
        raise OnnxUnavailable(f"no ONNX model at {files.model}")
    try:
        stamp = json.loads(files.stamp.read_text())
    except (OSError, ValueError) as exc:
        raise OnnxUnavailable(f"the stamp {files.stamp} is missing or unreadable ({exc.__class__.__name__})") from None
    if stamp.get("format") != STAMP_FORMAT or stamp.get("source_fingerprint") != fingerprint:
        raise OnnxUnavailable(f"{files.model} was exported from other weights or by another version")
    st = files.model.stat()
    if st.st_size != stamp.get("onnx_size"):
        raise OnnxUnavailable(f"{files.model} is {st.st_size} bytes, the stamp says {stamp.get('onnx_size')}")
    # Hashing 90 MB costs ~0.15 s per process: only when the file was written since the export (damage that
    # kept the mtime is caught by the probe check where it changes the vectors; --check hashes always).
    touched = full_check or st.st_mtime_ns != stamp.get("onnx_mtime_ns")
    if touched and file_sha256(files.model) != stamp.get("onnx_sha256"):
        raise OnnxUnavailable(f"{files.model} does not match the sha256 in its stamp")
    return stamp


def _agreement(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Max absolute difference and min cosine between two sets of row vectors."""
    cos = (a * b).sum(axis=1) / np.clip(np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1), 1e-12, None)
    return float(np.abs(a - b).max()), float(cos.min())


def load_onnx_embedder(name: str, model_path: Path, root: Path | None = None,
                       full_check: bool = False) -> OnnxEmbedder:
    """The ONNX embedder, after checking the stamp and the first probe; ``OnnxUnavailable`` says why not."""
    _check_pooling(model_path)
    files = onnx_files(name, model_path, root)
    stamp = _read_stamp(files, source_fingerprint(model_path), full_check)
    try:
        embedder = OnnxEmbedder(name, model_path, files.model, stamp)
        got = np.asarray([embedder.embed_query(stamp["probes"][0]["text"])])
    except Exception as exc:  # a damaged graph fails inside onnxruntime with its own exception types
        raise OnnxUnavailable(f"ONNX Runtime cannot run {files.model}: {exc}") from None
    diff, cos = _agreement(got, np.asarray([stamp["probes"][0]["vector"]], dtype=np.float32))
    if diff > MAX_ABS_DIFF or cos < MIN_COSINE:
        raise OnnxUnavailable(f"{files.model} no longer reproduces the torch vectors (max |diff| {diff:.2e})")
    return embedder


@contextlib.contextmanager
def _export_lock(files: OnnxFiles) -> Iterator[None]:
    files.directory.mkdir(parents=True, exist_ok=True)
    with (files.directory / ".export.lock").open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@contextlib.contextmanager
def _without_onnx_package() -> Iterator[None]:
    """torch's TorchScript exporter round-trips the bytes through the ``onnx`` package only to add onnxscript
    functions for custom-domain ops; this encoder has none, so without ``onnx`` the bytes go out as built.
    The export is checked against torch right after, so a torch that changed this would fail loudly."""
    try:
        import onnx  # noqa: F401
    except ImportError:
        from torch.onnx._internal.torchscript_exporter import onnx_proto_utils as proto_utils

        original = proto_utils._add_onnxscript_fn
        proto_utils._add_onnxscript_fn = lambda model_bytes, custom_opsets: model_bytes
        try:
            yield
        finally:
            proto_utils._add_onnxscript_fn = original
    else:
        yield


def export_onnx(name: str, model_path: Path, st_model: Any | None = None, root: Path | None = None) -> Path:
    """Export the encoder to ONNX, check it against torch on ``PROBES`` and write it with its stamp."""
    import torch
    from sentence_transformers import SentenceTransformer

    _check_pooling(model_path)
    files = onnx_files(name, model_path, root)
    t0 = time.perf_counter()
    if st_model is None:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    model = st_model if st_model is not None else SentenceTransformer(str(model_path), device="cpu")
    first = model[0]
    encoder = getattr(first, "auto_model", None) or first.model
    max_seq_length = model.max_seq_length
    if not isinstance(max_seq_length, int) or max_seq_length <= 0:
        raise OnnxUnavailable(f"{model_path} has no max_seq_length to truncate at")

    class LastHiddenState(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_path / "tokenizer.json"))
    pad_id = int((tokenizer.padding or {}).get("pad_id") or 0)
    tokenizer.enable_padding(pad_id=pad_id)  # two lengths, so the traced graph keeps the attention mask
    tokenizer.enable_truncation(max_length=max_seq_length)
    sample = tokenizer.encode_batch(list(PROBES[:2]))
    args = tuple(torch.tensor([getattr(e, a) for e in sample]) for a in ("ids", "attention_mask", "type_ids"))
    names = ["input_ids", "attention_mask", "token_type_ids"]
    tmp = files.directory / f".model.onnx.{os.getpid()}.tmp"
    files.directory.mkdir(parents=True, exist_ok=True)
    try:
        with torch.no_grad(), warnings.catch_warnings(), _without_onnx_package():
            warnings.simplefilter("ignore")  # TorchScript exporter deprecation and tracer notes
            torch.onnx.export(LastHiddenState(encoder).eval(), args, str(tmp), dynamo=False, input_names=names,
                              output_names=["last_hidden_state"], opset_version=OPSET, do_constant_folding=True,
                              dynamic_axes={n: {0: "batch", 1: "sequence"} for n in [*names, "last_hidden_state"]})
        expected = model.encode(list(PROBES), normalize_embeddings=True, convert_to_numpy=True,
                                show_progress_bar=False)
        stamp: dict[str, Any] = {
            "format": STAMP_FORMAT, "model": name, "source": str(model_path),
            "source_fingerprint": source_fingerprint(model_path), "max_seq_length": max_seq_length,
            "dimension": int(expected.shape[1]), "pad_id": pad_id, "opset": OPSET,
            "torch": torch.__version__, "exported_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "probes": [{"text": t, "vector": v.tolist()} for t, v in zip(PROBES, expected, strict=True)],
        }
        candidate = OnnxEmbedder(name, model_path, tmp, stamp)
        batch = np.asarray(candidate.embed(list(PROBES)))
        single = np.asarray([candidate.embed_query(t) for t in PROBES])
        diff, cos = _agreement(np.vstack([batch, single]), np.vstack([expected, expected]))
        if diff > MAX_ABS_DIFF or cos < MIN_COSINE:
            raise OnnxUnavailable(f"the exported model differs from torch (max |diff| {diff:.2e}, cos {cos:.6f})")
        stamp.update(max_abs_diff=diff, min_cosine=cos, onnx_sha256=file_sha256(tmp))
        os.replace(tmp, files.model)
        st = files.model.stat()
        stamp.update(onnx_size=st.st_size, onnx_mtime_ns=st.st_mtime_ns)
        atomic_write_text(files.stamp, json.dumps(stamp, indent=1), mode=0o644)
        files.failed.unlink(missing_ok=True)
    finally:
        tmp.unlink(missing_ok=True)
    log.info("exported the ONNX embedding model to %s in %.1f s (max |diff| vs torch %.1e on %d probes)",
             files.model, time.perf_counter() - t0, diff, len(PROBES))
    return files.model


def _failure_key(model_path: Path) -> dict[str, str]:
    from importlib.metadata import version

    return {"source_fingerprint": source_fingerprint(model_path), "torch": version("torch")}


def ensure_onnx(name: str, model_path: Path, st_model: Any | None = None, root: Path | None = None,
                force: bool = False, retry_failed: bool = True) -> OnnxEmbedder:
    """A checked ONNX embedder, exporting first when the file is missing, stale or damaged.

    One process exports at a time (a file lock); a failed export is recorded so that later processes do not
    pay for it again until the weights or torch change (``retry_failed=True`` tries anyway)."""
    files = onnx_files(name, model_path, root)
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(_export_lock(files))
        except OSError as exc:
            raise OnnxUnavailable(f"cannot write {files.directory} ({exc.strerror or exc})") from None
        for stale in files.directory.glob(".*.tmp"):  # left by an export that was killed (we hold the lock)
            stale.unlink(missing_ok=True)
        if not force:
            with contextlib.suppress(OnnxUnavailable):
                return load_onnx_embedder(name, model_path, root)
        key = _failure_key(model_path)
        if not retry_failed and files.failed.is_file():
            with contextlib.suppress(OSError, ValueError):
                failed = json.loads(files.failed.read_text())
                if {k: failed.get(k) for k in key} == key:
                    raise OnnxUnavailable(f"the ONNX export failed before: {failed.get('reason')}")
        try:
            export_onnx(name, model_path, st_model, root)
            return load_onnx_embedder(name, model_path, root)
        except Exception as exc:
            reason = f"{exc.__class__.__name__}: {exc}"
            with contextlib.suppress(OSError):
                atomic_write_text(files.failed, json.dumps({**key, "reason": reason}), mode=0o644)
            raise OnnxUnavailable(f"exporting the ONNX model failed ({reason})") from exc


def main(argv: list[str] | None = None) -> int:
    """``python -m app.infra.embed_onnx [--force] [--check] [MODEL]``: export (if needed) and check the ONNX model."""
    import argparse

    from app.infra.embed import resolve_model_path

    parser = argparse.ArgumentParser(prog="python -m app.infra.embed_onnx", description=main.__doc__)
    parser.add_argument("model", nargs="?", default=os.environ.get("TUTOR_EMBEDDING_MODEL", "all-MiniLM-L6-v2"))
    parser.add_argument("--force", action="store_true", help="export again even if the file is valid")
    parser.add_argument("--check", action="store_true", help="only check; exit 1 if the file is not usable")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    path = resolve_model_path(args.model)
    try:
        embedder = (load_onnx_embedder(args.model, path, full_check=True) if args.check
                    else ensure_onnx(args.model, path, force=args.force))
    except OnnxUnavailable as exc:
        log.error("ONNX embedding model for %s: %s", args.model, exc)
        return 1
    log.info("ONNX embedding model for %s is ready: %s", args.model, embedder.path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
