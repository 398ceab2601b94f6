"""Unsupported means visible or gone, in a real browser (issue 12). A scripted OpenAI-compatible model answers
with a sentence from the evidence it was sent, a code block and an invented sentence. With strict mode off the
invented sentence is struck through where it stands, with one note giving the reason; the code block renders as
a code block. After switching strict mode on, the next answer no longer has the sentence and says it was removed."""

from __future__ import annotations

import json

import pytest
from conftest import free_port
from scripted_openai import ScriptedEndpoint, first_evidence
from test_browser import RecordingProxy, need_browser, start_streamlit, watched_page

pytestmark = pytest.mark.slow
QUESTION = "How do I make my shell script executable?"
INVENTED = "The moon orbits Saturn and schedules every Kubernetes pod since 1887"


def reply(messages: list[dict]) -> str:
    """The first evidence sentence with its passage number (supported by construction), a command, an invention."""
    supported = first_evidence(messages)
    n = supported.rsplit("[", 1)[1].rstrip(".]")
    return f"{supported}\n\n```bash\nchmod +x deploy.sh\n./deploy.sh\n```\n\n{INVENTED} [{n}]."


def test_a_flagged_sentence_is_struck_through_and_strict_mode_removes_it(full_index):
    need_browser()
    port = free_port()
    with ScriptedEndpoint(reply) as model:
        proc = start_streamlit(full_index, port, TUTOR_LLM="openai:scripted@script",
                               TUTOR_ENDPOINTS=json.dumps({"script": {"base_url": model.base_url}}))
        try:
            with RecordingProxy() as proxy, watched_page(proxy.url) as (page, _):
                page.goto(f"http://127.0.0.1:{port}/", wait_until="domcontentloaded")
                box = page.get_by_test_id("stChatInputTextArea")
                box.wait_for(timeout=120_000)
                box.fill(QUESTION)
                box.press("Enter")
                page.get_by_text("struck-through sentence is not supported").wait_for(timeout=120_000)
                first = page.locator("[data-testid='stChatMessage']").last
                struck = first.locator("del")
                assert struck.count() == 1 and INVENTED in struck.inner_text()
                assert "cited source" in first.inner_text() and "does not say this" in first.inner_text()
                code = first.locator("pre code")
                assert code.count() == 1 and code.inner_text().strip() == "chmod +x deploy.sh\n./deploy.sh"

                page.get_by_text("Strict: remove unsupported sentences").click()
                page.wait_for_timeout(500)
                box.fill(QUESTION)
                box.press("Enter")
                page.get_by_text("(strict mode)").wait_for(timeout=120_000)
                second = page.locator("[data-testid='stChatMessage']").last
                text = second.inner_text()
                assert "Saturn" not in text and "Removed 1 sentence(s)" in text
                assert second.locator("pre code").count() == 1 and second.locator("del").count() == 0
        finally:
            proc.terminate()
            proc.wait(30)
    assert len(model.requests) == 2 and all(r.get("stream") for r in model.requests)
