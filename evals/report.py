"""Reports of a run: the side-by-side table (metric × variant), Markdown, a self-contained HTML page,
and the case-by-case diff of two runs (regressions first)."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from app.errors import TutorError
from app.infra.settings import Settings
from evals.runner import run_key

# Table order: quality first, then safety by category, then cost.
ORDER = ["pass_rate", "correctness", "behaviour", "no_leak", "groundedness", "citations.valid", "citations.coverage",
         "retrieval.hit@k", "retrieval.recall@k", "retrieval.mrr", "judge.supported"]


def runs_dir(settings: Settings) -> Path:
    return settings.data_dir / "evals" / "runs"


def metric_names(run: dict[str, Any]) -> list[str]:
    present = {m for v in run["variants"] for m in v["metrics"]}
    rest = sorted(present - set(ORDER))
    behaviour = [m for m in rest if m.startswith("behaviour.")]
    cost = [m for m in rest if m.startswith("cost.")]
    other = [m for m in rest if m not in behaviour and m not in cost]
    return [m for m in ORDER if m in present] + behaviour + other + cost


def cell(variant: dict[str, Any], name: str) -> str:
    m = variant["metrics"].get(name)
    if m is None:
        return "–"
    fmt = "{:.0f}" if name in ("cost.tokens", "cost.latency_ms") else "{:.5f}" if name == "cost.usd" else "{:.2f}"
    text = fmt.format(m["mean"])
    if m["stdev"]:
        text += " ± " + fmt.format(m["stdev"])
    failed = [c for c in variant["checks"] if c["metric"] == name and not c["passed"]]
    return text + (" ✗" if failed else "")


def table_rows(run: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    header = ["metric"] + [f"{v['prompt']} · {v['llm']}" for v in run["variants"]]
    rows = [[name] + [cell(v, name) for v in run["variants"]] for name in metric_names(run)]
    rows.append(["n cases"] + [str(v["metrics"].get("pass_rate", {}).get("n", 0)) for v in run["variants"]])
    rows.append(["gate"] + ["pass" if v["passed"] else "FAIL" for v in run["variants"]])
    return header, rows


def failed_checks(run: dict[str, Any]) -> list[str]:
    return [f"{v['prompt']} · {v['llm']}: {c['metric']} = {c['value']:.3f}, needs {c['op']} {c['bound']}"
            for v in run["variants"] for c in v["checks"] if not c["passed"]]


def markdown(run: dict[str, Any]) -> str:
    header, rows = table_rows(run)
    lines = [f"# Eval run {run['run_id']}", "",
             f"{run['created']} · {len(run['keys']['cases'])} cases · repeat {run['repeat']} · "
             f"guards {'on' if run['guards'] else 'OFF (prompt only)'} · {run['seconds']} s · "
             f"corpus {run['keys']['corpus_sha256'][:12]}", "",
             "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    fails = failed_checks(run)
    lines += ["", "## Gate: " + ("FAIL" if fails else "pass"), *[f"- {f}" for f in fails]]
    bad = [r for r in run["cases"] if not r["passed"]]
    if bad:
        lines += ["", "## Failing cases", ""]
        for r in bad:
            reasons = "; ".join(f"{k}: {s['reason']}" for k, s in r["scores"].items() if s["passed"] is False)
            lines.append(f"- `{r['dataset']}/{r['case']}` ({r['prompt']} · {r['llm']}): {reasons}")
    return "\n".join(lines) + "\n"


def html_report(run: dict[str, Any]) -> str:
    header, rows = table_rows(run)
    esc = html.escape
    table = "<tr>" + "".join(f"<th>{esc(h)}</th>" for h in header) + "</tr>" + "".join(
        "<tr>" + "".join(f"<td class='{'bad' if '✗' in c or c == 'FAIL' else ''}'>{esc(c)}</td>" for c in r) + "</tr>"
        for r in rows)
    cases = "".join(
        f"<details class='{'ok' if r['passed'] else 'bad'}'><summary>{'✓' if r['passed'] else '✗'} "
        f"{esc(r['dataset'])}/{esc(r['case'])} · {esc(r['prompt'])} · {esc(r['llm'])}</summary>"
        f"<p><b>Q:</b> {esc(str(r['question']))}</p><p><b>A:</b> {esc(r.get('answer', r.get('error', '')))}</p><ul>"
        + "".join(f"<li>{esc(k)} = {s['value']} {esc(s['reason'])}</li>" for k, s in r["scores"].items())
        + "</ul></details>" for r in sorted(run["cases"], key=lambda r: r["passed"]))
    style = ("body{font:14px system-ui,sans-serif;margin:2em;max-width:80em}table{border-collapse:collapse}"
             "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child{text-align:left}"
             ".bad{color:#b00020}details.ok summary{color:#1b5e20}details{margin:2px 0}")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>Eval {esc(run['run_id'])}</title>"
            f"<style>{style}</style></head><body><h1>Eval run {esc(run['run_id'])}</h1>"
            f"<p>{esc(run['created'])} · guards {'on' if run['guards'] else 'OFF'} · corpus "
            f"{esc(run['keys']['corpus_sha256'][:12])} · gate {'pass' if run['passed'] else 'FAIL'}</p>"
            f"<table>{table}</table><h2>Cases</h2>{cases}"
            f"<h2>Keys</h2><pre>{esc(json.dumps(run['keys'], indent=1)[:20000])}</pre></body></html>")


def save_run(run: dict[str, Any], root: Path) -> Path:
    run["run_id"] = f"{run['created'].replace(':', '').replace('-', '')[:15]}-{run_key(run)}"
    folder = root / run["run_id"]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "run.json").write_text(json.dumps(run, indent=1), encoding="utf-8")
    (folder / "report.md").write_text(markdown(run), encoding="utf-8")
    (folder / "report.html").write_text(html_report(run), encoding="utf-8")
    return folder


def load_run(ref: str, root: Path) -> dict[str, Any]:
    """A run by id (under ``root``), by folder or by run.json path."""
    for path in (Path(ref), Path(ref) / "run.json", root / ref / "run.json"):
        if path.is_file():
            return dict(json.loads(path.read_text(encoding="utf-8")))
    known = sorted(p.name for p in root.iterdir()) if root.is_dir() else []
    raise TutorError(f"no eval run '{ref}' in {root}; known: {', '.join(known[-5:]) or 'none'}")


def _by_case(run: dict[str, Any], variant: int) -> dict[str, dict[str, Any]]:
    v = run["variants"][variant]
    out: dict[str, dict[str, Any]] = {}
    for r in run["cases"]:
        if r["prompt"] == v["prompt"] and r["llm"] == v["llm"]:
            entry = out.setdefault(f"{r['dataset']}/{r['case']}", {"passed": [], "scores": {}, "answer": ""})
            entry["passed"].append(r["passed"])
            entry["answer"] = r.get("answer", "")
            for k, s in r["scores"].items():
                entry["scores"].setdefault(k, []).append(s["value"])
    return out


def diff(a: dict[str, Any], b: dict[str, Any]) -> list[dict[str, Any]]:
    """What changed from run A to run B, case by case. Variants are paired in order, so a run of
    answer@1 compares with a run of answer@2; regressions (pass -> fail) come first."""
    changes: list[dict[str, Any]] = []
    for i in range(min(len(a["variants"]), len(b["variants"]))):
        va, vb = a["variants"][i], b["variants"][i]
        label = f"{va['prompt']}·{va['llm']} -> {vb['prompt']}·{vb['llm']}"
        ca, cb = _by_case(a, i), _by_case(b, i)
        for key in sorted(set(ca) | set(cb)):
            if key not in ca or key not in cb:
                changes.append({"kind": "added" if key not in ca else "removed", "case": key, "variant": label,
                                "detail": ""})
                continue
            pa, pb = all(ca[key]["passed"]), all(cb[key]["passed"])
            deltas = {}
            for m in sorted(set(ca[key]["scores"]) | set(cb[key]["scores"])):
                if m.startswith("cost."):
                    continue
                xa, xb = ca[key]["scores"].get(m), cb[key]["scores"].get(m)
                ma = sum(xa) / len(xa) if xa else None
                mb = sum(xb) / len(xb) if xb else None
                if ma is None or mb is None or abs(ma - mb) > 1e-6:
                    deltas[m] = (ma, mb)
            kind = "regression" if pa and not pb else "fixed" if pb and not pa else "changed" if deltas else ""
            if kind:
                detail = ", ".join(f"{m} {_fmt(x)} -> {_fmt(y)}" for m, (x, y) in deltas.items())
                changes.append({"kind": kind, "case": key, "variant": label, "detail": detail,
                                "answer_b": cb[key]["answer"][:200]})
    rank = {"regression": 0, "removed": 1, "changed": 2, "fixed": 3, "added": 4}
    return sorted(changes, key=lambda c: (rank[c["kind"]], c["case"]))


def _fmt(x: float | None) -> str:
    return "–" if x is None else f"{x:.2f}"
