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


if __name__ == "__main__":
    main()
