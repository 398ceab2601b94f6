"""The state database on a real PostgreSQL server (Debian's package, a throwaway cluster on loopback): the same
migrations build the same tables as on SQLite, replicas starting together migrate once, the turn log, feedback and
lab results work the same, a dead database is one clear line, and two `tutor serve` processes share one learner's
state."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys

import httpx
import pytest
from conftest import TUTOR, free_port, guarded_env, run_tutor, wait_for
from pgserver import new_database, postgres_server

from app.core.feedback import record_feedback
from app.core.practice import bank_path
from app.errors import TutorError
from app.infra import labresults
from app.infra.db import Database, migrations, shown
from app.infra.settings import Settings
from app.infra.turnlog import TurnLog

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server():
    with postgres_server() as url:
        yield url


@pytest.fixture()
def pg(server) -> str:
    return new_database(server)


def columns_sqlite(path) -> dict[str, set[str]]:
    conn = sqlite3.connect(path)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                         "AND name NOT LIKE 'sqlite_%'")]
    return {t: {r[1] for r in conn.execute(f"PRAGMA table_info({t})")} for t in tables}


def columns_postgres(url) -> dict[str, set[str]]:
    import psycopg

    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT table_name, column_name FROM information_schema.columns "
                            "WHERE table_schema = 'public' AND table_name <> 'schema_migrations'").fetchall()
    out: dict[str, set[str]] = {}
    for table, column in rows:
        out.setdefault(table, set()).add(column)
    return out


def test_the_same_migrations_build_the_same_tables(pg, tmp_path):
    Database(tmp_path / "usage.sqlite").connect().close()
    Database(pg).connect().close()
    lite, postgres = columns_sqlite(tmp_path / "usage.sqlite"), columns_postgres(pg)
    assert {"turns", "feedback", "lab_results"} <= set(lite)
    assert postgres == lite


def test_replicas_starting_together_migrate_once(pg):
    script = "import sys; from app.infra.db import Database; Database(sys.argv[1]).connect().close()"
    procs = [subprocess.Popen([sys.executable, "-c", script, pg], env=guarded_env(), stderr=subprocess.PIPE,
                              text=True) for _ in range(4)]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, errors
    import psycopg

    with psycopg.connect(pg) as conn:
        applied = [r[0] for r in conn.execute("SELECT version FROM schema_migrations ORDER BY version")]
    assert applied == [n for n, _ in migrations()]


def test_turn_log_feedback_and_lab_results_on_postgres(pg):
    log = TurnLog(pg, secrets=("operatorsecret123",))
    record = {"question": "what is a pod? operatorsecret123", "answer": "a pod is …", "backend": "extractive",
              "usage": {"input_tokens": 10}, "latency_ms": {"total": 5.0}, "citations": [],
              "passages": [{"chunk_id": "c1", "doc_id": "note-kubernetes", "source": "x"}],
              "prompt": {"name": "answer", "version": 2, "sha256": "ab"}, "graph": {"nodes": ["kubernetes"]}}
    first = log.append({**record, "turn_id": "t1"}, conversation_id="conv")
    second = log.append({**record, "question": "and a service?", "turn_id": "t2"}, conversation_id="conv")
    assert second > first > 0
    record_feedback(log, "t2", "down", "too short", channel="api", client=None)
    record_feedback(log, "t2", "up", "", channel="api")  # replaces, as on SQLite
    [rated] = log.feedback()
    assert (rated["uid"], rated["rating"], rated["feedback_comment"]) == ("t2", 1, "")
    assert log.turn("t1")["question"] == "what is a pod? [redacted]"
    assert [r["uid"] for r in log.conversation("conv", before=second)] == ["t1"]
    log.mark_promoted("t2", "fb-t2")
    assert log.turn("t2")["promoted_case"] == "fb-t2" and log.rows()[0]["rating"] == 1
    labresults.record(pg, "sql-group-by", ["sql"], False, "wrong rows", profile="ana")
    labresults.record(pg, "sql-group-by", ["sql"], True, "passed", profile="ana")
    assert labresults.latest(pg, "ana")["sql-group-by"]["ever_passed"] is True
    assert labresults.passed_per_node(pg, "ana") == {"sql": ["sql-group-by"]}
    assert labresults.latest(pg, "someone-else") == {}


def test_a_dead_database_is_one_clear_line_without_its_password():
    url = f"postgresql://tutor:hunter2secret@127.0.0.1:{free_port()}/tutor"
    with pytest.raises(TutorError) as info:
        TurnLog(url).append({"question": "q", "answer": "a", "backend": "extractive", "usage": {},
                             "latency_ms": {}, "citations": []})
    message = str(info.value)
    assert message.startswith(f"cannot connect to the database postgresql://tutor@127.0.0.1:{url.split(':')[3]}")
    assert "hunter2secret" not in message and "\n" not in message
    assert shown(url) == url.replace(":hunter2secret", "")


def test_a_bad_database_url_is_a_setting_error(small_index):
    proc = run_tutor("ask", "What is Docker?", check=False, TUTOR_DATA_DIR=str(small_index.data_dir),
                     TUTOR_DATABASE_URL="mysql://x@y/z")
    assert proc.returncode == 2 and "TUTOR_DATABASE_URL" in proc.stderr and "postgresql://" in proc.stderr
    assert "Traceback" not in proc.stderr


def start_replicas(count: int, env: dict[str, str]) -> list[tuple[str, subprocess.Popen]]:
    replicas = []
    for _ in range(count):
        port = free_port()
        proc = subprocess.Popen([TUTOR, "serve", "--port", str(port)], env=guarded_env(**env),
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        replicas.append((f"http://127.0.0.1:{port}", proc))
    for url, proc in replicas:
        wait_for(f"{url}/readyz", proc, 120, "tutor serve")
    return replicas


def stop(replicas: list[tuple[str, subprocess.Popen]]) -> None:
    for _, proc in replicas:
        proc.terminate()
        proc.communicate(timeout=30)


def test_two_serve_processes_share_one_database(pg, small_index_template, tmp_path):
    """Two replicas on one index and one PostgreSQL: an answer from one is rated through the other, a learner's quiz
    session alternates between them, and a third replica started after both stopped sees the same state."""
    data = tmp_path / "data"
    shutil.copytree(small_index_template / "data", data)
    env = {"TUTOR_DATA_DIR": str(data), "TUTOR_DATABASE_URL": pg, "TUTOR_LLM": "extractive",
           "TUTOR_API_KEYS_FILE": str(tmp_path / "api-keys")}
    key = run_tutor("keys", "add", "alice", **env).stdout.strip()
    headers = {"Authorization": f"Bearer {key}"}
    replicas = start_replicas(2, env)
    try:
        (a, _), (b, _) = replicas
        body = {"model": "extractive", "messages": [{"role": "user", "content": "What is Docker?"}]}
        answered = httpx.post(f"{a}/v1/chat/completions", json=body, headers=headers, timeout=60).json()
        rated = httpx.post(f"{b}/v1/feedback", headers=headers, timeout=30,
                           json={"id": answered["id"], "rating": "down", "comment": "rated on the other replica"})
        assert rated.status_code == 200, rated.text
        again = httpx.post(f"{b}/v1/chat/completions", json=body, headers=headers, timeout=60).json()
        assert httpx.post(f"{a}/v1/feedback", headers=headers, timeout=30,
                          json={"id": again["id"], "rating": "up"}).status_code == 200

        # a learner's quiz session, each answer sent to the other replica
        items = httpx.get(f"{a}/v1/quiz", params={"topic": "linux", "n": 10, "profile": "ana"}, headers=headers,
                          timeout=60).json()["items"]
        assert len(items) == 10  # the browser test's session: ten items
        bank = {i["id"]: i for u in json.loads(bank_path(Settings(data_dir=data)).read_text())["units"].values()
                for i in u["items"]}
        for n, item in enumerate(items):
            right = n != 1  # one lapse
            answered_item = httpx.post(f"{(a, b)[n % 2]}/v1/quiz/answer", headers=headers, timeout=60, json={
                "item_id": item["id"], "profile": "ana",
                "answer": bank[item["id"]]["answer"] if right else "definitely not it"}).json()
            assert answered_item["correct"] is right
        shared = [httpx.get(f"{url}/v1/progress", params={"profile": "ana"}, headers=headers, timeout=60).json()
                  for url in (a, b)]
        assert shared[0] == shared[1] and shared[0]["scheduled"] == len(items)
    finally:
        stop(replicas)
    linux = next(t for t in shared[0]["topics"] if t["topic"] == "linux")
    assert linux["answered"] == len(items) and linux["mastery"] > 0
    later = start_replicas(1, env)  # every replica stopped: the state is in PostgreSQL, not in a process
    try:
        (c, _), = later
        after = httpx.get(f"{c}/v1/progress", params={"profile": "ana"}, headers=headers, timeout=60).json()
    finally:
        stop(later)
    assert after["scheduled"] == shared[0]["scheduled"] and after["topics"] == shared[0]["topics"]
    assert after["due_today"] == shared[0]["due_today"] >= 1  # the lapse is due again today
    log = TurnLog(pg)
    assert {r["uid"]: r["rating"] for r in log.rows()} == {answered["id"]: -1, again["id"]: 1}
    assert log.turn(answered["id"])["feedback_comment"] == "rated on the other replica"
    assert not (data / "usage.sqlite").exists()  # nothing went to the local file
