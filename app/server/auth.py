"""API keys for `tutor serve`: several named keys, kept as sha256 digests, compared in constant time, and
reloaded without a restart (the file is watched, and SIGHUP reloads it at once).

The keys file (``TUTOR_API_KEYS_FILE``, default ``<data_dir>/api-keys``) has one ``name:sha256hex`` line per
key; `tutor keys add NAME` writes one and prints the key once. ``TUTOR_API_KEY`` still works and is the
key named ``default``. A key's name, never the key, appears in metrics and the turn log.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from app.errors import TutorError
from app.infra.fileio import atomic_write_text

log = logging.getLogger("tutor")

KEY_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_LINE = re.compile(r"^(?P<name>[^:\s]+):(?P<digest>[0-9a-f]{64})$")
ANONYMOUS = "anonymous"  # the client name on a loopback server without keys
CHECK_EVERY_S = 1.0  # how often a request may stat the keys file


def digest(key: str) -> str:
    """Keys are random 256-bit strings, so a plain sha256 is enough (no password stretching needed)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_key() -> str:
    return "tk-" + secrets.token_urlsafe(32)


def parse_keys(text: str, where: str) -> dict[str, str]:
    """name → digest; a malformed line names the file and line."""
    keys: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if not match or not KEY_NAME.match(match["name"]):
            raise TutorError(f"{where}:{number}: expected 'name:sha256hex' (written by `tutor keys add NAME`)")
        if match["name"] in keys:
            raise TutorError(f"{where}:{number}: the key name '{match['name']}' appears twice")
        keys[match["name"]] = match["digest"]
    return keys


@dataclass(frozen=True)
class _Stamp:
    inode: int
    size: int
    mtime_ns: int


class KeyRing:
    """Who may call the API. ``authenticate`` returns the key's name, or None."""

    def __init__(self, path: Path | None, single_key: str | None = None) -> None:
        self.path = path
        self._single = {"default": digest(single_key)} if single_key else {}
        self._file: dict[str, str] = {}
        self._stamp: _Stamp | None = None
        self._checked = 0.0
        self._lock = threading.Lock()
        self.reload(strict=True)

    @property
    def enabled(self) -> bool:
        return bool(self._single or self._file)

    @property
    def names(self) -> list[str]:
        return sorted({*self._single, *self._file})

    def _current_stamp(self) -> _Stamp | None:
        try:
            st = os.stat(self.path) if self.path else None
        except FileNotFoundError:
            return None
        return _Stamp(st.st_ino, st.st_size, st.st_mtime_ns) if st else None

    def reload(self, strict: bool = False) -> bool:
        """Read the keys file again. A broken file keeps the keys that were loaded (and says why in the log);
        at start-up (``strict``) it is an error instead. Returns True when the set changed."""
        with self._lock:
            stamp = self._current_stamp()
            try:
                keys = parse_keys(self.path.read_text(encoding="utf-8"), str(self.path)) if stamp and self.path \
                    else {}
            except (OSError, UnicodeDecodeError, TutorError) as exc:
                if strict:
                    raise TutorError(f"cannot read the API keys file: {exc}") from None
                log.warning("API keys file not reloaded; the previous keys stay in force", extra={"reason": str(exc)})
                self._stamp = stamp
                return False
            clash = set(keys) & set(self._single)
            if clash:
                keys = {k: v for k, v in keys.items() if k not in clash}
                log.warning("key names taken by TUTOR_API_KEY ignored in the keys file", extra={"names": sorted(clash)})
            changed = keys != self._file
            self._file, self._stamp = keys, stamp
            if changed and not strict:
                log.info("API keys reloaded", extra={"keys": len(keys) + len(self._single)})
            return changed

    def _maybe_reload(self) -> None:
        now = time.monotonic()
        if now - self._checked < CHECK_EVERY_S:
            return
        self._checked = now
        if self._current_stamp() != self._stamp:
            self.reload()

    def authenticate(self, token: str) -> str | None:
        self._maybe_reload()
        given = digest(token).encode()
        found = None
        for name, known in (*self._single.items(), *self._file.items()):  # no early exit: same time for every key
            if hmac.compare_digest(given, known.encode()):
                found = name
        return found


# --- the file, as `tutor keys` edits it ---------------------------------------------------------------------

def add_key(path: Path, name: str) -> str:
    """Append a new key named ``name``; returns the key (shown once, never stored)."""
    if not KEY_NAME.match(name):
        raise TutorError(f"key name '{name}' must be letters, digits, '.', '_' or '-' (at most 64)")
    keys = parse_keys(path.read_text(encoding="utf-8"), str(path)) if path.exists() else {}
    if name in keys:
        raise TutorError(f"a key named '{name}' exists; revoke it first (`tutor keys revoke {name}`)")
    key = new_key()
    keys[name] = digest(key)
    _write(path, keys)
    return key


def revoke_key(path: Path, name: str) -> None:
    keys = parse_keys(path.read_text(encoding="utf-8"), str(path)) if path.exists() else {}
    if name not in keys:
        raise TutorError(f"no key named '{name}' in {path}")
    del keys[name]
    _write(path, keys)


def list_keys(path: Path) -> list[str]:
    return sorted(parse_keys(path.read_text(encoding="utf-8"), str(path))) if path.exists() else []


def _write(path: Path, keys: dict[str, str]) -> None:
    body = "# tutor serve API keys: name:sha256(key). Written by `tutor keys`; the keys themselves are not kept.\n"
    atomic_write_text(path, body + "".join(f"{n}:{d}\n" for n, d in sorted(keys.items())), mode=0o600)
