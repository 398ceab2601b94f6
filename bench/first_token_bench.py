"""The first question after `make run`, timed in a real browser: is the model warm when the learner asks?

Starts the Streamlit tutor exactly as `make run` does (`tutor warm`, which keeps the state after reading the
prompt's rules beside the model, then Streamlit; the default backend and data dir), opens it in
headless Chromium and types questions into the chat box. For each question it records, from the moment Enter
is pressed:

- evidence: the extractive evidence is on the page (shown while the model writes);
- first token: the model's first streamed word is on the page (the "▌" cursor after text);
- done: the answer's usage line is on the page; the tutor's own first-token time is read from it.

Two ways a learner meets the app, each on a freshly started server: asking *at once* (the question is typed the
moment the chat box appears, while the model may still be loading) and asking *after reading* the page for
``--pause`` seconds. The baseline, measured in the same run, is the steady state: the questions that follow
the first, asked of the same warm server. The ratio first / steady is 1.0 when warm-up did its job.

    .venv/bin/python bench/first_token_bench.py [--rounds 2] [--pause 20] [--port 8765]

Needs an ingested index (`tutor ingest`), chromium and playwright (`make install-test`).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import percentile, record, table  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FIRST = "How do I make my shell script executable?"  # the question issue 12 tried in the browser
LATER = ["What should I learn before Kubernetes?", "my training pod has been Pending for 20 minutes",
         "What's the difference between a liveness and a readiness probe?"]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Marks, in page time, when the evidence and the model's first word (text before the "▌" cursor in the last chat
# message) first appear: the evidence is replaced as soon as the words stream, so it is watched, not polled.
WATCH = """() => { window.__t = {start: performance.now()}; if (window.__obs) window.__obs.disconnect();
  window.__obs = new MutationObserver(() => {
    const m = document.querySelectorAll('[data-testid="stChatMessage"]');
    const t = m.length ? m[m.length - 1].innerText : ''; const now = performance.now();
    if (!window.__t.evidence && document.body.innerText.includes('Evidence from the sources while the model'))
      window.__t.evidence = now;
    if (!window.__t.first && /\\S\\s*▌/.test(t)) window.__t.first = now; });
  window.__obs.observe(document.body, {subtree: true, childList: true, characterData: true}); }"""
TTFT = re.compile(r"first token (\d+\.\d+)s")


def start(port: int) -> subprocess.Popen[bytes]:
    """`make run`'s commands after ingest: `tutor warm`, then Streamlit; the environment is the caller's (the
    default backend unless TUTOR_LLM says else)."""
    import httpx

    subprocess.run([str(Path(sys.executable).with_name("tutor")), "warm"], cwd=ROOT, check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app" / "ui" / "main.py"),
                             "--server.address", "127.0.0.1", "--server.port", str(port), "--server.headless",
                             "true"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/_stcore/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("streamlit did not become healthy within 120 s")


def ask(page: Any, question: str) -> dict[str, float]:
    """Seconds from Enter to the evidence, to the first model word, to the whole answer; the tutor's own TTFT."""
    answers = page.locator("[data-testid='stChatMessage']")
    before = answers.count()
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(question)
    page.evaluate(WATCH)
    box.press("Enter")
    # done: the user's message and the assistant's are both in, and the last carries its usage line
    page.wait_for_function(f"""() => {{ const m = document.querySelectorAll('[data-testid="stChatMessage"]');
        return m.length >= {before + 2} && /total \\d+\\.\\d+s/.test(m[m.length - 1].innerText); }}""",
                           polling=50, timeout=300_000)
    marks = page.evaluate("() => ({...window.__t, done: performance.now()})")
    out = {k: (marks[k] - marks["start"]) / 1000 if marks.get(k) else float("nan")
           for k in ("evidence", "first", "done")}
    out["first_token"] = out.pop("first")
    text = answers.last.inner_text()
    if "Answered with the extractive backend" in text or "showing the evidence instead" in text:
        out["fallback"] = 1.0
    match = TTFT.search(text)
    out["tutor_ttft"] = float(match.group(1)) if match else float("nan")
    return out


def session(port: int, pause: float) -> tuple[dict[str, float], list[dict[str, float]], float]:
    """One fresh server: the first question (after ``pause`` s of reading), then the steady-state questions."""
    from playwright.sync_api import sync_playwright

    proc = start(port)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            t0 = time.perf_counter()
            page.goto(f"http://127.0.0.1:{port}/", wait_until="domcontentloaded")
            page.get_by_test_id("stChatInputTextArea").wait_for(timeout=300_000)
            ready = time.perf_counter() - t0
            time.sleep(pause)
            first = ask(page, FIRST)
            later = [ask(page, q) for q in LATER]
            browser.close()
        return first, later, ready
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def summary(rows: list[dict[str, float]], key: str) -> str:
    values = [r[key] for r in rows if r.get(key) == r.get(key)]
    if not values:
        return "-"
    if len(values) == 1:
        return f"{values[0]:.2f}"
    return f"{statistics.median(values):.2f} / {percentile(values, 95):.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=2, help="fresh servers per way of asking")
    parser.add_argument("--pause", type=float, default=20.0, help="seconds the learner reads before asking")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit("chromium is not installed: run `make install-test`")
    firsts: dict[str, list[dict[str, float]]] = {"at once": [], f"after reading {args.pause:.0f} s": []}
    steady: list[dict[str, float]] = []
    page_ready: list[float] = []
    for _ in range(args.rounds):
        for name, pause in zip(firsts, (0.0, args.pause), strict=True):
            first, later, ready = session(args.port, pause)
            firsts[name].append(first)
            steady.extend(later)
            page_ready.append(ready)
            print(f"{name}: first {first}, later {[round(r['first_token'], 2) for r in later]}", flush=True)
    base = statistics.median(r["first_token"] for r in steady)
    rows = []
    for name, got in [*firsts.items(), ("steady state (baseline: questions 2-4)", steady)]:
        ratio = statistics.median(r["first_token"] for r in got) / base
        rows.append([name, len(got), summary(got, "evidence"), summary(got, "first_token"), summary(got, "tutor_ttft"),
                     summary(got, "done"), f"{ratio:.2f}", int(sum(r.get("fallback", 0) for r in got))])
    body = table(["first question asked", "n", "evidence on page s", "first token on page s (p50 / p95)",
                  "tutor's TTFT s", "whole answer s", "first token / steady", "fallbacks"], rows)
    model = os.environ.get("TUTOR_LLM", "default backend")
    record(f"First question after `make run`, in the browser ({model})", body,
           f"`python bench/first_token_bench.py --rounds {args.rounds} --pause {args.pause:.0f}`: Streamlit "
           f"started as `make run` starts it, headless Chromium; page ready (chat box shown) after "
           f"{statistics.median(page_ready):.1f} s median. Times run from pressing Enter to the text appearing on "
           "the page. The issue's bar is the first question's first token within the p95 of 4 s.")


if __name__ == "__main__":
    main()
