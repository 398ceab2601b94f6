"""Answers: extractive answer p50/p95 over the eval questions, query embedding cost, and the local
backend's time to first token and decode speed for the 0.5B and 1.5B models at the prompt sizes the
tutor really sends (rendered by the tutor itself from real retrieval)."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import mean, p50_p95, record, table, time_calls  # noqa: E402

from app.core.compose import passage_context  # noqa: E402
from app.core.safety import strip_injections  # noqa: E402
from app.core.tutor import Tutor  # noqa: E402
from app.infra.llm import parse_spec  # noqa: E402
from app.infra.settings import Settings  # noqa: E402
from ingest.pipeline import run_ingest  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FALLBACK_QUESTIONS = ["What should I learn before Kubernetes?", "What comes after Docker?", "What is DNS?",
                      "Why does Linux matter?", "What are window functions?", "What does MLOps require?",
                      "Why does RAG matter?", "What must I understand about monitoring?"]


def eval_questions() -> list[str]:
    out = []
    for path in sorted((ROOT / "evals" / "datasets").glob("*.yaml")):
        data = yaml.safe_load(path.read_text()) or {}
        for case in data.get("cases", []):
            if isinstance(case.get("question"), str):
                out.append(case["question"])
    return out or FALLBACK_QUESTIONS


def local_run(tutor: Tutor, spec: str, question: str) -> dict[str, float]:
    """Time the backend on exactly the messages the tutor would send for ``question``."""
    backend = tutor.backend(parse_spec(spec))
    prompt = tutor.prompts.get(tutor.settings.prompt)
    result = tutor.retriever.retrieve(question, k=tutor.settings.top_k,
                                      budget_tokens=tutor.settings.local_context_tokens)
    texts = [strip_injections(passage_context(p)) for p in result.passages]
    messages = tutor.render_messages(prompt, question, texts, result)
    params = prompt.spec.parameters.model_dump()
    t0 = time.perf_counter()
    first = None
    for _ in backend.stream(messages, params):
        if first is None:
            first = time.perf_counter()
    end = time.perf_counter()
    usage = backend.last_usage
    assert first is not None and usage is not None
    decode = (usage.output_tokens - 1) / (end - first) if end > first else float("nan")
    return {"ttft": first - t0, "prompt": usage.input_tokens, "output": usage.output_tokens, "decode": decode}


def main() -> None:
    models = [m for m in sys.argv[1:] if m.startswith("local")] or ["local:qwen2.5-coder-0.5b",
                                                                   "local:qwen2.5-coder-1.5b"]
    work = Path(tempfile.mkdtemp(prefix="bench-answer-"))
    data_dir = Path(os.environ.get("TUTOR_DATA_DIR", work / "data"))
    settings = Settings(data_dir=data_dir, llm="extractive", models_dir=Path(os.environ.get("TUTOR_MODELS_DIR",
                                                                                            data_dir / "models")))
    run_ingest(settings)
    tutor = Tutor(settings, record_turns=False)
    questions = eval_questions()
    it = iter(questions * 50)
    extractive = time_calls(lambda: tutor.ask(next(it)), len(questions), warmup=3)
    embed = time_calls(lambda: tutor.embedder.embed_query(next(it)), 50)
    retrieve = time_calls(lambda: tutor.retriever.retrieve(next(it)), 50)
    rows = [["query embedding (1 thread)", p50_p95(embed), "50"],
            ["retrieval incl. embedding", p50_p95(retrieve), "50"],
            ["extractive answer (whole ask)", p50_p95(extractive), str(len(questions))]]
    body = table(["stage", "p50 / p95 ms", "n"], rows)

    local_rows = []
    for spec in models:
        runs = [local_run(tutor, spec, q) for q in FALLBACK_QUESTIONS[:1]]  # load + warm the model
        runs = [local_run(tutor, spec, q) for q in FALLBACK_QUESTIONS[:4]]
        local_rows.append([spec, f"{mean([r['prompt'] for r in runs]):.0f}", f"{mean([r['ttft'] for r in runs]):.2f}",
                           f"{max(r['ttft'] for r in runs):.2f}", f"{mean([r['decode'] for r in runs]):.1f}",
                           f"{mean([r['output'] for r in runs]):.0f}"])
        print(local_rows[-1], flush=True)
    body += "\n\n" + table(["backend", "prompt tokens (mean)", "TTFT mean s", "TTFT max s", "decode tok/s",
                            "output tokens"], local_rows)
    record("Answers: extractive latency, local model TTFT and decode speed", body,
           f"{len(questions)} eval questions for the extractive backend; 4 questions per local model after one "
           "warm-up, prompts rendered by the tutor from real retrieval with TUTOR_LOCAL_CONTEXT_TOKENS="
           f"{settings.local_context_tokens}. Targets: extractive p95 <= 150 ms; local 1.5B TTFT <= 6 s.")
    shutil.rmtree(work, ignore_errors=True)


# --- issue 12: the answer designs of the local model, side by side on the same questions -----------------------

GBNF = r"""
root ::= unit (sep unit)*
sep ::= " " | "\n" | "\n\n"
unit ::= sentence | item | code
item ::= "- " sentence
sentence ::= [A-Za-z`"(0-9] ch+ cite "."
ch ::= [^\[\]\n.!?] | [.!?] [^ \n\[\]]
cite ::= " [" num "]" ("[" num "]")?
num ::= NUMS
code ::= "```" [a-z]* "\n" cline cline? cline? cline? "```"
cline ::= [^`\n] [^`\n]* "\n"
"""


def design_questions(n: int) -> list[str]:
    """Answer cases of the learner and factual datasets, every k-th so each category is represented."""
    cases = []
    for name in ("learner", "factual"):
        data = yaml.safe_load((ROOT / "evals" / "datasets" / f"{name}.yaml").read_text())
        cases += [c["question"] for c in data["cases"] if c["expect"].get("behaviour", "answer") == "answer"
                  and not c.get("conversation")]
    step = max(1, len(cases) // n)
    return cases[::step][:n]


def grammar_backend(tutor: Tutor, spec: str) -> None:
    """Design A: the same short prompt, with a GBNF grammar instead of the citation guard."""
    backend = tutor.backend(parse_spec(spec))
    chat = backend.chat_model

    def runnable(params, citable=None):
        nums = " | ".join(f'"{n}"' for n in (citable or [1]))
        bound = {k: params[k] for k in ("temperature", "max_tokens", "top_p") if params.get(k) is not None}
        return chat.bind(stream=True, grammar=GBNF.replace("NUMS", nums), **bound)

    backend.runnable = runnable  # type: ignore[method-assign]


def scored(answer) -> dict[str, float]:
    """One answer's numbers; a policy reply (declined before any model ran) is left out of every design's."""
    claims = [s for s in answer.check.sentences if s.claim] if answer.check else []
    own = sum(1 for s in claims if s.cited and not s.repaired)
    return {"ttft": (answer.latency_ms.get("ttft") or answer.latency_ms["total"]) / 1000,
            "total": answer.latency_ms["total"] / 1000, "claims": len(claims), "own": own,
            "supported": sum(1 for s in claims if s.supported), "prompt": answer.usage.input_tokens,
            "fallback": float(answer.fallback), "policy": float(answer.backend == "policy")}


def designs(n: int, compared: int, model: str) -> None:
    """``n`` questions on the shipped design (B), the first ``compared`` of them also on the old design (answer@2,
    whole passages, citations by hope) and on design A (short prompt + GBNF), interleaved per question."""
    settings = Settings(llm=model)
    if not settings.manifest_path.exists():
        run_ingest(settings)
    tutor = Tutor(settings, record_turns=False)
    tutor.warm(parse_spec(model))
    grammar_tutor = Tutor(settings, record_turns=False, backends=None)
    grammar_backend(grammar_tutor, model)
    grammar_tutor.warm(parse_spec(model))
    runs: dict[str, list[dict[str, float]]] = {"old (answer@2, passages)": [], "A (answer@3 + GBNF)": [],
                                               "B (answer@3 + guard, shipped)": []}
    questions = design_questions(n)
    # each design in a block: the old one's rules and passages share one system message, so it would evict the
    # short prompt's cached rules between questions (each design is warmed before its block)
    for q in questions[:compared]:
        runs["old (answer@2, passages)"].append(scored(tutor.ask(q, llm=model, prompt="answer@2", strict=False)))
        print("old", runs["old (answer@2, passages)"][-1], flush=True)
    # then A and B in blocks too: the same question asked twice in a row would find its whole prompt cached
    grammar_tutor.warm(parse_spec(model))
    for q in questions[:compared]:
        runs["A (answer@3 + GBNF)"].append(scored(grammar_tutor.ask(q, llm=model, prompt="answer@3", strict=False)))
        print("A", runs["A (answer@3 + GBNF)"][-1], flush=True)
    tutor.warm(parse_spec(model))
    for q in questions:
        runs["B (answer@3 + guard, shipped)"].append(scored(tutor.ask(q, llm=model, prompt="answer@3", strict=False)))
        print("B", runs["B (answer@3 + guard, shipped)"][-1], flush=True)
    rows = []
    for name, all_runs in runs.items():
        rs = [r for r in all_runs if not r["policy"]]
        claims = sum(r["claims"] for r in rs) or 1
        ttft, total = [r["ttft"] for r in rs], [r["total"] for r in rs]
        rows.append([name, str(len(rs)), f"{mean([r['prompt'] for r in rs]):.0f}", p50_p95_s(ttft),
                     p50_p95_s(total), f"{sum(r['own'] for r in rs) / claims:.2f}",
                     f"{sum(r['supported'] for r in rs) / claims:.2f}"])
    pairs = [(o, b) for o, b in zip(runs["old (answer@2, passages)"], runs["B (answer@3 + guard, shipped)"],
                                    strict=False) if not o["policy"] and not b["policy"]]
    base, shipped = [o for o, _ in pairs], [b for _, b in pairs]
    ratio = (f"On the {len(base)} questions all three answered: TTFT p50 B/old = "
             f"{_p50([r['ttft'] for r in shipped]) / _p50([r['ttft'] for r in base]):.2f}, total p50 B/old = "
             f"{_p50([r['total'] for r in shipped]) / _p50([r['total'] for r in base]):.2f}.") if base else ""
    body = table(["design", "answers", "prompt tokens (mean)", "TTFT p50 / p95 s", "total p50 / p95 s",
                  "own citations (claims)", "grounded (claims)"], rows)
    record(f"Answer designs, {model} (issue 12)", body,
           f"Learner and factual answer cases, every k-th; model warm (prefix cache holds the rules); strict off so "
           f"every generated sentence is counted. {ratio} Targets: TTFT p50 <= 2.5 s, p95 <= 4 s, total p50 <= 10 s, "
           "own citations >= 0.90 of claim sentences, grounded >= 0.95.")


def _p50(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def p50_p95_s(values: list[float]) -> str:
    ordered = sorted(values)
    return f"{_p50(values):.2f} / {ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]:.2f}"


if __name__ == "__main__":
    if sys.argv[1:2] == ["designs"]:
        designs(int(sys.argv[2]) if len(sys.argv) > 2 else 40, int(sys.argv[3]) if len(sys.argv) > 3 else 12,
                sys.argv[4] if len(sys.argv) > 4 else "local:qwen2.5-coder-1.5b")
    else:
        main()
