"""A learner's lab folder: start it (the starting state), check it (the lab's checker, the result recorded for
mastery), give the next hint, and each lab's status. The folder is the learner's: a check only reads it."""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from app.core.labs.model import Lab, LabError, Step
from app.core.labs.result import CheckResult, failed
from app.infra import labresults
from app.infra.fileio import atomic_write_text
from app.infra.sandbox import SandboxLimit, build_database, git
from app.infra.settings import Settings

log = logging.getLogger("tutor")
MARKER = ".tutor-lab"  # names the lab a folder was started for: only such a folder is ever reset
STATUSES = ("not started", "started", "passed")


def labs_home(settings: Settings) -> Path:
    return settings.data_dir / "labs"


def _state_path(settings: Settings) -> Path:
    return labs_home(settings) / "state.json"


def _state(settings: Settings) -> dict[str, dict[str, object]]:
    path = _state_path(settings)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _save_state(settings: Settings, state: dict[str, dict[str, object]]) -> None:
    atomic_write_text(_state_path(settings), json.dumps(state, indent=1, sort_keys=True))


def lab_dir(lab: Lab, settings: Settings) -> Path:
    """Where the learner works on ``lab``: the folder given at start, else <data_dir>/labs/<id>."""
    where = _state(settings).get(lab.id, {}).get("dir")
    return Path(str(where)) if where else labs_home(settings) / lab.id


def _inside(folder: Path, rel: str) -> Path:
    path = PurePosixPath(rel)
    if path.is_absolute() or ".." in path.parts:
        raise LabError(f"a lab step names '{rel}': paths in a lab stay inside its folder")
    return folder / path


def apply_steps(folder: Path, steps: list[Step]) -> None:
    """Make the changes ``steps`` describe; a git step runs in <folder>/repo when that exists."""
    for step in steps:
        if step.write:
            target = _inside(folder, step.write.path)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(step.write.content, encoding="utf-8")
        elif step.mkdir:
            _inside(folder, step.mkdir).mkdir(parents=True, exist_ok=True)
        elif step.chmod:
            _inside(folder, step.chmod.path).chmod(int(step.chmod.mode, 8))
        elif step.delete:
            target = _inside(folder, step.delete)
            shutil.rmtree(target) if target.is_dir() else target.unlink(missing_ok=True)
        elif step.git:
            repo = folder / "repo" if (folder / "repo").is_dir() else folder
            done = git(repo, *step.git_args())
            if done.returncode != 0 and not step.git.startswith(("merge", "rebase", "cherry-pick")):
                raise LabError(f"git {step.git} failed in {repo}: {(done.stderr or done.stdout).strip()[:200]}")


def start(lab: Lab, settings: Settings, folder: Path | None = None, reset: bool = False) -> Path:
    """Make the lab's starting state in ``folder`` (default <data_dir>/labs/<id>); returns the folder."""
    folder = (folder or labs_home(settings) / lab.id).expanduser().absolute()
    if folder.exists() and any(folder.iterdir()):
        marker = folder / MARKER
        if not reset:
            raise LabError(f"lab {lab.id} is already started in {folder}: work there and run `tutor lab check "
                           f"{lab.id}`, or add --reset to start over (that deletes your work in it)")
        if not marker.is_file() or marker.read_text(encoding="utf-8").strip() != lab.id:
            raise LabError(f"{folder} is not empty and was not made by `tutor lab start {lab.id}`: choose an empty "
                           "folder with --dir (nothing was deleted)")
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        if lab.start_dir.is_dir():
            shutil.copytree(lab.start_dir, folder, dirs_exist_ok=True)
        spec = lab.check
        if lab.kind == "sql":
            build_database((lab.folder / spec.data).read_text(encoding="utf-8"), folder / "lab.db")  # type: ignore[union-attr]
            query = folder / spec.query_file  # type: ignore[union-attr]
            if not query.exists():
                query.write_text(f"-- Write one SELECT statement here, then run: tutor lab check {lab.id}\n",
                                 encoding="utf-8")
        apply_steps(folder, lab.setup)
    except SandboxLimit as exc:
        raise LabError(f"could not make lab {lab.id} in {folder}: {exc.message}") from None
    (folder / "TASK.md").write_text(f"# {lab.title}\n\n{lab.task.strip()}\n", encoding="utf-8")
    (folder / MARKER).write_text(lab.id + "\n", encoding="utf-8")
    state = _state(settings)
    state[lab.id] = {"dir": str(folder), "hints": 0}
    _save_state(settings, state)
    return folder


def run_checker(lab: Lab, folder: Path) -> CheckResult:
    """The lab's checker on ``folder``. Never raises for what is in the folder: a surprise is a failed check."""
    from app.core.labs.check_git import check_git
    from app.core.labs.check_k8s import check_k8s
    from app.core.labs.check_linux import check_linux
    from app.core.labs.check_python import check_python
    from app.core.labs.check_sql import check_sql
    from app.core.labs.dockerfile import check_dockerfile

    checkers = {"sql": check_sql, "git": check_git, "linux": check_linux, "python": check_python,
                "dockerfile": check_dockerfile, "k8s": check_k8s}
    try:
        return checkers[lab.kind](lab, lab.check, folder)  # type: ignore[operator]
    except Exception as exc:  # noqa: BLE001 (the boundary: a learner's odd file must not crash the tutor)
        log.warning("lab %s: the check stopped on %r", lab.id, exc, exc_info=True)
        return failed(f"the check could not read your work in {folder} ({type(exc).__name__}: "
                      f"{getattr(exc, 'message', exc)}): fix the file it names, or start over with --reset")


def check(lab: Lab, settings: Settings, folder: Path | None = None,
          profile: str = labresults.DEFAULT_PROFILE) -> CheckResult:
    folder = (folder or lab_dir(lab, settings)).expanduser().absolute()
    if not folder.is_dir():
        raise LabError(f"lab {lab.id} has no folder at {folder}: run `tutor lab start {lab.id}` first")
    result = run_checker(lab, folder)
    labresults.record(settings.state_database, lab.id, lab.nodes, result.passed, result.reason, profile)
    return result


@dataclass(frozen=True)
class HintShown:
    number: int
    total: int
    text: str
    source: str


def next_hint(lab: Lab, settings: Settings) -> HintShown:
    """The next hint (the last one again once all were shown), with the note it cites."""
    state = _state(settings)
    entry = state.setdefault(lab.id, {"dir": str(labs_home(settings) / lab.id), "hints": 0})
    shown = int(str(entry.get("hints", 0)))
    index = min(shown, len(lab.hints) - 1)
    entry["hints"] = shown + 1
    _save_state(settings, state)
    hint = lab.hints[index]
    return HintShown(index + 1, len(lab.hints), hint.text, hint.source)


def statuses(labs: list[Lab], settings: Settings, profile: str = labresults.DEFAULT_PROFILE) -> dict[str, str]:
    """Per lab: passed (any check passed), started (its folder exists) or not started."""
    results = labresults.latest(settings.state_database, profile)
    out = {}
    for lab in labs:
        if results.get(lab.id, {}).get("ever_passed"):
            out[lab.id] = "passed"
        elif lab_dir(lab, settings).is_dir():
            out[lab.id] = "started"
        else:
            out[lab.id] = "not started"
    return out
