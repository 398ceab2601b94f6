"""POST /v1/feedback on a real `tutor serve` (uvicorn on loopback, the official openai client for the answers):
a rating lands in the turn log with the turn it rates; a client without a key, another key's turn, a 1 MB
comment and control characters are refused with a clear message."""

from __future__ import annotations

import httpx
import pytest
from live import LiveServer, ask, keyed_server, metric

from app.infra.turnlog import TurnLog

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served(small_index_template, tmp_path_factory):
    with keyed_server(small_index_template, tmp_path_factory.mktemp("feedback")) as served:
        yield served


def rate(live: LiveServer, body: dict | bytes, key: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    if isinstance(body, bytes):
        return httpx.post(f"{live.url}/v1/feedback", content=body, timeout=30,
                          headers={**headers, "Content-Type": "application/json"})
    return httpx.post(f"{live.url}/v1/feedback", json=body, headers=headers, timeout=30)


def test_thumbs_down_with_a_comment_is_stored_with_its_turn(served):
    live, cfg, keys = served
    completion = live.client(keys["alice"]).chat.completions.create(model="extractive",
                                                                    messages=ask("What is a Dockerfile?"))
    assert completion.tutor["turn_id"] == completion.id  # the id a stock client already has
    r = rate(live, {"id": completion.id, "rating": "down", "comment": "It never said what FROM does."},
             keys["alice"])
    assert r.status_code == 200, r.text
    assert r.json() == {"object": "feedback", "id": completion.id, "rating": "down",
                        "comment": "It never said what FROM does."}
    row = TurnLog(cfg.turn_log_path).turn(completion.id)
    assert row is not None and row["rating"] == -1 and row["channel"] == "api"
    assert row["feedback_comment"] == "It never said what FROM does." and row["client"] == "alice"
    assert row["question"] == "What is a Dockerfile?" and row["backend"] == "extractive"
    assert row["prompt_name"] == "answer" and '"chunk_id"' in row["passages"]  # what it was answered from
    # changing one's mind replaces the rating rather than adding a second one
    assert rate(live, {"id": completion.id, "rating": "up"}, keys["alice"]).status_code == 200
    rated = [f for f in TurnLog(cfg.turn_log_path).feedback() if f["uid"] == completion.id]
    assert len(rated) == 1 and rated[0]["rating"] == 1 and rated[0]["feedback_comment"] == ""
    text = httpx.get(f"{live.url}/metrics", headers={"Authorization": f"Bearer {keys['bob']}"}).text
    assert metric(text, "tutor_feedback_total", rating="down") >= 1
    assert metric(text, "tutor_feedback_total", rating="up") >= 1


def test_feedback_without_the_key_or_on_another_keys_answer_is_refused(served):
    live, cfg, keys = served
    completion = live.client(keys["alice"]).chat.completions.create(model="extractive", messages=ask())
    nokey = rate(live, {"id": completion.id, "rating": "down"}, None)
    assert nokey.status_code == 401 and nokey.json()["error"]["code"] == "invalid_api_key"
    wrong = rate(live, {"id": completion.id, "rating": "down"}, "tk-not-a-key-at-all-000000000")
    assert wrong.status_code == 401
    other = rate(live, {"id": completion.id, "rating": "down"}, keys["bob"])
    assert other.status_code == 404 and other.json()["error"]["code"] == "turn_not_found"
    made_up = rate(live, {"id": "chatcmpl-0000", "rating": "down"}, keys["bob"])
    assert made_up.status_code == 404 and made_up.json()["error"]["message"] == other.json()["error"]["message"] \
        .replace(completion.id, "chatcmpl-0000")  # another key's turn looks exactly like no turn
    assert TurnLog(cfg.turn_log_path).turn(completion.id)["rating"] is None


@pytest.mark.parametrize(("body", "status", "needle"), [
    ({"rating": "down", "comment": "x" * (1 << 20)}, 413, "larger than 16 KiB"),
    ({"rating": "down", "comment": "y" * 5000}, 400, "too long (5000 characters; the limit is 2000)"),
    ({"rating": "down", "comment": "fine\x1b[2Jcleared"}, 400, "control characters"),
    ({"rating": "down", "comment": "bidi \u202eevil"}, 400, "control characters"),
    ({"rating": "meh"}, 400, "'up' or 'down'"),
    ({"rating": "down", "comment": ["a", "list"]}, 400, "must be text"),
    ({"rating": "down", "extra": 1}, 400, "'id' (the completion id)"),
    (b'{"id": "x", "rating": ', 400, "not valid JSON"),
    (b"\xff\xfe", 400, "not valid UTF-8"),
])
def test_bad_feedback_gets_a_clear_message_and_stores_nothing(served, body, status, needle):
    live, cfg, keys = served
    completion = live.client(keys["bob"]).chat.completions.create(model="extractive", messages=ask())
    if isinstance(body, dict):
        body = {"id": completion.id, **body}
    r = rate(live, body, keys["bob"])
    assert r.status_code == status, r.text
    assert needle in r.json()["error"]["message"]
    assert TurnLog(cfg.turn_log_path).turn(completion.id)["rating"] is None
