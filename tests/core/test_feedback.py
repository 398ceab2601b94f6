"""Feedback rules on the fast tier: a rating is stored with the turn it rates (prompt, backend, passages, flags),
replaces an earlier one, and bad input is refused with a sentence; the usage summary per prompt × backend."""

from __future__ import annotations

import json
import sqlite3

import pytest
from conftest import tutor_on

from app.core.feedback import (
    MAX_COMMENT_CHARS,
    FeedbackError,
    UnknownTurn,
    clean_comment,
    feedback_summary,
    parse_rating,
    record_feedback,
)
from app.infra.turnlog import TurnLog, connect, migrations


@pytest.fixture()
def logged(fake_world, tmp_path):
    """A tutor on the fast world whose turns go to a fresh log in tmp_path."""
    settings, index, embedder = fake_world
    tutor = tutor_on(fake_world)
    tutor.turns = TurnLog(tmp_path / "usage.sqlite")
    return tutor


def test_a_rated_turn_keeps_what_it_was_answered_with(logged):
    answer = logged.ask("What should I learn before Kubernetes?")
    assert len(answer.turn_id) == 32 and answer.to_json()["turn_id"] == answer.turn_id
    rating = record_feedback(logged.turns, answer.turn_id, "down", "  it missed top  ", channel="cli")
    assert (rating.rating, rating.comment, rating.word) == (-1, "it missed top", "down")
    row = logged.turns.turn(answer.turn_id)
    assert row["rating"] == -1 and row["feedback_comment"] == "it missed top" and row["channel"] == "cli"
    assert row["prompt_name"] == "answer" and row["backend"] == "extractive"
    passages = json.loads(row["passages"])
    assert [p["chunk_id"] for p in passages] == [p.id for p in answer.passages]
    assert {p["doc_id"] for p in passages} == {p.metadata["doc_id"] for p in answer.passages}
    assert json.loads(row["graph_nodes"]) == answer.graph["nodes"]
    record_feedback(logged.turns, answer.turn_id, "up", None, channel="ui")
    rated = logged.turns.feedback()
    assert len(rated) == 1 and rated[0]["rating"] == 1 and rated[0]["channel"] == "ui"


def test_feedback_on_no_turn_or_another_clients_turn_is_unknown(logged):
    answer = logged.ask("What is Docker?", client="alice")
    with pytest.raises(UnknownTurn, match="no answer with id 'deadbeef'"):
        record_feedback(logged.turns, "deadbeef", "down")
    with pytest.raises(UnknownTurn, match="for this API key"):
        record_feedback(logged.turns, answer.turn_id, "down", channel="api", client="bob")
    with pytest.raises(UnknownTurn):
        record_feedback(logged.turns, "../../etc/passwd", "down")
    with pytest.raises(FeedbackError, match="without one"):
        record_feedback(None, answer.turn_id, "down")
    assert logged.turns.feedback() == []


@pytest.mark.parametrize(("comment", "message"), [
    ("x" * (MAX_COMMENT_CHARS + 1), "too long"),
    ("x" * (1 << 20), "too long"),
    ("ok\x00then", "control characters"),
    ("\x1b]0;pwned\x07", "control characters"),
    ("left\u202eright", "control characters"),
    (b"bytes", "must be text"),
])
def test_bad_comments_are_refused(comment, message):
    with pytest.raises(FeedbackError, match=message):
        clean_comment(comment)


def test_comments_keep_newlines_and_ratings_have_a_few_spellings():
    assert clean_comment("line one\r\nline\ttwo\n") == "line one\nline\ttwo"
    assert [parse_rating(v) for v in ("up", "DOWN", "+1", -1, 1, True, False, "bad")] == [1, -1, 1, -1, 1, 1, -1, -1]
    for bad in ("sideways", 0, 2, None, 1.0):
        with pytest.raises(FeedbackError, match="'up' or 'down'"):
            parse_rating(bad)


def test_a_comment_is_redacted_like_a_question(tmp_path):
    log = TurnLog(tmp_path / "usage.sqlite", secrets=("operatorsecret123",))
    log.append({"question": "q", "answer": "a", "backend": "extractive", "usage": {}, "latency_ms": {},
                "citations": [], "turn_id": "t1"})
    record_feedback(log, "t1", "down", "my key sk-abcdefghijklmnop1234 and operatorsecret123 leaked")
    assert log.turn("t1")["feedback_comment"] == "my key [redacted] and [redacted] leaked"


def test_the_feedback_migration_upgrades_a_log_with_turns(tmp_path):
    db = tmp_path / "usage.sqlite"
    old = sqlite3.connect(db)
    for number, path in migrations():
        if number < 4:
            old.executescript(path.read_text())
    old.execute("PRAGMA user_version = 3")
    old.execute("INSERT INTO turns (ts, question, answer, citations, flags, backend) "
                "VALUES ('2026-01-01T00:00:00Z', 'old q', 'old a', '[]', '[]', 'extractive')")
    old.commit()
    old.close()
    conn = connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] >= 4
    assert tuple(conn.execute("SELECT question, uid FROM turns").fetchone()) == ("old q", None)  # kept, unrated
    conn.close()
    assert TurnLog(db).rows()[0]["rating"] is None


def test_feedback_summary_per_prompt_and_backend():
    rows = [{"prompt_name": "answer", "prompt_version": 2, "backend": "extractive", "rating": r}
            for r in (1, -1, -1, None)]
    rows += [{"prompt_name": "answer", "prompt_version": 3, "backend": "local", "rating": None},
             {"prompt_name": None, "prompt_version": None, "backend": "policy", "rating": -1}]
    summary = feedback_summary(rows)
    assert summary == [
        {"prompt": "answer@2", "backend": "extractive", "answers": 4, "rated": 3, "up": 1, "down": 2,
         "feedback_rate": 0.75, "down_share": 0.667},
        {"prompt": "answer@3", "backend": "local", "answers": 1, "rated": 0, "up": 0, "down": 0,
         "feedback_rate": 0.0, "down_share": None}]
