"""One lab from start to a passed check in a real browser: `streamlit run` on loopback, Playwright on Debian's
chromium, with the same network watch as test_browser.py (nothing may leave loopback)."""

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import free_port
from test_browser import NETWORK_SCHEMES, RecordingProxy, is_loopback_url, need_browser, start_streamlit, watched_page

from app.infra.settings import Settings

pytestmark = pytest.mark.slow
LAB = "slow-endpoints-having"
CORRECT = "SELECT endpoint, COUNT(*) FROM requests WHERE status >= 500 GROUP BY endpoint HAVING COUNT(*) >= 2;\n"


def test_a_lab_from_start_to_a_passed_check_in_a_real_browser(tmp_path: Path):
    need_browser()
    settings = Settings(data_dir=tmp_path / "data", llm="extractive")  # the Labs page needs no index
    port = free_port()
    proc = start_streamlit(settings, port)
    folder = settings.data_dir / "labs" / LAB
    try:
        with RecordingProxy() as proxy, watched_page(proxy.url) as (page, seen):
            page.goto(f"http://127.0.0.1:{port}/labs", wait_until="domcontentloaded")
            page.get_by_test_id("stSelectbox").first.wait_for(timeout=120_000)
            page.get_by_test_id("stSelectbox").first.click()
            page.keyboard.type("repeated server errors")
            page.keyboard.press("Enter")
            page.get_by_text("which endpoints returned a").first.wait_for(timeout=30_000)
            page.get_by_role("button", name="Start").click()
            page.get_by_text("Started: your folder is ready").wait_for(timeout=30_000)
            page.get_by_text(str(folder)).first.wait_for(timeout=30_000)  # the page shows where to work
            (folder / "query.sql").write_text(CORRECT, encoding="utf-8")  # the learner, in their editor
            page.get_by_role("button", name="Check").click()
            page.get_by_text("passed: all 2 rows match").wait_for(timeout=30_000)
            page.screenshot(path=str(tmp_path / "labs.png"), full_page=True)
            text = page.inner_text("body")
    finally:
        proc.terminate()
        proc.wait(30)
    hosts = sorted({urlsplit(u).hostname or "" for u in seen if urlsplit(u).scheme in NETWORK_SCHEMES})
    assert (hosts, [u for u in seen if not is_loopback_url(u)], proxy.requests) == (["127.0.0.1"], [], [])
    assert "passed: all 2 rows match" in text
    assert (folder / "query.sql").read_text(encoding="utf-8") == CORRECT  # the check changed nothing
