"""How an answer's sources and usage read, the same in the terminal, the API's message text and the web page."""

from __future__ import annotations

from typing import Any


def source_label(c: dict[str, Any]) -> str:
    """``[n] Title — Section (location)``: a citation as a learner sees it (the title once, for a document's
    opening, whose section is its title)."""
    section = f" — {c['section']}" if c["section"] and c["section"] != c["title"] else ""
    return f"[{c['n']}] {c['title']}{section} ({c['location']})"


def source_line(c: dict[str, Any]) -> str:
    """A citation with where it comes from, for plain text."""
    return f"{source_label(c)} {c['source']}"


def usage_line(a: dict[str, Any]) -> str:
    """Tokens, cost, latency, backend and prompt of an answer (``Answer.to_json()``) on one line."""
    u, lat = a["usage"], a["latency_ms"]
    prompt = f"{a['prompt']['name']}@{a['prompt']['version']}" if a.get("prompt") else "-"
    ttft = f" · first token {lat['ttft'] / 1000:.2f}s" if lat.get("ttft") else ""
    total = f"{lat['total'] / 1000:.2f}s" if lat.get("total") is not None else "-"
    return (f"tokens {u['input_tokens']} in / {u['output_tokens']} out · ${u['cost_usd']:.5f}{ttft} · "
            f"total {total} · {a['backend']}:{a['model']} · {prompt}")
