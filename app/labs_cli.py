"""`tutor lab list|start|check|hint`: hands-on labs from the command line. Registered through the
``roadmap_tutor.cli`` entry-point group (pyproject.toml), so app/cli.py does not import it; a front end like
app.cli, app.server and app.ui (the import-linter layers say so). A TutorError (a malformed lab, a missing
folder) becomes one line in app.cli.run_guarded, like every other command's."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from app.infra.settings import Settings, load_settings

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)
lab_cli = typer.Typer(help="Hands-on labs: start one, do it in your own terminal or editor, and let the tutor check "
                           "it (offline, on your machine).", no_args_is_help=True)
_PROFILE = typer.Option("--profile", help="Whose results these are (mastery is kept per profile).")


def _settings() -> Settings:
    return load_settings(lambda line: err.print(f"[yellow]notice:[/yellow] {line}"))


@lab_cli.command("list")
def lab_list(topic: Annotated[str | None, typer.Option("--topic", help="Only this roadmap topic's labs.")] = None,
             as_json: Annotated[bool, typer.Option("--json", help="Print the list as JSON.")] = False,
             profile: Annotated[str, _PROFILE] = "default") -> None:
    """The labs with their status: not started, started or passed."""
    from app.core.labs import load_labs, statuses

    labs = [lab for lab in load_labs() if topic in (None, lab.topic)]
    status = statuses(labs, _settings(), profile)
    if as_json:
        rows = [{"id": lab.id, "topic": lab.topic, "kind": lab.kind, "title": lab.title, "nodes": lab.nodes,
                 "status": status[lab.id]} for lab in labs]
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return
    colour = {"passed": "green", "started": "yellow", "not started": "dim"}
    for lab in labs:
        s = status[lab.id]
        out.print(f"{lab.topic:<11} {lab.id:<28} [{colour[s]}]{s:<11}[/{colour[s]}] {lab.title}")
    done = sum(s == "passed" for s in status.values())
    out.print(f"\n{done} of {len(labs)} passed. Start one with `tutor lab start ID`.")


@lab_cli.command("start")
def lab_start(lab_id: Annotated[str, typer.Argument(help="The lab's id (tutor lab list).")],
              folder: Annotated[Path | None, typer.Option("--dir", help="Work here instead of the data dir "
                                                                        "(an empty or new folder).")] = None,
              reset: Annotated[bool, typer.Option("--reset", help="Start over: delete your work in the lab's "
                                                                  "folder and make it again.")] = False) -> None:
    """Make the lab's folder with its starting state; prints where it is and the task."""
    from app.core.labs import find_lab, start

    lab = find_lab(lab_id)
    where = start(lab, _settings(), folder, reset=reset)
    out.print(f"[bold]{lab.title}[/bold]\n")
    out.print(lab.task.strip())
    out.print(f"\nYour folder: {where}\nWork on: {where / lab.answer}\nThen run: tutor lab check {lab.id}"
              f"   (stuck? tutor lab hint {lab.id})")


@lab_cli.command("check")
def lab_check(lab_id: Annotated[str, typer.Argument(help="The lab's id.")],
              folder: Annotated[Path | None, typer.Option("--dir", help="Check this folder instead of the one "
                                                                        "`tutor lab start` made.")] = None,
              as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
              profile: Annotated[str, _PROFILE] = "default") -> None:
    """Check your work (read only: your files are never changed); exit 0 when it passes, 1 when not."""
    from app.core.labs import check, find_lab

    lab = find_lab(lab_id)
    result = check(lab, _settings(), folder, profile)
    if as_json:
        sys.stdout.write(json.dumps({"lab": lab.id, **result.as_json()}, indent=2) + "\n")
    elif result.passed:
        out.print(f"[green]passed[/green]: {result.reason}")
    else:
        out.print(f"[red]not yet[/red]: {result.reason}")
        for line in result.details:
            out.print(f"  - {line}")
        out.print(f"Stuck? tutor lab hint {lab.id}")
    raise typer.Exit(0 if result.passed else 1)


@lab_cli.command("hint")
def lab_hint(lab_id: Annotated[str, typer.Argument(help="The lab's id.")]) -> None:
    """The next hint, with the note it comes from (ask the tutor about that note for more)."""
    from app.core.labs import find_lab, next_hint

    hint = next_hint(find_lab(lab_id), _settings())
    last = " (the last hint)" if hint.number == hint.total else ""
    out.print(f"Hint {hint.number} of {hint.total}{last}: {hint.text}\n  source: {hint.source}")
