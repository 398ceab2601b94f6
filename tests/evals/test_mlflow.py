"""`tutor eval --mlflow`: every prompt × backend variant becomes a run in a real MLflow store (mlflow-skinny, a
file: store under tmp_path), read back with MlflowClient; and the ways it must fail: no mlflow installed, a
tracking server that is down."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import GUARD_DIR, ROOT, FailingEndpoint, free_port, http_endpoint, run_tutor
from typer.testing import CliRunner

from app.core.prompts import PromptRegistry
from app.infra.settings import Settings
from evals.runner import METRICS, corpus_hash
from evals.tracking import EXPERIMENT, FILE_STORE_OPT_IN, HTTP_DEFAULTS, INSTALL_HINT, metric_key, open_tracker

ARGS = ["--dataset", "factual", "--limit", "1", "--llm", "extractive"]


@pytest.fixture(autouse=True)
def _mlflow_env() -> Any:
    """open_tracker sets MLflow's retry and file-store variables in the process; put them back after each test."""
    names = [*HTTP_DEFAULTS, FILE_STORE_OPT_IN]
    before = {n: os.environ.get(n) for n in names}
    yield
    for name, value in before.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def client(uri: str) -> Any:
    os.environ[FILE_STORE_OPT_IN] = "true"  # restored by _mlflow_env
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=uri)


def eval_in_process(settings: Settings, monkeypatch: pytest.MonkeyPatch, *args: str) -> Any:
    """`tutor eval ARGS` through the real command group (in this process, so the embedder loads once)."""
    from app.cli import cli, load_plugins

    load_plugins()
    monkeypatch.setenv("TUTOR_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("TUTOR_CORPUS_DIR", str(settings.corpus_dir))
    return CliRunner().invoke(cli, ["eval", *args])


def saved_run(runs: Path) -> dict[str, Any]:
    found = list(runs.glob("*/run.json"))
    assert len(found) == 1, found
    return dict(json.loads(found[0].read_text(encoding="utf-8")))


def test_every_variant_is_one_mlflow_run_with_its_params_metrics_and_reports(small_index, tmp_path):
    """The real `tutor` executable, `--mlflow` with no URI: the default store under the data dir."""
    runs = tmp_path / "runs"
    proc = run_tutor("eval", "--dataset", "factual", "--limit", "2", "--prompt", "answer@1", "--prompt", "answer@2",
                     "--llm", "extractive", "--out", str(runs), "--mlflow", check=False,
                     TUTOR_DATA_DIR=str(small_index.data_dir), TUTOR_CORPUS_DIR=str(small_index.corpus_dir))
    run = saved_run(runs)
    assert proc.returncode == (0 if run["passed"] else 1), proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr and "error" not in proc.stderr.lower(), proc.stderr[-3000:]
    store = (small_index.data_dir / "mlruns").resolve().as_uri()
    record = run["mlflow"]
    assert record["tracking_uri"] == store and record["error"] is None
    assert f"logged 2 MLflow run(s) to {store}" in proc.stdout

    mlflow_client = client(store)
    experiment = mlflow_client.get_experiment_by_name(EXPERIMENT)
    assert experiment is not None and experiment.experiment_id == record["experiment_id"]
    grouped = mlflow_client.search_runs([experiment.experiment_id],
                                        filter_string=f"tags.`tutor.run_id` = '{run['run_id']}'")
    assert sorted(r.info.run_id for r in grouped) == sorted(link["run_id"] for link in record["runs"])
    assert [(link["prompt"], link["llm"]) for link in record["runs"]] == [("answer@1", "extractive"),
                                                                          ("answer@2", "extractive")]
    for variant, link in zip(run["variants"], record["runs"], strict=True):
        logged = mlflow_client.get_run(link["run_id"])
        params, metrics, tags = logged.data.params, logged.data.metrics, logged.data.tags
        prompt_file = ROOT / "prompts" / "answer" / f"v{variant['prompt'][-1]}.yaml"
        assert params["prompt"] == variant["prompt"]
        assert params["prompt_sha256"] == hashlib.sha256(prompt_file.read_bytes()).hexdigest()
        assert params["backend"] == "extractive" and params["model"] == variant["model"]
        assert params["corpus_sha256"] == corpus_hash(small_index)
        assert params["dataset.factual.sha256"] == run["keys"]["datasets"]["factual"]
        applied = {f"threshold.{c['metric']}".replace("@", "_at_"): f"{c['op']} {c['bound']}"
                   for c in variant["checks"]}
        assert applied and {k: v for k, v in params.items() if k.startswith("threshold.")} == applied
        assert metrics["correctness"] == pytest.approx(variant["metrics"]["correctness"]["mean"])
        assert metrics["retrieval.hit_at_k"] == pytest.approx(variant["metrics"]["retrieval.hit@k"]["mean"])
        assert metrics["pass_rate.n"] == variant["metrics"]["pass_rate"]["n"] == 2
        assert {k for k in metrics if not k.endswith((".n", ".stdev"))} == \
            {k.replace("@", "_at_") for k in variant["metrics"]}
        assert tags["tutor.run_id"] == run["run_id"] and tags["tutor.datasets"] == "factual"
        assert tags["tutor.gate"] == ("passed" if variant["passed"] else "failed")
        assert logged.info.status == "FINISHED"

        folder = Path(mlflow_client.download_artifacts(link["run_id"], "", str(tmp_path / link["run_id"])))
        assert sorted(p.name for p in folder.iterdir()) == ["cases.json", "report.html", "report.md", "variant.json"]
        saved = runs / run["run_id"]
        assert (folder / "report.md").read_bytes() == (saved / "report.md").read_bytes()
        assert (folder / "report.html").read_bytes() == (saved / "report.html").read_bytes()
        cases = json.loads((folder / "cases.json").read_text(encoding="utf-8"))
        assert cases == [c for c in run["cases"] if c["prompt"] == variant["prompt"]] and len(cases) == 2


def test_mlflow_uri_names_another_store(small_index, tmp_path, monkeypatch):
    """`--mlflow-uri FOLDER`: the runs go there (as a file: URI), not to the default store."""
    elsewhere = tmp_path / "elsewhere"
    result = eval_in_process(small_index, monkeypatch, *ARGS, "--out", str(tmp_path / "runs"),
                             "--mlflow-uri", str(elsewhere))
    run = saved_run(tmp_path / "runs")
    assert result.exit_code == (0 if run["passed"] else 1), result.output
    assert run["mlflow"]["tracking_uri"] == elsewhere.resolve().as_uri() and run["mlflow"]["error"] is None
    assert not (small_index.data_dir / "mlruns").exists()
    (link,) = run["mlflow"]["runs"]
    assert link["url"] is None  # a file store has no web page; `mlflow ui` opens it
    logged = client(elsewhere.resolve().as_uri()).get_run(link["run_id"])
    assert logged.data.tags["tutor.run_id"] == run["run_id"]
    latest = PromptRegistry().get("answer@latest").ref
    assert logged.data.params["prompt_ref"] == "answer@latest" and logged.data.params["prompt"] == latest


@pytest.mark.parametrize("gate", ["passes", "fails"])
def test_a_tracking_server_that_is_down_is_one_line_and_the_run_is_kept(small_index, tmp_path, monkeypatch, gate):
    """Nothing listens on the port: the eval is saved anyway, one error line says why MLflow has no copy, and the
    exit code is the gate's (1) when it failed, else 2."""
    bar = tmp_path / "bar.yaml"
    bar.write_text("min: {behaviour: 0.0}\n" if gate == "passes" else "min: {correctness: 1.01}\n")
    uri = f"http://127.0.0.1:{free_port()}"
    started = time.monotonic()
    result = eval_in_process(small_index, monkeypatch, *ARGS, "--out", str(tmp_path / "runs"), "--thresholds",
                             str(bar), "--mlflow-uri", uri)
    assert time.monotonic() - started < 60  # 4 s measured; MLflow's own retry defaults would take minutes
    run = saved_run(tmp_path / "runs")
    assert run["passed"] is (gate == "passes")
    assert result.exit_code == (2 if gate == "passes" else 1), result.output
    error = run["mlflow"]["error"]
    assert error.startswith(f"could not log to MLflow at {uri}: ") and "refused" in error.lower()
    assert run["mlflow"]["runs"] == [] and run["mlflow"]["experiment_id"] is None
    lines = [line for line in result.stderr.splitlines() if line.strip() and not line.startswith("eval ")]
    assert lines == [f"error: {error}"], result.stderr  # the one line besides the progress lines
    assert "Traceback" not in result.output


def test_a_server_that_is_not_mlflow_is_one_line_in_run_json(tmp_path):
    """An HTTP server that answers, but not as MLflow (501 to every GET): the reason fits one line and is recorded."""
    with http_endpoint(FailingEndpoint, path="") as url:
        record = open_tracker(url, Settings(data_dir=tmp_path)).log_run({"run_id": "r", "variants": []}, tmp_path)
    assert record["error"].startswith(f"could not log to MLflow at {url}: ") and "501" in record["error"]
    assert "\n" not in record["error"] and len(record["error"]) < 400
    assert json.loads((tmp_path / "run.json").read_text(encoding="utf-8"))["mlflow"] == record


def test_without_mlflow_the_option_is_one_clear_line_before_any_work(small_index, tmp_path, monkeypatch, capsys):
    """mlflow not installed (its import fails): `tutor eval --mlflow` exits 2 with the install hint, runs nothing."""
    from app.cli import main

    monkeypatch.setitem(sys.modules, "mlflow", None)  # `import mlflow` now raises ImportError
    monkeypatch.setenv("TUTOR_DATA_DIR", str(small_index.data_dir))
    monkeypatch.setattr(sys, "argv", ["tutor", "eval", *ARGS, "--out", str(tmp_path / "runs"), "--mlflow"])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and lines[0].endswith(INSTALL_HINT), lines
    assert not (tmp_path / "runs").exists()


def test_without_mlflow_eval_works_as_before(small_index, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "mlflow", None)
    result = eval_in_process(small_index, monkeypatch, *ARGS, "--out", str(tmp_path / "runs"))
    run = saved_run(tmp_path / "runs")
    assert result.exit_code == (0 if run["passed"] else 1), result.output
    assert "mlflow" not in run and "MLflow" not in result.output


def test_metric_names_are_made_acceptable_to_mlflow(tmp_path):
    """Every metric and threshold name the runner can produce is logged under a name MLflow accepts; the raw
    names with '@' are refused (which is why they are renamed)."""
    from mlflow.entities import Metric
    from mlflow.exceptions import MlflowException

    store = client((tmp_path / "mlruns").as_uri())
    run_id = store.create_run(store.create_experiment("names")).info.run_id
    names = sorted(METRICS) + ["behaviour.out-of-scope", "learner/correctness", "learner/retrieval.hit@k"]
    with pytest.raises(MlflowException):
        store.log_batch(run_id, metrics=[Metric("retrieval.hit@k", 1.0, 0, 0)])
    store.log_batch(run_id, metrics=[Metric(metric_key(n), float(i), 0, 0) for i, n in enumerate(names)])
    logged = store.get_run(run_id).data.metrics
    assert len(logged) == len(names)  # no two names collapse into one
    assert logged[metric_key("learner/retrieval.hit@k")] == names.index("learner/retrieval.hit@k")


def test_mlflow_telemetry_is_off_outside_pytest_and_ci(tmp_path):
    """mlflow starts a usage-telemetry client when imported unless MLFLOW_DISABLE_TELEMETRY is set (it also stays
    quiet under pytest or CI, so this runs in a clean environment that is neither)."""
    code = ("import json, evals.tracking, mlflow; from mlflow.telemetry import get_telemetry_client; "
            "from mlflow.telemetry.utils import _is_ci_env_or_testing; "
            "print(json.dumps([_is_ci_env_or_testing(), get_telemetry_client() is None]))")
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path),
           "PYTHONPATH": os.pathsep.join([str(GUARD_DIR), str(ROOT)]),
           "NETGUARD_RECORD": os.environ["NETGUARD_RECORD"]}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout.splitlines()[-1]) == [False, True]
