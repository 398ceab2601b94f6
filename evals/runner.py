"""Run eval cases over a matrix of prompt versions × backends, score them, gate them on thresholds.

``run_eval`` answers every case with every (prompt, backend) pair, ``repeat`` times, in-process; the
result is one JSON-able dict (see evals/README.md) keyed by prompt sha256, model, corpus and dataset
hashes. ``guards=False`` measures the prompt alone: the code guards (question filters, out-of-scope
gate, passage sanitiser) are switched off for the run, so a weaker prompt shows up as failures.
"""

from __future__ import annotations

import hashlib
import json
import logging
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from app.core.prompts import PromptGuards, PromptRegistry
from app.core.tutor import Conversation, Tutor
from app.errors import TutorError
from app.infra.llm import parse_spec
from app.infra.settings import Settings
from evals.cases import Case, Dataset
from evals.evaluators import (
    BehaviourEval,
    CaseRun,
    CitationEval,
    CorrectnessEval,
    CostEval,
    Evaluator,
    GroundednessEval,
    JudgeEval,
    LeakEval,
    RetrievalEval,
    Score,
)
from evals.groundedness import GroundednessDetector
from evals.poison import CANARIES, poisoned_settings

log = logging.getLogger("evals")
THRESHOLDS = Path(__file__).parent / "thresholds.yaml"


@dataclass(frozen=True)
class Variant:
    prompt: str
    llm: str

    @property
    def label(self) -> str:
        return f"{self.prompt} × {self.llm}"


# Every metric a threshold may name (the evaluators' scores and the run's own rates); "behaviour.<category>" too.
METRICS = frozenset({
    "correctness", "behaviour", "groundedness", "citations.valid", "citations.coverage", "retrieval.hit@k",
    "retrieval.recall@k", "retrieval.mrr", "no_leak", "cost.tokens", "cost.usd", "cost.latency_ms",
    "judge.supported", "pass_rate", "fallback_rate", "replaced_rate",
})


def load_thresholds(path: Path = THRESHOLDS) -> dict[str, Any]:
    """The bars, checked: an unknown section or metric name is an error, not a bar that silently never applies."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    unknown = set(data) - {"min", "max", "per_backend", "per_case", "per_dataset"}
    if unknown:
        raise TutorError(f"{path}: unknown sections {sorted(unknown)}")
    bars = [("", data)] + [(f"per_dataset.{name}.", bar) for name, bar in (data.get("per_dataset") or {}).items()]
    for where, bar in bars:
        named = [(f"{where}{part}", m) for part in ("min", "max") for m in (bar.get(part) or {})]
        named += [(f"{where}per_backend.{kind}", m) for kind, b in (bar.get("per_backend") or {}).items()
                  for m in (b or {})]
        bad = [f"{place}: {metric}" for place, metric in named
               if metric not in METRICS and not metric.startswith("behaviour.")]
        if bad:
            raise TutorError(f"{path}: unknown metric names {bad}; known: {sorted(METRICS)} and behaviour.<category>")
    return dict(data)


# With --no-guards every code guard is off, so only the prompt stands between a model and an attack.
PROMPT_ONLY = PromptGuards(question_filters=False, out_of_scope=False, sanitize_passages=False)


def corpus_hash(settings: Settings) -> str:
    manifest = json.loads(settings.manifest_path.read_text(encoding="utf-8"))
    docs = sorted((d, v["fingerprint"]) for d, v in manifest["docs"].items())
    return hashlib.sha256(json.dumps([manifest.get("config_key"), docs]).encode()).hexdigest()


class EvalRunner:
    def __init__(self, settings: Settings, thresholds: dict[str, Any] | None = None, judge: str | None = None,
                 workdir: Path | None = None) -> None:
        self.settings = settings
        self.thresholds = thresholds or load_thresholds()
        self.tutor = Tutor(settings, record_turns=False)  # eval turns stay out of the learner's usage log
        self._tutors: dict[str | None, Tutor] = {None: self.tutor}
        self._workdir = workdir
        g = self.tutor.graph
        vocabulary = [v for t in g.topics() for v in [g.title(t), *g.g.nodes[t].get("aliases", []),
                                                       *g.g.nodes[t].get("subtopics", [])]]
        per_case = self.thresholds.get("per_case", {})
        self.detector = GroundednessDetector(self.tutor.embedder, per_case.get("supported", 0.6),
                                             vocabulary=vocabulary)
        # What the tutor may say anyway: the corpus, and the roadmap's name and topic list (its out-of-scope
        # reply names them), so only the prompt's own rules count as leaked text.
        public = " ".join(c["text"] for c in self.tutor.store.all_chunks()) + \
            f" {g.title('roadmap')} ({', '.join(g.title(t) for t in g.topics())})"
        self.evaluators: list[Evaluator] = [
            BehaviourEval(), CorrectnessEval(per_case.get("reference_recall", 0.5)),
            RetrievalEval(g, settings.top_k), CitationEval(), GroundednessEval(self.detector),
            LeakEval(public, per_case.get("leak_ngram", 6), per_case.get("leak_min_shared", 2)), CostEval()]
        if judge:
            self.evaluators.append(JudgeEval(self.tutor.backend(parse_spec(judge))))

    def tutor_for(self, dataset: Dataset) -> Tutor:
        if dataset.fixture not in self._tutors:
            if self._workdir is None:
                self._workdir = Path(tempfile.mkdtemp(prefix="tutor-eval-"))
            settings = poisoned_settings(self.settings, self._workdir / "poisoned")
            self._tutors[dataset.fixture] = Tutor(settings, embedder=self.tutor.embedder, record_turns=False)
        return self._tutors[dataset.fixture]

    def run_case(self, tutor: Tutor, case: Case, variant: Variant, canaries: list[str],
                 guards: PromptGuards | None = None, max_tokens: int | None = None,
                 strict: bool | None = None) -> dict[str, Any]:
        conversation = Conversation() if case.conversation else None
        try:
            for turn in case.conversation:
                tutor.ask(turn, conversation, llm=variant.llm, prompt=variant.prompt, known=case.known or None,
                          guards=guards, max_tokens=max_tokens, strict=strict)
            answer = tutor.ask(str(case.question), conversation, llm=variant.llm, prompt=variant.prompt,
                               known=case.known or None, guards=guards, max_tokens=max_tokens, strict=strict)
        except TutorError as exc:
            return {"error": str(exc), "scores": {"behaviour": Score(0.0, False, str(exc)).as_dict()},
                    "passed": False}
        canaries = list(dict.fromkeys([*case.expect.canaries, *canaries]))
        run = CaseRun(case, answer, tutor.prompts.get(variant.prompt), canaries)
        scores: dict[str, Score] = {}
        for evaluator in self.evaluators:
            scores.update(evaluator.evaluate(run))
        return {"answer": answer.answer, "flags": answer.flags, "backend": answer.backend, "model": answer.model,
                "fallback": answer.fallback, "replaced": answer.replaced, "notices": answer.notices,
                "passages": [p.id for p in answer.passages], "usage": answer.usage.as_dict(),
                "latency_ms": answer.latency_ms, "scores": {k: s.as_dict() for k, s in scores.items()},
                "passed": all(s.passed is not False for s in scores.values())}

    def run(self, datasets: list[Dataset], variants: list[Variant], repeat: int = 1, limit: int | None = None,
            case_ids: list[str] | None = None, tags: list[str] | None = None, guards: bool = True,
            on_case: Callable[[str], None] | None = None, max_tokens: int | None = None,
            strict: bool | None = None) -> dict[str, Any]:
        """``max_tokens`` lowers every answer's output limit (the slow tests judge behaviour on a short answer);
        ``strict`` overrides the strict mode the tutor would use (on for local models), to measure a model's raw
        output."""
        started = time.perf_counter()
        registry = PromptRegistry()
        prompts = {v.prompt: registry.get(v.prompt) for v in variants}
        selected = [(d, _select(d.cases, limit, case_ids, tags)) for d in datasets]
        results: list[dict[str, Any]] = []
        override = None if guards else PROMPT_ONLY
        for variant in variants:
            for r in range(repeat):
                for dataset, cases in selected:
                    tutor = self.tutor_for(dataset)
                    canaries = CANARIES if dataset.fixture == "poisoned-corpus" else []
                    for case in cases:
                        out = self.run_case(tutor, case, variant, canaries, override, max_tokens, strict)
                        results.append({"dataset": dataset.name, "case": case.id, "category": case.category,
                                        "question": case.question, "prompt": variant.prompt,
                                        "llm": variant.llm, "repeat": r, **out})
                        if on_case:
                            on_case(f"{variant.label} {case.id}")
        summaries = [self.summarise(v, prompts[v.prompt].sha256, results, repeat) for v in variants]
        return {
            "run_id": "", "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "seconds": round(time.perf_counter() - started, 1), "guards": guards, "repeat": repeat, "strict": strict,
            "keys": {"corpus_sha256": corpus_hash(self.settings),
                     "datasets": {d.name: d.sha256 for d, _ in selected},
                     "prompts": {ref: {"sha256": p.sha256, "path": str(p.path.name)} for ref, p in prompts.items()},
                     "models": {s["llm"]: s["model"] for s in summaries},
                     "cases": sorted({f"{d.name}/{c.id}" for d, cs in selected for c in cs})},
            "variants": summaries, "cases": results, "passed": all(s["passed"] for s in summaries),
        }

    def summarise(self, variant: Variant, sha: str, results: list[dict[str, Any]], repeat: int) -> dict[str, Any]:
        mine = [r for r in results if r["prompt"] == variant.prompt and r["llm"] == variant.llm]
        metrics = self._metrics(mine, repeat)
        kind = parse_spec(variant.llm).kind
        own_bar = self.thresholds.get("per_dataset", {})
        # a dataset with its own bar is gated on its own cases, and left out of the shared bar
        shared = [r for r in mine if r["dataset"] not in own_bar]
        checks = self._checks(self._metrics(shared, repeat) if len(shared) < len(mine) else metrics,
                              self.thresholds, kind)
        for name, bar in own_bar.items():
            cases = [r for r in mine if r["dataset"] == name]
            if cases:
                part = self._metrics(cases, repeat)
                metrics.update({f"{name}/{k}": v for k, v in part.items()})
                checks += [{**c, "metric": f"{name}/{c['metric']}"} for c in self._checks(part, bar, kind)]
        models = sorted({r.get("model", "") for r in mine if r.get("backend") not in (None, "policy")})
        return {"prompt": variant.prompt, "llm": variant.llm, "prompt_sha256": sha,
                "model": ",".join(models) or variant.llm, "metrics": metrics, "checks": checks,
                "passed": all(c["passed"] for c in checks)}

    @staticmethod
    def _metrics(mine: list[dict[str, Any]], repeat: int) -> dict[str, dict[str, float]]:
        metrics: dict[str, dict[str, float]] = {}
        names = sorted({k for r in mine for k in r["scores"]}) + \
            [f"behaviour.{c}" for c in sorted({r["category"] for r in mine})] + ["pass_rate", "fallback_rate",
                                                                                 "replaced_rate"]
        for name in names:
            per_repeat = [m for rep in range(repeat) if (m := _mean(mine, rep, name)) is not None]
            if per_repeat:
                metrics[name] = {"mean": statistics.fmean(per_repeat),
                                 "stdev": statistics.stdev(per_repeat) if len(per_repeat) > 1 else 0.0,
                                 "n": sum(1 for r in mine if _value(r, name) is not None)}
        return metrics

    @staticmethod
    def _checks(metrics: dict[str, dict[str, float]], bar: dict[str, Any], kind: str) -> list[dict[str, Any]]:
        checks = []
        bounds = {**bar.get("min", {}), **bar.get("per_backend", {}).get(kind, {})}
        for name, low in bounds.items():
            if name in metrics:
                value = metrics[name]["mean"]
                checks.append({"metric": name, "op": ">=", "bound": low, "value": value, "passed": value >= low - 1e-9})
        for name, high in bar.get("max", {}).items():
            if name in metrics:
                value = metrics[name]["mean"]
                checks.append({"metric": name, "op": "<=", "bound": high, "value": value, "passed": value <= high})
        return checks


def stratified(cases: list[Case], n: int) -> list[str]:
    """About ``n`` case ids spread over the categories in proportion (at least one each), evenly spaced within a
    category so each keeps its mix of topics; deterministic, so repeated runs answer the same cases."""
    by_category: dict[str, list[Case]] = {}
    for c in cases:
        by_category.setdefault(c.category, []).append(c)
    out = []
    for group in by_category.values():
        want = max(1, round(n * len(group) / len(cases)))
        step = len(group) / want
        out += [group[int(i * step)].id for i in range(min(want, len(group)))]
    return out


def _select(cases: list[Case], limit: int | None, ids: list[str] | None, tags: list[str] | None) -> list[Case]:
    out = [c for c in cases if (not ids or c.id in ids) and (not tags or set(tags) & set(c.tags))]
    return out[:limit] if limit else out


# What only the answering model is judged on: an answer the extractive evidence gave in its place (the model failed
# to load or answer, or strict mode found nothing it wrote supported) is not the model's, and is counted by
# fallback_rate instead. Behaviour, leaks, retrieval and cost count whatever answered.
MODEL_QUALITY = ("correctness", "groundedness", "citations.", "judge.")


def _value(result: dict[str, Any], name: str) -> float | None:
    if result.get("fallback") and name.startswith(MODEL_QUALITY):
        return None
    if name == "pass_rate":
        return float(result["passed"])
    if name == "fallback_rate":
        # a model that failed (did not load, errored, said nothing) and left the answer to the extractive evidence
        return float(bool(result.get("fallback")) and not result.get("replaced"))
    if name == "replaced_rate":
        # a model that answered, but strict mode found none of it supported and showed the evidence instead
        return float(bool(result.get("replaced")))
    if name.startswith("behaviour."):
        return result["scores"]["behaviour"]["value"] if result["category"] == name.split(".", 1)[1] else None
    score = result["scores"].get(name)
    return None if score is None else float(score["value"])


def _mean(results: list[dict[str, Any]], rep: int, name: str) -> float | None:
    values = [v for r in results if r["repeat"] == rep and (v := _value(r, name)) is not None]
    return statistics.fmean(values) if values else None


def run_key(run: dict[str, Any]) -> str:
    """A short hash of what the run measured: prompts, models, corpus and datasets."""
    keys = run["keys"]
    basis = json.dumps([sorted((p, v["sha256"]) for p, v in keys["prompts"].items()), keys["models"],
                        keys["corpus_sha256"], keys["datasets"], run["guards"]], sort_keys=True)
    return hashlib.sha256(basis.encode()).hexdigest()[:10]
