"""Where the tutor's state lives: the turn log, feedback, lab results and learners' practice.

By default one SQLite file beside the index (``<data dir>/usage.sqlite``); with ``TUTOR_DATABASE_URL`` set to a
``postgresql://`` URL, a PostgreSQL database, so several `tutor serve` replicas share every learner's state. The
two run the same numbered migrations (``app/infra/migrations/NNNN_*.sql``), written in the SQL both accept; the
only translations are ``INTEGER PRIMARY KEY AUTOINCREMENT`` → ``BIGSERIAL PRIMARY KEY`` and ``INTEGER`` →
``BIGINT`` (SQLite's integers are 64-bit; PostgreSQL's INTEGER is 32-bit, too small for an FSRS card id).

Code above this module writes SQL once, with ``?`` placeholders, reads rows by column name, and uses only
``execute``, ``fetchone``/``fetchall``, ``commit`` and ``close`` (and ``with conn:`` for a transaction). A
PostgreSQL connection is wrapped to speak that subset; SQLite's own connection already does.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from app.errors import TutorError

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_PG_SCHEMES = ("postgresql", "postgres")
_MIGRATION_LOCK = 7_283_911  # pg_advisory_xact_lock key: one replica migrates at a time
_AUTOINCREMENT = re.compile(r"\bINTEGER\s+PRIMARY\s+KEY\s+AUTOINCREMENT\b", re.IGNORECASE)
_INTEGER = re.compile(r"\bINTEGER\b", re.IGNORECASE)


class Connection(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ...) -> Any: ...
    def commit(self) -> None: ...
    def close(self) -> None: ...
    def __enter__(self) -> Any: ...
    def __exit__(self, kind: Any, value: Any, traceback: Any, /) -> Any: ...


def migrations() -> list[tuple[int, Path]]:
    return sorted((int(p.name.split("_", 1)[0]), p) for p in MIGRATIONS_DIR.glob("*.sql"))


def is_postgres(target: Path | str) -> bool:
    return isinstance(target, str) and urlsplit(target).scheme in _PG_SCHEMES


def shown(target: Path | str) -> str:
    """The database for a message or a log line: a PostgreSQL URL without its password."""
    if not is_postgres(target):
        return str(target)
    parts = urlsplit(str(target))
    host = parts.hostname or "localhost"
    user = f"{parts.username}@" if parts.username else ""
    return f"{parts.scheme}://{user}{host}{f':{parts.port}' if parts.port else ''}{parts.path}"


class Database:
    """One database, SQLite (a path) or PostgreSQL (a URL). ``connect()`` migrates on a process's first use."""

    _migrated: set[str] = set()
    _lock = threading.Lock()

    def __init__(self, target: Path | str) -> None:
        self.target = target if is_postgres(target) else Path(target)
        self.postgres = is_postgres(target)

    def __repr__(self) -> str:
        return f"Database({shown(self.target)})"

    def exists(self) -> bool:
        """False only for a SQLite file not created yet (reads of it are empty, and create nothing)."""
        return self.postgres or Path(self.target).exists()

    def connect(self) -> Connection:
        key = str(self.target)
        conn = self._open()
        if not self.postgres:  # one PRAGMA read when up to date; a file deleted and made again is migrated again
            migrate_sqlite(conn)  # type: ignore[arg-type]
        elif key not in Database._migrated:
            with Database._lock:
                if key not in Database._migrated:
                    self._migrate(conn)
                    Database._migrated.add(key)
        return conn

    def _open(self) -> Connection:
        if not self.postgres:
            path = Path(self.target)
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path, timeout=10)
            conn.row_factory = sqlite3.Row
            return conn
        try:
            import psycopg
            from psycopg.rows import dict_row
        except ImportError:
            raise TutorError("TUTOR_DATABASE_URL names PostgreSQL, but psycopg is not installed: "
                             "pip install -e '.[postgres]'") from None
        try:
            return PostgresConnection(psycopg.connect(str(self.target), row_factory=dict_row, connect_timeout=10))
        except psycopg.OperationalError as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise TutorError(f"cannot connect to the database {shown(self.target)}: {reason}") from None

    def _migrate(self, conn: Connection) -> int:
        return migrate_postgres(conn)  # type: ignore[arg-type]


def migrate_sqlite(conn: sqlite3.Connection) -> int:
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    pending = [(n, p) for n, p in migrations() if n > current]
    if pending and current == 0:
        conn.execute("PRAGMA journal_mode=WAL")  # persistent: set once with the schema
    for number, path in pending:
        if number > current:
            with conn:
                conn.executescript(path.read_text(encoding="utf-8"))
                conn.execute(f"PRAGMA user_version = {number}")
            current = number
    return int(current)


def migrate_postgres(conn: PostgresConnection) -> int:
    """Each pending migration in its own transaction, all under one advisory lock, so replicas starting together
    apply each one once (even ``CREATE TABLE IF NOT EXISTS`` races in PostgreSQL without it); the applied numbers
    are kept in ``schema_migrations``."""
    with conn:
        conn.raw.execute("SELECT pg_advisory_lock(%s)", (_MIGRATION_LOCK,))  # a session lock: held across commits
    try:
        with conn:
            conn.raw.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                             "applied_at TEXT NOT NULL)")
        current = 0
        for number, path in migrations():
            with conn:
                done = conn.raw.execute("SELECT 1 FROM schema_migrations WHERE version = %s", (number,)).fetchone()
                if not done:
                    conn.raw.execute(postgres_sql(path.read_text(encoding="utf-8")))
                    conn.raw.execute("INSERT INTO schema_migrations (version, applied_at) VALUES (%s, now()::text)",
                                     (number,))
            current = number
        return current
    finally:
        with conn:
            conn.raw.execute("SELECT pg_advisory_unlock(%s)", (_MIGRATION_LOCK,))


def postgres_sql(script: str) -> str:
    return _INTEGER.sub("BIGINT", _AUTOINCREMENT.sub("BIGSERIAL PRIMARY KEY", script))


class PostgresConnection:
    """A psycopg connection that takes ``?`` placeholders and returns rows as dicts, like the SQLite one."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        if params:
            sql = sql.replace("%", "%%").replace("?", "%s")
            return self.raw.execute(sql, tuple(params))
        return self.raw.execute(sql)

    def commit(self) -> None:
        self.raw.commit()

    def close(self) -> None:
        self.raw.close()

    def __enter__(self) -> PostgresConnection:
        return self

    def __exit__(self, kind: Any, value: Any, traceback: Any, /) -> None:
        if kind is None:
            self.raw.commit()
        else:
            self.raw.rollback()

    def __iter__(self) -> Iterator[Any]:  # pragma: no cover - not part of the subset
        raise TypeError("iterate over execute(...), not the connection")
