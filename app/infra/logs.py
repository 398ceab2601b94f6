"""JSON-lines logging for the server: one object per line, with the request id, and never a secret.

Fields passed with ``log.info("...", extra={...})`` land in the object as they are; the request id comes
from a context variable the server sets per request, so every line a request causes carries it, including
lines logged from the worker thread that answers.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import sys
import time
from typing import Any

from app.infra.turnlog import redact

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}
# Never written, whatever a caller passes: a header dump or a settings dump must not leak a key.
_SECRET_FIELDS = {"authorization", "api_key", "apikey", "password", "token", "secret", "cookie"}


def _scrub(value: Any, secrets: tuple[str, ...]) -> Any:
    if isinstance(value, dict):
        return {k: "[redacted]" if str(k).lower() in _SECRET_FIELDS else _scrub(v, secrets) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_scrub(v, secrets) for v in value]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    # Anything else is written as its str(): scrub that text, not the object (an exception, a URL, a
    # settings object passed in ``extra`` carries the key in its text).
    text = redact(value.decode(errors="replace") if isinstance(value, bytes) else str(value))
    for secret in secrets:
        text = text.replace(secret, "[redacted]")
    return text


class JsonFormatter(logging.Formatter):
    """``{"ts", "level", "logger", "msg", "request_id", ...extra}`` on one line."""

    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        super().__init__()
        # Keys shorter than 8 characters would redact ordinary words; such keys are refused anyway.
        self.secrets = tuple(s for s in secrets if s and len(s) >= 8)

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        rid = getattr(record, "request_id", None) or request_id.get()
        if rid:
            entry["request_id"] = rid
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in entry:
                entry[key] = "[redacted]" if key.lower() in _SECRET_FIELDS else value
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info).splitlines()[-1]
        return json.dumps(_scrub(entry, self.secrets), default=str, ensure_ascii=False)


def configure_json_logging(level: str = "info", stream: Any = None, secrets: tuple[str, ...] = ()) -> logging.Handler:
    """Route the root logger (and so uvicorn's and the tutor's) to one JSON handler."""
    handler = logging.StreamHandler(stream or sys.stderr)
    # The caller's secrets and always the two keys the environment may hold: passing more never drops these.
    handler.setFormatter(JsonFormatter((*secrets, os.environ.get("TUTOR_API_KEY", ""),
                                        os.environ.get("OPENAI_API_KEY", ""))))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    quiet_libraries(root.level)
    return handler


# Libraries that log at INFO or DEBUG on every call (bm25s sets DEBUG on its own logger): they stay at warning
# unless the user asks for debug, so their lines never land in the middle of an answer.
LIBRARY_LOGGERS = ("bm25s", "httpx", "httpcore", "chromadb", "sentence_transformers", "transformers", "urllib3",
                   "langchain", "langchain_core", "openai", "onnxruntime", "streamlit", "filelock", "asyncio")


def quiet_libraries(level: int) -> None:
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(level if level <= logging.DEBUG else max(logging.WARNING, level))


def configure_cli_logging(verbose: int = 0) -> int:
    """Plain lines on stderr for the terminal: warnings by default, -v info, -vv debug, or TUTOR_LOG_LEVEL."""
    chosen = os.environ.get("TUTOR_LOG_LEVEL", "").upper()
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    if chosen in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL") and not verbose:
        level = getattr(logging, chosen)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(level)  # a library logger set to DEBUG by its own code still stops here
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(level)
    quiet_libraries(level)
    return level
