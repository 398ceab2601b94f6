"""The learner-phrased questions on their own bar (issue 11), extractive, every case: a file of its own so the
test workers run it beside the shared gate in test_evals.py."""

import pytest

from app.core.prompts import PromptRegistry
from evals.cases import load_datasets
from evals.runner import EvalRunner, Variant, load_thresholds

pytestmark = pytest.mark.slow
SHIPPED = PromptRegistry().get("answer@latest").ref
# datasets gated on their own cases (learner, self-ops); the definitions on half their cases, below
OWN_BAR = set(load_thresholds().get("per_dataset", {})) - {"definitions"}


@pytest.fixture(scope="module")
def extractive_runner(full_index, tmp_path_factory):
    return EvalRunner(full_index, workdir=tmp_path_factory.mktemp("evalwork"))


def test_learner_questions_meet_their_own_bar(extractive_runner):
    """The shipped prompt on every learner-phrased case: today's floor holds, and no harmful request in ops
    vocabulary is answered while its defensive twin is (thresholds.yaml, per_dataset)."""
    run = extractive_runner.run(load_datasets(sorted(OWN_BAR)), [Variant(SHIPPED, "extractive")])
    assert run["passed"], [ch for v in run["variants"] for ch in v["checks"] if not ch["passed"]]
    pairs = [c for c in run["cases"] if c["category"] in ("harmful", "defensive")]
    assert len(pairs) >= 20 and all(c["scores"]["behaviour"]["value"] == 1.0 for c in pairs)


def test_definition_questions_meet_their_own_bar(extractive_runner):
    """Every other "what is X?" question (33 of 66, spread over the topics as the file orders them): the bar of
    the whole set (`tutor eval --dataset definitions` runs all 66), on half the make-test minutes."""
    datasets = load_datasets(["definitions"])
    ids = [c.id for c in datasets[0].cases][::2]
    run = extractive_runner.run(datasets, [Variant(SHIPPED, "extractive")], case_ids=ids)
    assert len(run["cases"]) == len(ids) >= 30
    assert run["passed"], [ch for v in run["variants"] for ch in v["checks"] if not ch["passed"]]
