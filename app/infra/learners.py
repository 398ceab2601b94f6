"""Learner state for practice: profiles, one FSRS card per learner and quiz item, and every quiz answer. All of
its SQL lives here, in portable SQL (``?`` placeholders, ON CONFLICT upserts, timestamps computed in Python), so
the same class runs on the turn log's SQLite file (the default) or on any connection with the same interface
(``execute(sql, params)``, rows by column name, ``commit``, ``close``). The schema is migration 0006."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from app.errors import TutorError
from app.infra.settings import Settings

PROFILE_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
DEFAULT_PROFILE = "default"
Connection = Any  # sqlite3.Connection, or a driver connection with the same four methods


def check_profile(name: str) -> str:
    """A profile name as a learner may type it: 1-64 letters, digits, '.', '_' or '-'."""
    if not isinstance(name, str) or not PROFILE_NAME.match(name):
        raise TutorError("a profile name is 1-64 letters, digits, '.', '_' or '-'")
    return name


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Learners:
    def __init__(self, connect: Callable[[], Connection]) -> None:
        self._connect = connect

    @classmethod
    def for_settings(cls, settings: Settings) -> Learners:
        """The state database: the turn log's SQLite file, or PostgreSQL with TUTOR_DATABASE_URL (app/infra/db.py;
        migrations run on first use)."""
        from app.infra.db import Database

        return cls(Database(settings.state_database).connect)

    def _rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        conn = self._connect()
        try:
            return [dict(r) for r in conn.execute(sql, params).fetchall()]
        finally:
            conn.close()

    # --- profiles ---

    def ensure_profile(self, name: str) -> None:
        conn = self._connect()
        try:
            conn.execute("INSERT INTO learner_profiles (name, created) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                         (name, now_iso()))
            conn.commit()
        finally:
            conn.close()

    def profiles(self, prefix: str = "") -> list[str]:
        """Profile names, those starting with ``prefix`` (a key's namespace) only when given."""
        rows = self._rows("SELECT name FROM learner_profiles ORDER BY name")
        return [r["name"] for r in rows if r["name"].startswith(prefix)]

    def parameters(self, profile: str) -> list[float] | None:
        rows = self._rows("SELECT fsrs_parameters FROM learner_profiles WHERE name = ?", (profile,))
        return json.loads(rows[0]["fsrs_parameters"]) if rows and rows[0]["fsrs_parameters"] else None

    def set_parameters(self, profile: str, parameters: list[float] | None) -> None:
        self.ensure_profile(profile)
        conn = self._connect()
        try:
            conn.execute("UPDATE learner_profiles SET fsrs_parameters = ? WHERE name = ?",
                         (json.dumps(parameters) if parameters is not None else None, profile))
            conn.commit()
        finally:
            conn.close()

    # --- cards and answers ---

    def cards(self, profile: str) -> list[dict[str, Any]]:
        return self._rows("SELECT item_id, topic, node, card, due, last_correct, reps, lapses, updated "
                          "FROM learner_reviews WHERE profile = ? ORDER BY item_id", (profile,))

    def card(self, profile: str, item_id: str) -> dict[str, Any] | None:
        rows = self._rows("SELECT item_id, topic, node, card, due, last_correct, reps, lapses, updated "
                          "FROM learner_reviews WHERE profile = ? AND item_id = ?", (profile, item_id))
        return rows[0] if rows else None

    def due(self, profile: str, before: str) -> list[dict[str, Any]]:
        """Cards due at or before ``before`` (ISO-8601 UTC), the most overdue first."""
        return self._rows("SELECT item_id, topic, node, card, due, last_correct FROM learner_reviews "
                          "WHERE profile = ? AND due <= ? ORDER BY due, item_id", (profile, before))

    def record_answer(self, profile: str, item: dict[str, Any], answer: str, correct: bool, rating: int,
                      card_json: str, due: str, card_id: int, scheduled_days: float, channel: str) -> None:
        """One answer: its card replaces the learner's card of the item, and the attempt is appended (one
        transaction)."""
        ts = now_iso()
        conn = self._connect()
        try:
            conn.execute("INSERT INTO learner_profiles (name, created) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                         (profile, ts))
            conn.execute(
                "INSERT INTO learner_reviews (profile, item_id, topic, node, card, due, last_correct, reps, lapses, "
                "updated) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?) ON CONFLICT (profile, item_id) DO UPDATE SET "
                "topic = excluded.topic, node = excluded.node, card = excluded.card, due = excluded.due, "
                "last_correct = excluded.last_correct, reps = learner_reviews.reps + 1, "
                "lapses = learner_reviews.lapses + excluded.lapses, updated = excluded.updated",
                (profile, item["id"], item["topic"], item["node"], card_json, due, int(correct), int(not correct), ts))
            conn.execute(
                "INSERT INTO quiz_attempts (ts, profile, item_id, topic, node, kind, answer, correct, rating, card_id, "
                "scheduled_days, channel) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (ts, profile, item["id"], item["topic"], item["node"], item["kind"], answer[:500], int(correct),
                 rating, card_id, scheduled_days, channel))
            conn.commit()
        finally:
            conn.close()

    def attempts(self, profile: str, limit: int = 100_000) -> list[dict[str, Any]]:
        return self._rows("SELECT ts, item_id, topic, node, kind, answer, correct, rating, card_id, scheduled_days "
                          "FROM quiz_attempts WHERE profile = ? ORDER BY id LIMIT ?", (profile, limit))
