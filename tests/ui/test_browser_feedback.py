"""The LLMOps loop in a real browser (issue 15): a learner rates an answer down with a comment in the chat, reloads
the page (the rating is kept), a maintainer promotes the turn on the Evals page, the case lands in from-feedback,
and `tutor eval` runs it and reports it failing, because the answer is the one the learner rated down."""

from __future__ import annotations

import json
import shutil

import pytest
import yaml
from conftest import free_port, run_tutor
from test_browser import RecordingProxy, is_loopback_url, need_browser, start_streamlit, watched_page

from app.infra.settings import Settings
from app.infra.turnlog import TurnLog

pytestmark = pytest.mark.slow
QUESTION = "How do I keep track of changes to my training scripts and get back an older version?"
COMMENT = "It talked about model versioning; I wanted git commit and git checkout."


def test_thumbs_down_to_promoted_case_to_eval_report(full_index, tmp_path):
    need_browser()
    data = tmp_path / "data"  # a copy: this test writes feedback and a dataset beside the index
    shutil.copytree(full_index.data_dir, data, ignore=shutil.ignore_patterns("evals", "usage.sqlite*"))
    settings = Settings(data_dir=data)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = start_streamlit(settings, port)
    try:
        with RecordingProxy() as proxy, watched_page(proxy.url) as (page, seen):
            page.goto(f"{url}/", wait_until="domcontentloaded")
            box = page.get_by_test_id("stChatInputTextArea")
            box.wait_for(timeout=120_000)
            box.fill(QUESTION)
            box.press("Enter")
            down = page.get_by_role("radio", name="Thumbs down").first
            down.wait_for(timeout=120_000)
            down.click()
            comment = page.get_by_label("What was wrong or missing? (optional)")
            comment.wait_for(timeout=30_000)
            comment.fill(COMMENT)
            page.get_by_role("button", name="Send comment").click()
            page.get_by_text("your comment is saved").wait_for(timeout=30_000)

            page.reload(wait_until="domcontentloaded")  # the chat is gone; the feedback must not be
            page.get_by_test_id("stChatInputTextArea").wait_for(timeout=60_000)
            rated = TurnLog(settings.turn_log_path).feedback()
            assert [(r["question"], r["rating"], r["feedback_comment"], r["channel"]) for r in rated] == \
                [(QUESTION, -1, COMMENT, "ui")]

            page.goto(f"{url}/evals", wait_until="domcontentloaded")
            page.get_by_text(COMMENT).wait_for(timeout=60_000)  # the maintainer sees what the learner said
            facts = page.get_by_label("Facts a right answer must hold: one per line, alternatives separated by |")
            facts.fill("git commit|commit\ngit checkout|git restore|git revert")
            page.get_by_role("button", name="Promote to from-feedback").click()
            page.get_by_text("promoted turn").wait_for(timeout=60_000)
            page.screenshot(path=str(tmp_path / "promoted.png"), full_page=True)
        # the page spoke only to loopback (chromium's own background calls, e.g. for a spelling dictionary once a
        # text area is typed in, go to the recording proxy and no further; test_browser.py audits those)
        assert all(is_loopback_url(u) for u in seen), [u for u in seen if not is_loopback_url(u)]
    finally:
        proc.terminate()
        proc.wait(30)

    dataset = yaml.safe_load((data / "evals" / "datasets" / "from-feedback.yaml").read_text(encoding="utf-8"))
    [case] = dataset["cases"]
    assert case["question"] == QUESTION and case["origin"]["comment"] == COMMENT
    assert case["expect"]["facts"] == [["git commit", "commit"], ["git checkout", "git restore", "git revert"]]
    assert case["expect"]["sources"]  # prefilled from what the turn retrieved
    assert TurnLog(settings.turn_log_path).turn(rated[0]["uid"])["promoted_case"] == case["id"]

    done = run_tutor("eval", "-d", "from-feedback", "--json", check=False, TUTOR_DATA_DIR=str(data))
    assert done.returncode == 1, done.stderr[-2000:]  # the gate fails on the promoted case
    run = json.loads(done.stdout)
    assert not run["passed"]
    text = json.dumps(run)
    assert case["id"] in text and "repeats the answer a learner rated down" in text
    report = next((data / "evals" / "runs").glob("*/report.md")).read_text(encoding="utf-8")
    assert case["id"] in report
