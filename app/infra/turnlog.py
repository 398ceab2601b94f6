"""Append-only SQLite log of answered turns, with numbered migrations (app/infra/migrations/NNNN_*.sql)."""

from __future__ import annotations

import json
import re
import sqlite3
import time
from pathlib import Path
from typing import Any

from app.infra.usage import STAGES

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# OpenAI-style keys, this server's own keys (`tutor keys add` makes tk-...), bearer tokens, key=value pairs
_SECRET = re.compile(r"(sk-[A-Za-z0-9_-]{12,}|tk-[A-Za-z0-9_-]{20,}|Bearer\s+[A-Za-z0-9._~+/=-]{8,}|"
                     r"(?i:api[_-]?key|password|token)\s*[:=]\s*\S+)")


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """Users paste keys by accident; the log must never keep one: the patterns above, and the values of the
    credentials this process holds (``Settings.secrets()``: TUTOR_API_KEY, OPENAI_API_KEY, endpoint keys)."""
    for secret in secrets:
        if len(secret) >= 8:
            text = text.replace(secret, "[redacted]")
    return _SECRET.sub("[redacted]", text)


def migrations() -> list[tuple[int, Path]]:
    out = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        out.append((int(path.name.split("_", 1)[0]), path))
    return out


def connect(path: Path, migrated: bool = False) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=10)
    conn.row_factory = sqlite3.Row
    if not migrated:
        conn.execute("PRAGMA journal_mode=WAL")  # persistent: set once with the schema
        migrate(conn)
    return conn


def migrate(conn: sqlite3.Connection) -> int:
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    for number, path in migrations():
        if number > current:
            with conn:
                conn.executescript(path.read_text(encoding="utf-8"))
                conn.execute(f"PRAGMA user_version = {number}")
            current = number
    return int(current)


class TurnLog:
    def __init__(self, path: Path, secrets: tuple[str, ...] = ()) -> None:
        self.path = path
        self.secrets = secrets
        self._migrated = False  # migrations run on the first write of a process, not on every answer

    def _connect(self) -> sqlite3.Connection:
        conn = connect(self.path, migrated=self._migrated)
        self._migrated = True
        return conn

    def append(self, record: dict[str, Any], conversation_id: str | None = None) -> int:
        latency = record.get("latency_ms", {})
        usage = record.get("usage", {})
        prompt = record.get("prompt") or {}
        row = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "conversation_id": conversation_id,
            "question": redact(record["question"], self.secrets),
            "answer": redact(record["answer"], self.secrets),
            "citations": json.dumps([{k: c[k] for k in ("n", "chunk_id", "source", "support")}
                                     for c in record.get("citations", [])]),
            "flags": json.dumps(record.get("flags", [])),
            "prompt_name": prompt.get("name"), "prompt_version": prompt.get("version"),
            "prompt_sha256": prompt.get("sha256"),
            "backend": record["backend"], "model": record.get("model"),
            "input_tokens": usage.get("input_tokens", 0), "output_tokens": usage.get("output_tokens", 0),
            "cost_usd": usage.get("cost_usd", 0.0), "usage_source": usage.get("source"),
            "unsupported_sentences": len(record.get("unsupported_sentences", [])),
            "client": record.get("client"),
            **{f"latency_{k}_ms": latency.get(k) for k in STAGES},
        }
        with self._connect() as conn:
            cur = conn.execute(f"INSERT INTO turns ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                               list(row.values()))
            conn.commit()
        conn.close()
        return int(cur.lastrowid or 0)

    def rows(self, limit: int = 1000) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        with self._connect() as conn:
            got = [dict(r) for r in conn.execute("SELECT * FROM turns ORDER BY id DESC LIMIT ?", (limit,))]
        conn.close()
        return got
