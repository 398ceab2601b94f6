"""Take the README screenshots from the real app: `python scripts/screenshots.py` (needs an index)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        # Chromium 156 still calls Google's updater, sign-in and autofill hosts: point them at a closed port
        "--component-updater=url-source=http://127.0.0.1:9", "--gaia-url=http://127.0.0.1:9",
        "--autofill-server-url=http://127.0.0.1:9/"]


def main(question: str = "What should I learn before Kubernetes?", port: int = 8599) -> None:
    env = dict(os.environ, TUTOR_LLM=os.environ.get("TUTOR_LLM", "extractive"))
    server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app/ui/main.py", "--server.port", str(port)],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(180):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/_stcore/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            page.goto(f"http://127.0.0.1:{port}/")
            box = page.get_by_test_id("stChatInputTextArea")
            box.wait_for(timeout=120_000)
            box.fill(question)
            box.press("Enter")
            page.locator("[data-testid='stExpander']").first.wait_for(timeout=300_000)
            page.locator("[data-testid='stExpander']").nth(1).click()
            page.wait_for_timeout(800)
            page.screenshot(path=str(ROOT / "docs" / "chat.png"), full_page=True)
            page.get_by_role("link", name="Learning path").click()
            page.locator("[data-testid='stGraphVizChart']").first.wait_for(timeout=60_000)
            page.wait_for_timeout(1500)
            page.screenshot(path=str(ROOT / "docs" / "graph.png"), full_page=True)
            browser.close()
    finally:
        server.terminate()
        server.wait(30)


if __name__ == "__main__":
    main(*sys.argv[1:2])
