"""A real browser on the real app: `streamlit run` on loopback, driven by Playwright on Debian's chromium.

The browser is watched as closely as the Python side: every request the page makes goes through a
context-level route (anything not loopback is recorded and aborted), websockets are recorded, and the
browser's own network stack is sent to a recording loopback proxy and cannot resolve any name but
localhost, so background traffic that Playwright never sees is caught too."""

import contextlib
import http.server
import os
import shutil
import socketserver
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from conftest import ROOT, free_port, guarded_env, http_endpoint

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Flags from ../shared/OFFLINE.md: no sandbox as root, and no background traffic to the closed network.
# Chromium 156 still calls update.googleapis.com (component updater), accounts.google.com (sign-in) and,
# once a form is typed in, content-autofill.googleapis.com with those flags, as the recording proxy below
# showed: point all three at a closed loopback port.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--component-updater=url-source=http://127.0.0.1:9", "--gaia-url=http://127.0.0.1:9",
                 "--autofill-server-url=http://127.0.0.1:9/"]
# Any name but localhost fails to resolve inside chromium (DNS prefetch and the like included).
NO_DNS = "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1"
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
NETWORK_SCHEMES = {"http", "https", "ws", "wss", "ftp"}  # data:, blob:, about: never leave the browser


class RecordingProxy(socketserver.ThreadingTCPServer):
    """An HTTP proxy on loopback that forwards nothing: it records each request line and answers 403.
    Chromium bypasses a proxy for loopback by default, so only traffic to other hosts arrives here."""

    daemon_threads = True

    def __init__(self) -> None:
        self.requests: list[str] = []
        super().__init__(("127.0.0.1", 0), _ProxyHandler)

    def __enter__(self) -> "RecordingProxy":
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _ProxyHandler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        line = self.rfile.readline(8192).decode("latin-1").strip()
        if line:
            self.server.requests.append(line)  # type: ignore[attr-defined]
        self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")


def is_loopback_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme not in NETWORK_SCHEMES or parts.hostname in LOOPBACK_HOSTS


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


def start_streamlit(settings, port, **env_vars: str):
    env = guarded_env(**{"TUTOR_DATA_DIR": str(settings.data_dir), "TUTOR_LLM": "extractive", **env_vars})
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


@contextlib.contextmanager
def watched_page(proxy_url: str, route: bool = True) -> Iterator[tuple[Any, list[str]]]:
    """A chromium page whose every request URL (and websocket URL) lands in the yielded list. With
    ``route``, requests that would leave loopback are aborted before they are sent."""
    from playwright.sync_api import sync_playwright

    seen: list[str] = []

    def watch(r: Any) -> None:
        seen.append(r.request.url)
        if is_loopback_url(r.request.url):
            r.continue_()
        else:
            r.abort("blockedbyclient")

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM,
                                    args=[*CHROMIUM_ARGS, f"--proxy-server={proxy_url}", NO_DNS])
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            if route:
                context.route("**/*", watch)
            context.on("request", lambda request: seen.append(request.url))
            page = context.new_page()
            page.on("websocket", lambda ws: seen.append(ws.url))
            yield page, seen
        finally:
            browser.close()


def ask_in_browser(url, question, screenshot, wait_for, proxy_url):
    """Ask in the chat; returns the page text and every URL the browser requested or opened a socket to."""
    with watched_page(proxy_url) as (page, seen):
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
    return text, list(seen)


# A page that reaches out the two usual ways: a sub-resource and a script's fetch.
LEAKY_PAGE = b"""<!doctype html><html><body><img src="http://203.0.113.9/pixel.png">
<script>fetch("http://example.org/api").catch(() => {})</script></body></html>"""


class _LeakyPage(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(LEAKY_PAGE)

    def log_message(self, *args: object) -> None:
        pass


def wait_until(page: Any, done: Callable[[], bool], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not done() and time.monotonic() < deadline:
        page.wait_for_timeout(100)


@pytest.mark.parametrize("route", [True, False], ids=["route", "proxy-only"])
def test_the_watch_catches_requests_that_leave_loopback(route):
    """The checks below are only worth something if they see a page that reaches out: the route sees and
    aborts both requests; without it, chromium's own stack sends them to the recording proxy, not out."""
    need_browser()
    outside = ["http://203.0.113.9/pixel.png", "http://example.org/api"]
    with http_endpoint(_LeakyPage, "/") as url, RecordingProxy() as proxy, \
            watched_page(proxy.url, route=route) as (page, seen):
        page.goto(url, wait_until="load")
        if route:
            wait_until(page, lambda: all(u in seen for u in outside))
        else:
            wait_until(page, lambda: len(proxy.requests) >= 2)
    assert all(u in seen for u in outside), seen
    assert not all(is_loopback_url(u) for u in seen)
    if route:
        assert proxy.requests == []  # aborted in the browser: nothing was sent anywhere
    else:
        assert sorted(proxy.requests) == sorted(f"GET {u} HTTP/1.1" for u in outside)


def test_chat_in_a_real_browser(full_index, tmp_path):
    need_browser()
    port = free_port()
    proc = start_streamlit(full_index, port)
    try:
        shot = tmp_path / "chat.png"
        with RecordingProxy() as proxy:
            text, seen = ask_in_browser(f"http://127.0.0.1:{port}/", "What should I learn before Kubernetes?",
                                        shot, "in that order", proxy.url)
    finally:
        proc.terminate()
        proc.wait(30)
    # Nothing but loopback, from the page (requests and websockets) or from chromium itself (the proxy).
    hosts = sorted({urlsplit(u).hostname or "" for u in seen if urlsplit(u).scheme in NETWORK_SCHEMES})
    outside = {"page": sorted({u for u in seen if not is_loopback_url(u)}), "browser": proxy.requests}
    assert (hosts, outside) == (["127.0.0.1"], {"page": [], "browser": []}), outside
    assert any(u.startswith(f"ws://127.0.0.1:{port}/") for u in seen)  # the websocket was watched as well
    assert "Before Kubernetes, learn Python, Git, Linux, SQL, APIs, Networking and Docker" in text
    assert "Final Learning Sequence" in text  # a source expander
    assert "tokens" in text and "answer@" in text  # the usage strip
    assert shot.stat().st_size > 20_000
