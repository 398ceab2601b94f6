"""Log a saved eval run to MLflow: one MLflow run per prompt × backend variant, under one experiment.

mlflow is an optional extra (``pip install -e '.[mlflow]'``, the ``mlflow-skinny`` client) and is imported
only when ``tutor eval --mlflow`` asks for it. The eval run is saved before anything is sent, so a tracking
store that is missing or down costs the MLflow copy, never the run; what was created (or why not) is
written back into run.json under ``"mlflow"`` for the UI to link.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import app.infra.offline  # noqa: F401  (MLFLOW_DISABLE_TELEMETRY must be set before mlflow is imported)
from app.errors import TutorError
from app.infra.fileio import atomic_write_text
from app.infra.settings import Settings

log = logging.getLogger("evals")

EXPERIMENT = "roadmap-tutor-evals"
INSTALL_HINT = "install the mlflow extra: pip install -e '.[mlflow]'"

# MLflow's HTTP client retries 7 times with exponential backoff, minutes against a server that is down; an
# eval that already finished should say so in seconds. Set these variables yourself to wait longer.
HTTP_DEFAULTS = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2", "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
                 "MLFLOW_HTTP_REQUEST_TIMEOUT": "30"}
# MLflow 3.x refuses a file: store unless told otherwise (it wants sqlite, whose sqlalchemy and alembic
# mlflow-skinny does not install); a folder of files is the store that needs nothing else.
FILE_STORE_OPT_IN = "MLFLOW_ALLOW_FILE_STORE"
MAX_PARAMS_PER_BATCH, MAX_METRICS_PER_BATCH = 100, 1000  # MLflow's limits for one log_batch call


def default_tracking_uri(settings: Settings) -> str:
    """The local store used when ``--mlflow`` names none: <data dir>/mlruns."""
    return (settings.data_dir / "mlruns").resolve().as_uri()


def resolve_uri(uri: str | None, settings: Settings) -> str:
    """A tracking URI as given (http://, https://, file:, ...); a bare folder becomes a file: URI."""
    if not uri:
        return default_tracking_uri(settings)
    if len(urlsplit(uri).scheme) < 2:  # no scheme (or a Windows drive letter): a folder
        return Path(uri).expanduser().resolve().as_uri()
    return uri


def metric_key(name: str) -> str:
    """A metric or param name MLflow accepts (letters, digits, _ - . / and space): ``retrieval.hit@k`` ->
    ``retrieval.hit_at_k``. Colons, legal on POSIX only, are replaced too."""
    return re.sub(r"[^\w./\- ]", "_", name.replace("@", "_at_"))


class MlflowTracker:
    """Where the runs go. ``open_tracker`` checks that mlflow can be imported before the eval starts."""

    def __init__(self, uri: str) -> None:
        self.uri = uri

    def log_run(self, run: dict[str, Any], folder: Path) -> dict[str, Any]:
        """Log every variant of the saved ``run`` (its folder holds report.md and report.html), then record the
        result in run.json. Never raises: a failure is the record's ``error``, one line."""
        record: dict[str, Any] = {"tracking_uri": self.uri, "experiment_name": EXPERIMENT, "experiment_id": None,
                                  "runs": [], "error": None}
        try:
            with _quiet_retries():
                self._log_variants(run, folder, record)
        except Exception as exc:  # any failure of this optional sink (store, network, mlflow itself) is one line
            log.debug("MLflow logging failed", exc_info=True)
            record["error"] = f"could not log to MLflow at {self.uri}: {_reason(exc)}"
        run["mlflow"] = record
        atomic_write_text(folder / "run.json", json.dumps(run, indent=1))
        return record

    def _log_variants(self, run: dict[str, Any], folder: Path, record: dict[str, Any]) -> None:
        from mlflow.tracking import MlflowClient

        client = MlflowClient(tracking_uri=self.uri)
        record["experiment_id"] = _experiment_id(client)
        for variant in run["variants"]:
            run_id = _log_variant(client, record["experiment_id"], run, variant, folder)
            record["runs"].append({"prompt": variant["prompt"], "llm": variant["llm"], "run_id": run_id,
                                   "url": self.run_url(record["experiment_id"], run_id)})

    def run_url(self, experiment_id: str, run_id: str) -> str | None:
        """The run's page in a tracking server's UI; a file store has none (open it with `mlflow ui`)."""
        if urlsplit(self.uri).scheme not in ("http", "https"):
            return None
        return f"{self.uri.rstrip('/')}/#/experiments/{experiment_id}/runs/{run_id}"


def open_tracker(uri: str | None, settings: Settings) -> MlflowTracker:
    """The tracker for ``uri`` (None: the default local store); a TutorError (one line, exit 2) when mlflow
    is not installed, raised before the eval spends any time."""
    resolved = resolve_uri(uri, settings)
    for name, value in HTTP_DEFAULTS.items():
        os.environ.setdefault(name, value)
    if resolved.startswith("file:"):
        os.environ.setdefault(FILE_STORE_OPT_IN, "true")
    try:
        import mlflow  # noqa: F401  (the top package first: a blocked or missing mlflow fails here)
    except ImportError as exc:
        raise TutorError(f"--mlflow needs mlflow, which is not installed; {INSTALL_HINT}") from exc
    return MlflowTracker(resolved)


@contextlib.contextmanager
def _quiet_retries() -> Iterator[None]:
    """urllib3 warns on every retry MLflow's client makes; the outcome is reported once, as the error line.
    With -vv (debug) they are left on."""
    if log.isEnabledFor(logging.DEBUG):
        yield
        return
    loggers = [logging.getLogger(name) for name in ("urllib3", "mlflow")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


def _experiment_id(client: Any) -> str:
    from mlflow.exceptions import MlflowException

    found = client.get_experiment_by_name(EXPERIMENT)
    if found is not None:
        return str(found.experiment_id)
    try:
        return str(client.create_experiment(EXPERIMENT, tags={"project": "roadmap-tutor"}))
    except MlflowException:  # another `tutor eval` created it in between
        found = client.get_experiment_by_name(EXPERIMENT)
        if found is None:
            raise
        return str(found.experiment_id)


def _log_variant(client: Any, experiment_id: str, run: dict[str, Any], variant: dict[str, Any],
                 folder: Path) -> str:
    from mlflow.entities import Metric, Param

    started = int(datetime.strptime(run["created"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp() * 1000)
    tags = {"tutor.run_id": run["run_id"], "tutor.datasets": ",".join(sorted(run["keys"]["datasets"])),
            "tutor.gate": "passed" if variant["passed"] else "failed",
            "tutor.run_gate": "passed" if run["passed"] else "failed",
            "tutor.guards": "on" if run["guards"] else "off"}
    created = client.create_run(experiment_id, start_time=started, tags=tags,
                                run_name=f"{variant['prompt']} · {variant['llm']} · {run['run_id']}")
    run_id = str(created.info.run_id)
    try:
        metrics = [Metric(metric_key(f"{name}{part}"), float(value[field]), started, 0)
                   for name, value in variant["metrics"].items()
                   for part, field in (("", "mean"), (".stdev", "stdev"), (".n", "n"))]
        params = [Param(metric_key(k), str(v)) for k, v in _params(run, variant).items()]
        for i in range(0, len(metrics), MAX_METRICS_PER_BATCH):
            client.log_batch(run_id, metrics=metrics[i:i + MAX_METRICS_PER_BATCH])
        for i in range(0, len(params), MAX_PARAMS_PER_BATCH):
            client.log_batch(run_id, params=params[i:i + MAX_PARAMS_PER_BATCH])
        for name in ("report.md", "report.html"):
            client.log_artifact(run_id, str(folder / name))
        with tempfile.TemporaryDirectory(prefix="tutor-mlflow-") as tmp:
            mine = [c for c in run["cases"] if c["prompt"] == variant["prompt"] and c["llm"] == variant["llm"]]
            (Path(tmp) / "cases.json").write_text(json.dumps(mine, indent=1), encoding="utf-8")
            (Path(tmp) / "variant.json").write_text(json.dumps(variant, indent=1), encoding="utf-8")
            client.log_artifacts(run_id, tmp)
        client.set_terminated(run_id, "FINISHED", end_time=started + int(run["seconds"] * 1000))
    except Exception:
        try:
            client.set_terminated(run_id, "FAILED")
        except Exception:  # the store that just failed may refuse this too; the first error is the one to report
            log.debug("could not mark MLflow run %s failed", run_id, exc_info=True)
        raise
    return run_id


def _params(run: dict[str, Any], variant: dict[str, Any]) -> dict[str, Any]:
    """What the variant measured with: prompt (resolved version and as asked), backend, model, corpus,
    datasets, and the thresholds that applied to it (one ``threshold.<metric>`` each, e.g. ">= 0.95")."""
    prompt = run["keys"]["prompts"][variant["prompt"]]
    resolved = f"{variant['prompt'].partition('@')[0]}@{Path(prompt['path']).stem.removeprefix('v')}"
    params: dict[str, Any] = {
        "prompt": resolved, "prompt_ref": variant["prompt"], "prompt_sha256": variant["prompt_sha256"],
        "backend": variant["llm"], "model": variant["model"], "corpus_sha256": run["keys"]["corpus_sha256"],
        "guards": run["guards"], "repeat": run["repeat"], "cases": len(run["keys"]["cases"]),
    }
    params.update({f"dataset.{name}.sha256": sha for name, sha in run["keys"]["datasets"].items()})
    params.update({f"threshold.{c['metric']}": f"{c['op']} {c['bound']}" for c in variant["checks"]})
    return params


def _reason(exc: BaseException) -> str:
    """The innermost cause, on one line (MLflow wraps a refused connection in three layers of retries)."""
    inner: BaseException = exc
    seen = {id(inner)}
    while (nxt := inner.__cause__ or inner.__context__) is not None and id(nxt) not in seen:
        seen.add(id(nxt))
        inner = nxt
    text = " ".join(str(inner).split()) or type(inner).__name__
    return text if len(text) <= 300 else text[:297] + "..."
