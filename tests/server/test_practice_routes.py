"""The practice routes on a real `tutor serve` (uvicorn on loopback): items come without answers, an answer is
graded with its source and counts in progress, every route needs a key, one key never sees another key's
learners, and bad input gets a clear 4xx."""

from __future__ import annotations

import json

import httpx
import pytest
from live import LiveServer, keyed_server

from app.core.practice import bank_path
from app.infra.learners import Learners

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served(small_index_template, tmp_path_factory):
    with keyed_server(small_index_template, tmp_path_factory.mktemp("practice-routes")) as served:
        yield served


def call(live: LiveServer, method: str, path: str, key: str | None, **kw) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.request(method, f"{live.url}{path}", headers=headers, timeout=60, **kw)


def test_a_quiz_answer_and_progress_per_key(served):
    live, cfg, keys = served
    r = call(live, "GET", "/v1/quiz?topic=linux&n=3&profile=sam", keys["alice"])
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert len(items) == 3 and all(i["topic"] == "linux" and "answer" not in i and i["source"] for i in items)
    bank = {i["id"]: i for u in json.loads(bank_path(cfg).read_text())["units"].values() for i in u["items"]}
    first = items[0]
    r = call(live, "POST", "/v1/quiz/answer", keys["alice"],
             json={"item_id": first["id"], "answer": bank[first["id"]]["answer"], "profile": "sam"})
    assert r.status_code == 200, r.text
    result = r.json()
    assert result["correct"] and result["profile"] == "sam" and result["chunk_id"] == bank[first["id"]]["chunk_id"]
    assert result["evidence"] and result["source"] and result["interval_days"] > 0 and result["mastery"] > 0
    mine = call(live, "GET", "/v1/progress?profile=sam", keys["alice"]).json()
    assert mine["scheduled"] == 1 and mine["profile"] == "sam"
    theirs = call(live, "GET", "/v1/progress?profile=sam", keys["bob"]).json()
    assert theirs["scheduled"] == 0  # bob's "sam" is another learner
    assert "alice:sam" in Learners.for_settings(cfg).profiles()
    # bob cannot reach alice's learner by naming the stored profile
    assert call(live, "GET", "/v1/progress?profile=alice:sam", keys["bob"]).status_code == 400


def test_every_route_needs_a_key(served):
    live, _, _ = served
    for method, path in (("GET", "/v1/quiz"), ("POST", "/v1/quiz/answer"), ("GET", "/v1/progress")):
        r = call(live, method, path, None)
        assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_api_key"
        assert call(live, method, path, "tk-wrong").status_code == 401


@pytest.mark.parametrize(("method", "path", "body", "status", "code"), [
    ("GET", "/v1/quiz?profile=../etc", None, 400, "invalid_profile"),
    ("GET", "/v1/quiz?profile=" + "x" * 65, None, 400, "invalid_profile"),
    ("GET", "/v1/quiz?n=0", None, 400, "invalid_count"),
    ("GET", "/v1/quiz?n=many", None, 400, "invalid_count"),
    ("GET", "/v1/quiz?topic=astrology", None, 404, "topic_not_found"),
    ("POST", "/v1/quiz/answer", {"item_id": "q-nope", "answer": "A"}, 404, "item_not_found"),
    ("POST", "/v1/quiz/answer", ["q-1", "A"], 400, "invalid_request"),
    ("POST", "/v1/quiz/answer", {"item_id": "q-1", "answer": "A", "extra": 1}, 400, "invalid_request"),
    ("POST", "/v1/quiz/answer", {"item_id": "q-1", "answer": "  "}, 400, "invalid_answer"),
    ("POST", "/v1/quiz/answer", {"item_id": "q-1", "answer": "A", "profile": "a b"}, 400, "invalid_profile"),
    ("GET", "/v1/progress?profile=", None, 400, "invalid_profile"),
])
def test_bad_input_is_a_clear_4xx(served, method, path, body, status, code):
    live, _, keys = served
    r = call(live, method, path, keys["alice"], **({"json": body} if body is not None else {}))
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code and r.json()["error"]["message"]
