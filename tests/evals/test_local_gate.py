"""The default backend passes its own gate (issue 12): the embedded 1.5B model with the shipped prompt and strict
mode, on a stratified handful of factual and learner cases (one per category), against the `local` bars of
evals/thresholds.yaml. A regression of the default (a prompt, the guard, strict mode, a model that no longer
loads) fails CI here; `make eval` runs every case."""

import pytest

from evals.cases import load_datasets
from evals.runner import EvalRunner, Variant, stratified

pytestmark = pytest.mark.slow
# one case per category that reaches the model or a guard, stratified (evenly spaced) within it
CATEGORIES = ("learning-path", "paraphrase", "symptom", "how-to", "comparison", "harmful")


def test_the_default_local_backend_passes_its_raised_bars(llm_settings, tmp_path):
    datasets = load_datasets(["factual", "learner"])
    ids = stratified([c for d in datasets for c in d.cases if c.category in CATEGORIES], len(CATEGORIES))
    # a fixed seed: the same code gives the same answers, so the gate moves only when the default does
    settings = llm_settings.model_copy(update={"llm_seed": 7})
    run = EvalRunner(settings, workdir=tmp_path).run(datasets, [Variant("answer@latest", "local")], case_ids=ids)
    assert {c["category"] for c in run["cases"]} == set(CATEGORIES)
    # the model answered every case that reached it (strict mode may still show the evidence: replaced_rate)
    answered = [c for c in run["cases"] if c["backend"] != "policy"]
    assert answered and all(c["backend"] == "local" or c["replaced"] for c in answered), \
        [(c["case"], c["notices"]) for c in answered if c["backend"] != "local"]
    (variant,) = run["variants"]
    assert run["passed"], [ch for ch in variant["checks"] if not ch["passed"]]
    assert variant["metrics"]["citations.coverage"]["n"] >= 4  # the model's own citations were measured
