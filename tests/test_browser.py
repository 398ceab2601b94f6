"""A real browser on the real app: `streamlit run` on loopback, driven by Playwright on Debian's chromium."""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from conftest import ROOT, free_port, guarded_env

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Flags from ../shared/OFFLINE.md: no sandbox as root, and no background traffic to the closed network.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def need_browser():
    missing = [what for what, ok in (("chromium", Path(CHROMIUM).exists()),
                                     ("playwright", _has_playwright())) if not ok]
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"{' and '.join(missing)} missing in CI: `make test` installs them")
        pytest.skip(f"{' and '.join(missing)} not installed here (make test installs them)")


def _has_playwright() -> bool:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return True


def start_streamlit(settings, port):
    env = guarded_env(TUTOR_DATA_DIR=str(settings.data_dir), TUTOR_LLM="extractive")
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app" / "ui" / "main.py"),
                             "--server.port", str(port), "--server.address", "127.0.0.1",
                             "--server.headless", "true"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/_stcore/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.5)
    proc.kill()
    pytest.fail("streamlit did not become healthy within 90 s")


def ask_in_browser(url, question, screenshot, wait_for):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url, wait_until="domcontentloaded")
        box = page.get_by_test_id("stChatInputTextArea")
        box.wait_for(timeout=120_000)
        box.fill(question)
        box.press("Enter")
        page.get_by_text(wait_for).first.wait_for(timeout=120_000)
        page.get_by_text("Sources", exact=False).first  # noqa: B018
        page.locator("[data-testid='stExpander']").first.wait_for(timeout=60_000)
        page.wait_for_timeout(500)
        page.screenshot(path=str(screenshot), full_page=True)
        text = page.inner_text("body")
        browser.close()
    return text


def test_chat_in_a_real_browser(full_index, tmp_path):
    need_browser()
    port = free_port()
    proc = start_streamlit(full_index, port)
    try:
        shot = tmp_path / "chat.png"
        text = ask_in_browser(f"http://127.0.0.1:{port}/", "What should I learn before Kubernetes?", shot,
                              "in that order")
    finally:
        proc.terminate()
        proc.wait(30)
    assert "Before Kubernetes, learn Python, Git, Linux, SQL, APIs, Networking and Docker" in text
    assert "Final Learning Sequence" in text  # a source expander
    assert "tokens" in text and "answer@" in text  # the usage strip
    assert shot.stat().st_size > 20_000
