"""A learner's practice session end to end in a real browser: answer 10 items on the Practice page, see the
mastery on the Learning-path graph, restart the app on the same data dir, and find mastery and the reviews
still there. Same network watch as test_browser.py (nothing may leave loopback)."""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

import pytest
from conftest import free_port
from test_browser import RecordingProxy, is_loopback_url, need_browser, start_streamlit, watched_page

from app.core.practice import bank_path
from app.infra.settings import Settings

pytestmark = pytest.mark.slow
ANSWERS = 10


def reply_for(item: dict) -> str:
    if item["kind"] == "order":
        return "".join("ABCD"[item["options"].index(t)] for t in item["answer"].split(", "))
    return "ABCD"[item["options"].index(item["answer"])] if item["options"] else item["answer"]


def status_line(page) -> str:
    page.get_by_text("scheduled").first.wait_for(timeout=120_000)
    return re.search(r"Reviews: \d+ due now · \d+ due today · \d+ scheduled", page.inner_text("body"))[0]


def graph_text(page, url: str) -> str:
    page.goto(f"{url}/learning_path", wait_until="domcontentloaded")
    page.locator("svg text").filter(has_text="Python").first.wait_for(timeout=120_000)
    return " ".join(page.locator("svg text").all_text_contents())


def shown_item(page, n: int, previous: str) -> str:
    """The id of question n's item, once its caption is on the page (Streamlit draws a question's elements one
    after another, so the heading can be there before the caption; the last question's caption is not it)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        text = page.inner_text("body")
        found = re.search(r"item (q-[0-9a-f]{12})", text)
        if f"Question {n + 1} of" in text and found and found[1] != previous:
            return found[1]
        page.wait_for_timeout(100)
    raise AssertionError(f"question {n + 1} never showed its item id")


def test_practice_session_survives_a_restart(full_index, tmp_path: Path):
    need_browser()
    data = tmp_path / "data"  # a copy: this test writes learner state beside the index
    shutil.copytree(full_index.data_dir, data, ignore=shutil.ignore_patterns("usage.sqlite*", "quiz"))
    settings = Settings(data_dir=data)
    url_port = free_port()
    url = f"http://127.0.0.1:{url_port}"
    proc = start_streamlit(settings, url_port)
    try:
        with RecordingProxy() as proxy, watched_page(proxy.url) as (page, seen):
            page.goto(f"{url}/practice", wait_until="domcontentloaded")
            assert status_line(page) == "Reviews: 0 due now · 0 due today · 0 scheduled"
            assert "1. Python ·" not in graph_text(page, url)
            page.goto(f"{url}/practice", wait_until="domcontentloaded")
            page.get_by_role("button", name="Start quiz").click()
            bank = {i["id"]: i for u in json.loads(bank_path(settings).read_text())["units"].values()
                    for i in u["items"]}
            item_id = ""
            for n in range(ANSWERS):
                page.get_by_text(f"Question {n + 1} of {ANSWERS}").wait_for(timeout=60_000)
                item_id = shown_item(page, n, item_id)
                # the last question's result may still be on the page while this one is drawn: wait for it to go,
                # or its "Source:" would be read as this answer's
                page.wait_for_function("() => !document.body.innerText.includes('Source:')", timeout=60_000)
                box = page.get_by_label(re.compile("Your answer"))
                box.fill(reply_for(bank[item_id]))
                page.get_by_role("button", name="Check").click()
                page.get_by_text("Source:").first.wait_for(timeout=60_000)
                body = page.inner_text("body")
                verdict = re.findall(r"Not quite[^\n]*", body)
                assert "Right." in body, f"item {item_id} graded wrong: {verdict}"
                page.get_by_role("button", name="Next question").click()
            page.get_by_text("Session done").wait_for(timeout=60_000)
            before = status_line(page)
            assert before.endswith(f"{ANSWERS} scheduled")
            graph_before = graph_text(page, url)
            assert re.search(r"1\. Python · \d+%", graph_before), graph_before
        proc.terminate()
        proc.wait(30)
        proc = start_streamlit(settings, url_port)  # a restart: a new process on the same data dir
        with RecordingProxy() as proxy2, watched_page(proxy2.url) as (page, seen2):
            page.goto(f"{url}/practice", wait_until="domcontentloaded")
            after = status_line(page)
            graph_after = graph_text(page, url)
    finally:
        proc.terminate()
        proc.wait(30)
    assert after == before
    python = re.search(r"1\. Python · \d+%", graph_before)[0]
    assert python in graph_after
    assert [u for u in seen + seen2 if not is_loopback_url(u)] == [] and proxy.requests == proxy2.requests == []
