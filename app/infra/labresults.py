"""Lab check results, kept in the turn log's SQLite database (migration 0005): every check is one row, and
mastery asks which labs a learner passed per roadmap node."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from app.infra.db import Database

DEFAULT_PROFILE = "default"


def record(db: Path | str, lab_id: str, nodes: list[str], passed: bool, reason: str,
           profile: str = DEFAULT_PROFILE) -> int:
    conn = Database(db).connect()
    try:
        with conn:
            row = conn.execute(
                "INSERT INTO lab_results (ts, profile, lab_id, nodes, passed, reason) VALUES (?, ?, ?, ?, ?, ?) "
                "RETURNING id", (time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), profile, lab_id,
                                 json.dumps(nodes), int(passed), reason)).fetchone()
        return int(row["id"])
    finally:
        conn.close()


def _rows(db: Path | str, profile: str) -> list[dict[str, Any]]:
    database = Database(db)
    if not database.exists():
        return []
    conn = database.connect()
    try:
        return [dict(r) for r in conn.execute(
            "SELECT * FROM lab_results WHERE profile = ? ORDER BY id", (profile,))]
    finally:
        conn.close()


def latest(db: Path | str, profile: str = DEFAULT_PROFILE) -> dict[str, dict[str, Any]]:
    """Per lab: its last check (passed, reason, ts) and whether any check of it ever passed."""
    out: dict[str, dict[str, Any]] = {}
    for row in _rows(db, profile):
        ever = out.get(row["lab_id"], {}).get("ever_passed", False) or bool(row["passed"])
        out[row["lab_id"]] = {"passed": bool(row["passed"]), "reason": row["reason"], "ts": row["ts"],
                              "ever_passed": ever}
    return out


def passed_per_node(db: Path | str, profile: str = DEFAULT_PROFILE) -> dict[str, list[str]]:
    """Roadmap node id -> the labs exercising it that the learner passed at least once (sorted)."""
    out: dict[str, set[str]] = {}
    for row in _rows(db, profile):
        if row["passed"]:
            for node in json.loads(row["nodes"]):
                out.setdefault(node, set()).add(row["lab_id"])
    return {node: sorted(labs) for node, labs in sorted(out.items())}
