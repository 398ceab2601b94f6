"""Append-only log of answered turns and learners' feedback on them, in the state database (app/infra/db.py)."""

from __future__ import annotations

import json
import re
import sqlite3
import time
from pathlib import Path
from typing import Any

from app.infra.db import Database, migrate_sqlite, migrations
from app.infra.usage import STAGES

__all__ = ["Database", "TurnLog", "connect", "migrate", "migrations", "redact", "retrieved_documents"]

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


def connect(path: Path | str) -> Any:
    """A connection to the state database (a SQLite path or a PostgreSQL URL), migrated to the latest schema."""
    return Database(path).connect()


def retrieved_documents(turn: dict[str, Any]) -> list[str]:
    """The documents a logged turn was answered from, in retrieval order (from its ``passages`` column)."""
    docs = [p.get("doc_id") for p in json.loads(turn.get("passages") or "[]")]
    return list(dict.fromkeys(d for d in docs if d))


def migrate(conn: sqlite3.Connection) -> int:
    return migrate_sqlite(conn)


class TurnLog:
    """The answered turns and their feedback, in the state database (``Settings.state_database``: the SQLite file
    beside the index, or PostgreSQL)."""

    def __init__(self, target: Path | str | Database, secrets: tuple[str, ...] = ()) -> None:
        self.db = target if isinstance(target, Database) else Database(target)
        self.secrets = secrets

    def _connect(self) -> Any:
        return self.db.connect()

    def append(self, record: dict[str, Any], conversation_id: str | None = None) -> int:
        latency = record.get("latency_ms", {})
        usage = record.get("usage", {})
        prompt = record.get("prompt") or {}
        row = {
            "ts": _now(),
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
            "uid": record.get("turn_id"),
            "passages": json.dumps(record.get("passages", [])),
            "graph_nodes": json.dumps((record.get("graph") or {}).get("nodes", [])),
            **{f"latency_{k}_ms": latency.get(k) for k in STAGES},
        }
        conn = self._connect()
        try:
            with conn:
                got = conn.execute(f"INSERT INTO turns ({', '.join(row)}) VALUES ({', '.join('?' * len(row))}) "
                                   "RETURNING id", list(row.values())).fetchone()
        finally:
            conn.close()
        return int(got["id"])

    def rows(self, limit: int = 1000) -> list[dict[str, Any]]:
        """The latest turns, newest first, each with its feedback (``rating``, ``comment``) when it has one."""
        return self._select("SELECT t.*, f.rating, f.comment AS feedback_comment, f.promoted_case "
                            "FROM turns t LEFT JOIN feedback f ON f.turn_uid = t.uid ORDER BY t.id DESC LIMIT ?",
                            (limit,))

    def turn(self, uid: str) -> dict[str, Any] | None:
        got = self._select("SELECT t.*, f.rating, f.comment AS feedback_comment, f.channel, f.promoted_case "
                           "FROM turns t LEFT JOIN feedback f ON f.turn_uid = t.uid WHERE t.uid = ?", (uid,))
        return got[0] if got else None

    def rate(self, uid: str, rating: int, comment: str, channel: str, client: str | None = None) -> None:
        """Record (or replace) the feedback on one turn. The caller has checked that the turn exists and that
        this client may rate it; the comment is redacted like the question."""
        with self._connect() as conn:
            conn.execute(
                "INSERT INTO feedback (turn_uid, ts, rating, comment, channel, client) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (turn_uid) DO UPDATE SET ts = excluded.ts, rating = excluded.rating, "
                "comment = excluded.comment, channel = excluded.channel, client = excluded.client",
                (uid, _now(), rating, redact(comment, self.secrets), channel, client))
            conn.commit()
        conn.close()

    def feedback(self, rating: int | None = None, limit: int = 1000) -> list[dict[str, Any]]:
        """Rated turns, newest rating first: the turn's question, answer, prompt, backend and passages with it."""
        where, args = ("WHERE f.rating = ?", (rating, limit)) if rating else ("", (limit,))
        return self._select("SELECT t.*, f.rating, f.comment AS feedback_comment, f.channel, f.promoted_case, "
                            f"f.ts AS rated_at FROM feedback f JOIN turns t ON t.uid = f.turn_uid {where} "
                            "ORDER BY f.id DESC LIMIT ?", args)

    def conversation(self, conversation_id: str, before: int) -> list[dict[str, Any]]:
        """The turns of one conversation logged before turn ``before`` (a row id), oldest first."""
        return self._select("SELECT * FROM turns WHERE conversation_id = ? AND id < ? ORDER BY id",
                            (conversation_id, before))

    def mark_promoted(self, uid: str, case_id: str) -> None:
        with self._connect() as conn:
            conn.execute("UPDATE feedback SET promoted_case = ? WHERE turn_uid = ?", (case_id, uid))
            conn.commit()
        conn.close()

    def _select(self, sql: str, args: tuple[Any, ...]) -> list[dict[str, Any]]:
        if not self.db.exists():
            return []
        with self._connect() as conn:
            got = [dict(r) for r in conn.execute(sql, args)]
        conn.close()
        return got


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
