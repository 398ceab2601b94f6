"""`tutor eval`: run the eval matrix and gate on thresholds; `tutor eval diff RUN_A RUN_B`.

Registered as a `tutor` subcommand through the ``roadmap_tutor.cli`` entry point; before that,
`python -m evals.cli ...` runs the same commands.
"""

from __future__ import annotations

import json
import logging
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from app.errors import TutorError
from app.infra.settings import Settings

app = typer.Typer(help="Evaluate prompts × backends on the eval datasets; exit 1 when a threshold fails.",
                  no_args_is_help=False)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)
log = logging.getLogger("evals")


@app.callback(invoke_without_command=True)
def run(
    ctx: typer.Context,
    dataset: Annotated[list[str] | None, typer.Option("--dataset", "-d", help="Dataset name (repeatable); "
                                                      "default: all of evals/datasets/.")] = None,
    prompt: Annotated[list[str] | None, typer.Option("--prompt", "-p", help="Prompt NAME@VERSION (repeatable).")] \
        = None,
    llm: Annotated[list[str] | None, typer.Option("--llm", help="Backend spec (repeatable); default extractive.")] \
        = None,
    repeat: Annotated[int, typer.Option(min=1, help="Answer every case N times (mean ± stdev).")] = 1,
    limit: Annotated[int | None, typer.Option(min=1, help="At most N cases per dataset.")] = None,
    case: Annotated[list[str] | None, typer.Option("--case", help="Only these case ids (repeatable).")] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", help="Only cases with this tag (repeatable).")] = None,
    sample: Annotated[int | None, typer.Option(min=1, help="About N cases in all, spread over every category in "
                                               "proportion (a stratified subset for repeats).")] = None,
    strict: Annotated[bool | None, typer.Option("--strict/--no-strict", help="Force strict mode on or off (default: "
                                                "the tutor's, on for local models); --no-strict scores a model's raw "
                                                "sentences.", show_default=False)] = None,
    guards: Annotated[bool, typer.Option("--guards/--no-guards", help="--no-guards switches off the code guards "
                                         "so the prompt alone is measured.")] = True,
    judge: Annotated[str | None, typer.Option(help="Also ask this backend to judge support (optional).")] = None,
    thresholds: Annotated[Path | None, typer.Option(help="Thresholds file; default evals/thresholds.yaml.")] = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Runs folder; default <data dir>/evals/runs.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the run as JSON.")] = False,
    mlflow: Annotated[bool, typer.Option("--mlflow", help="Also log one MLflow run per variant (needs the mlflow "
                                         "extra); default store <data dir>/mlruns.")] = False,
    mlflow_uri: Annotated[str | None, typer.Option("--mlflow-uri", metavar="URI", help="MLflow tracking URI or "
                                                   "folder (implies --mlflow).")] = None,
) -> None:
    if ctx.invoked_subcommand is not None:
        return
    from evals.cases import load_datasets
    from evals.promote import promoted_dir
    from evals.report import failed_checks, runs_dir, save_run
    from evals.runner import EvalRunner, Variant, load_thresholds, stratified
    from evals.tracking import open_tracker

    settings = Settings()
    try:  # without mlflow: exit 2 now, before the eval (escaped: app.cli's printer would eat "[mlflow]" as markup)
        tracker = open_tracker(mlflow_uri, settings) if mlflow or mlflow_uri else None
    except TutorError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(2) from None
    datasets = load_datasets(dataset, extra_roots=[promoted_dir(settings)])  # + promoted feedback cases
    if sample:
        case = (case or []) + stratified([c for d in datasets for c in d.cases], sample)
    variants = [Variant(p, b) for p in (prompt or ["answer@latest"]) for b in (llm or ["extractive"])]
    total = len(variants) * repeat * sum(
        len([c for c in d.cases if (not case or c.id in case) and (not tag or set(tag) & set(c.tags))][:limit])
        for d in datasets)
    # the poisoned copy of the index lives only as long as the run
    with tempfile.TemporaryDirectory(prefix="tutor-eval-") as work, \
            Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                     console=err, transient=True, disable=as_json) as bar:
        runner = EvalRunner(settings, load_thresholds(thresholds) if thresholds else None, judge=judge,
                            workdir=Path(work))
        task = bar.add_task("eval", total=total)
        done = [0]

        def on_case(label: str) -> None:
            bar.update(task, advance=1, description=label)
            done[0] += 1
            if not err.is_terminal:  # plain progress lines for logs and the UI's progress bar
                err.print(f"eval {done[0]}/{total}: {label}")

        result = runner.run(datasets, variants, repeat=repeat, limit=limit, case_ids=case, tags=tag,
                            guards=guards, on_case=on_case, strict=strict)
    folder = save_run(result, out_dir or runs_dir(settings))
    tracked = tracker.log_run(result, folder) if tracker else None
    if as_json:
        sys.stdout.write(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    else:
        print_table(result)
        for line in failed_checks(result):
            out.print(f"[red]threshold failed:[/red] {line}")
        out.print(f"saved {folder}/run.json, report.md, report.html")
    if tracked and not tracked["error"] and not as_json:
        out.print(f"logged {len(tracked['runs'])} MLflow run(s) to {tracked['tracking_uri']} "
                  f"(experiment {tracked['experiment_name']}, tag tutor.run_id={result['run_id']})")
    if tracked and tracked["error"]:  # the run is saved; a failed gate still exits 1, else tracking exits 2
        err.print(f"[red]error:[/red] {escape(tracked['error'])}")
    raise typer.Exit(1 if not result["passed"] else 2 if tracked and tracked["error"] else 0)


def print_table(result: dict[str, Any]) -> None:
    from evals.report import table_rows

    header, rows = table_rows(result)
    table = Table(title=f"eval {result['run_id']} · guards {'on' if result['guards'] else 'OFF'}")
    for i, h in enumerate(header):
        table.add_column(h, justify="left" if i == 0 else "right")
    for row in rows:
        table.add_row(*row)
    out.print(table)


@app.command("diff")
def diff_runs(
    run_a: Annotated[str, typer.Argument(help="Run id or folder (the baseline).")],
    run_b: Annotated[str, typer.Argument(help="Run id or folder (the candidate).")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """What changed from RUN_A to RUN_B, case by case, regressions first. Exit 1 on a regression."""
    from evals.report import diff, load_run, runs_dir

    root = runs_dir(Settings())
    changes = diff(load_run(run_a, root), load_run(run_b, root))
    if as_json:
        sys.stdout.write(json.dumps(changes, indent=1, ensure_ascii=False) + "\n")
    else:
        for c in changes:
            colour = {"regression": "red", "fixed": "green"}.get(c["kind"], "yellow")
            out.print(f"[{colour}]{c['kind']:<10}[/{colour}] {c['case']}  ({c['variant']}) {c['detail']}")
        counts = {k: sum(c["kind"] == k for c in changes) for k in ("regression", "fixed", "changed")}
        out.print(f"{counts['regression']} regressions, {counts['fixed']} fixed, {counts['changed']} changed")
    raise typer.Exit(1 if any(c["kind"] == "regression" for c in changes) else 0)


@app.command("promote")
def promote_turn(
    turn_id: Annotated[str | None, typer.Argument(help="The turn to promote: its id (the completion id on "
                                                       "`tutor serve`, turn_id in `tutor ask --json`).")] = None,
    fact: Annotated[list[str] | None, typer.Option("--fact", "-f", help="A fact a right answer must hold "
                                                   "(repeatable); alternatives separated by '|'.")] = None,
    source: Annotated[list[str] | None, typer.Option("--source", "-s", help="A document that should have been "
                                                     "retrieved (repeatable); default: the ones the turn was "
                                                     "answered from.")] = None,
    behaviour: Annotated[str, typer.Option(help="answer | decline | refuse: what the tutor should have done.")] \
        = "answer",
    case_id: Annotated[str | None, typer.Option("--id", help="The case id; default fb-<turn id>.")] = None,
    replace: Annotated[bool, typer.Option("--replace", help="Overwrite a case with the same id.")] = False,
    list_rated: Annotated[bool, typer.Option("--list", help="List the rated turns (rated down first) and exit.")] \
        = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Turn a rated answer into a case of the from-feedback dataset, which the next `tutor eval` runs."""
    from app.errors import TutorError
    from app.infra.turnlog import TurnLog, retrieved_documents
    from evals.promote import promote

    settings = Settings()
    if list_rated or turn_id is None:
        rows = TurnLog(settings.state_database).feedback()
        rows.sort(key=lambda r: r["rating"])  # rated down first, newest first within each
        if as_json:
            sys.stdout.write(json.dumps([{"turn_id": r["uid"], "rating": r["rating"], "question": r["question"],
                                          "comment": r["feedback_comment"], "promoted_case": r["promoted_case"],
                                          "documents": retrieved_documents(r)} for r in rows], indent=1) + "\n")
            return
        if not rows:
            out.print("No rated answers yet: learners rate answers in the chat (thumbs), in `tutor chat` (:up / "
                      ":down) or with POST /v1/feedback.")
        for r in rows:
            mark = "down" if r["rating"] < 0 else "up  "
            done = f" → {r['promoted_case']}" if r["promoted_case"] else ""
            out.print(f"{mark} {r['uid']}  {escape(r['question'][:70])}{done}")
            if r["feedback_comment"]:
                out.print(f"       [dim]“{escape(r['feedback_comment'][:100])}”[/dim]")
        return
    if behaviour not in ("answer", "decline", "refuse"):
        raise TutorError(f"--behaviour is answer, decline or refuse, not '{behaviour}'")
    gold = [s.strip() for s in source if s.strip()] if source is not None else None  # --source '' = no gold
    path, case = promote(settings, turn_id, fact or [], gold, behaviour, case_id, replace)  # type: ignore[arg-type]
    if as_json:
        sys.stdout.write(json.dumps({"dataset": str(path), "case": case.model_dump(mode="json")}, indent=1) + "\n")
        return
    out.print(f"promoted turn {turn_id} to case '{case.id}' in {path}")
    out.print(f"  retrieval gold: {', '.join(case.expect.sources) or '(none)'}")
    if source is None and case.expect.sources:
        out.print("  [dim](what the turn retrieved; pass --source DOC to say what should have been)[/dim]")
    out.print(f"run it: tutor eval -d from-feedback --case {case.id}")


if __name__ == "__main__":
    from app.cli import run_guarded  # the same one-line errors as `tutor eval`

    run_guarded(app)
