"""Hands-on labs as data: ``labs/<topic>/<lab-id>/lab.yaml``, validated with pydantic (unknown fields are errors).

A lab names the task, the roadmap nodes it exercises, hints that cite corpus notes, how its starting state is
made (a ``start/`` folder copied in, then ``setup`` steps) and a check spec for one checker kind."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from app.errors import TutorError, validation_problem
from app.infra.settings import PROJECT_ROOT

LABS_DIR = PROJECT_ROOT / "labs"
LAB_FILE = "lab.yaml"
KINDS = ("sql", "git", "linux", "python", "dockerfile", "k8s")
_ID = r"^[a-z0-9][a-z0-9-]{1,60}$"


class LabError(TutorError):
    """A lab that cannot be used (malformed lab.yaml, unknown id, missing sandbox); one line saying what to do."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Hint(_Strict):
    text: str = Field(min_length=10)
    # A corpus note and one of its sections: ``note-git-rebase#How to do it`` (tests check both exist).
    source: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*#.+$")

    @property
    def doc_id(self) -> str:
        return self.source.split("#", 1)[0]

    @property
    def section(self) -> str:
        return self.source.split("#", 1)[1]


class WriteFile(_Strict):
    path: str
    content: str


class Chmod(_Strict):
    path: str
    mode: str = Field(pattern=r"^[0-7]{3,4}$")


class Step(_Strict):
    """One change to a lab folder: how a lab's starting state is made, and how tests play a learner's attempt."""

    write: WriteFile | None = None
    git: str | None = None  # arguments of one git command, run in the lab's repository
    chmod: Chmod | None = None
    delete: str | None = None
    mkdir: str | None = None

    @model_validator(mode="after")
    def _one(self) -> Step:
        set_ = [k for k in ("write", "git", "chmod", "delete", "mkdir") if getattr(self, k) is not None]
        if len(set_) != 1:
            raise ValueError(f"a step does exactly one of write, git, chmod, delete, mkdir (got {set_ or 'none'})")
        return self

    def git_args(self) -> list[str]:
        return shlex.split(self.git or "")


# --- check specs, one per kind ------------------------------------------------------------------------------


class SqlCheck(_Strict):
    data: str = "data.sql"  # in the lab folder: schema and rows; the sandbox gets lab.db built from it
    query_file: str = "query.sql"
    expected: list[list[Any]]
    columns: list[str] | None = None  # what each column holds, in order (names are the learner's choice)
    ordered: bool = False  # True when the task asks for an order
    timeout_s: float = Field(2.0, gt=0, le=30)
    max_rows: int = Field(1000, ge=1)


class GitRule(_Strict):
    branch_exists: str | None = None
    merged: dict[str, str] | None = None  # {branch, into}: branch's tip is reachable from into
    merge_commit: str | None = None  # the branch's tip is a merge commit
    no_merge_commits: str | None = None  # linear history on the branch
    file: dict[str, Any] | None = None  # {ref, path, contains: [...], absent: [...]}
    on_top_of: dict[str, str] | None = None  # {branch, base}: base's tip is an ancestor of branch
    commits_ahead: dict[str, Any] | None = None  # {branch, base, count}
    clean: bool | None = None  # no merge or rebase in progress, nothing uncommitted
    fail: str | None = None  # what to tell the learner when this rule fails


class GitCheck(_Strict):
    repo: str = "repo"
    rules: list[GitRule] = Field(min_length=1)


class LinuxRule(_Strict):
    mode: dict[str, Any] | None = None  # {path, owner_executable, world_writable, group_writable}
    points_to: dict[str, str] | None = None  # {file, target}: file holds a path naming target
    lines_of: dict[str, str] | None = None  # {file, source, contains}: exactly source's lines that contain it
    unit: dict[str, Any] | None = None  # {path, require: {Section: {Key: value}}, absolute_exec: bool}
    unchanged: str | None = None  # a file from the starting state the task must leave as it was
    fail: str | None = None


class LinuxCheck(_Strict):
    rules: list[LinuxRule] = Field(min_length=1)


class PythonCheck(_Strict):
    module: str = "solution.py"
    tests: str = "checks.py"  # in the lab folder: check_* functions taking the learner's module
    timeout_s: float = Field(5.0, gt=0, le=60)
    memory_mb: int = Field(256, ge=64, le=4096)


class DockerfileCheck(_Strict):
    path: str = "Dockerfile"
    require: list[Literal["multi_stage", "non_root", "pinned_base", "healthcheck", "copy_from_stage",
                          "exec_form_cmd", "no_secrets_in_env"]] = Field(min_length=1)
    expose: int | None = None


class K8sCheck(_Strict):
    path: str = "manifest.yaml"
    kubernetes_version: str = "1.37"
    kinds: list[str] = Field(min_length=1)
    probes: list[Literal["readiness", "liveness"]] = []
    resources: list[str] = []  # e.g. requests.cpu, limits.memory
    labels: dict[str, str] = {}  # on the workload's pod template
    service_selects_workload: bool = False
    configmap_mount: dict[str, str] | None = None  # {path}: a ConfigMap of this file mounted at path
    cronjob: dict[str, str] | None = None  # {schedule, concurrencyPolicy, restartPolicy}
    min_replicas: int | None = None


CheckSpec = SqlCheck | GitCheck | LinuxCheck | PythonCheck | DockerfileCheck | K8sCheck
CHECK_MODELS: dict[str, type[BaseModel]] = {"sql": SqlCheck, "git": GitCheck, "linux": LinuxCheck,
                                            "python": PythonCheck, "dockerfile": DockerfileCheck, "k8s": K8sCheck}


class Lab(_Strict):
    id: Annotated[str, Field(pattern=_ID)]
    title: str
    topic: str
    nodes: list[str] = Field(min_length=1)
    kind: Literal["sql", "git", "linux", "python", "dockerfile", "k8s"]
    task: str = Field(min_length=20)
    answer: str  # the file (or folder) the learner works on, shown after start
    hints: list[Hint] = Field(min_length=1)
    setup: list[Step] = []
    check: CheckSpec
    folder: Path = Path()  # set by the loader

    @model_validator(mode="before")
    @classmethod
    def _check_for_kind(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("check"), dict) and data.get("kind") in CHECK_MODELS:
            try:
                data = {**data, "check": CHECK_MODELS[data["kind"]].model_validate(data["check"])}
            except ValidationError as exc:
                location, message = validation_problem(exc)
                raise ValueError(f"check.{'.'.join(map(str, location))}: {message}") from None
        return data

    @property
    def start_dir(self) -> Path:
        return self.folder / "start"

    def practised(self) -> str:
        """The nodes in words for a reader ("deployments, liveness and readiness probes"), not graph ids."""
        names = [n.rsplit(":", 1)[-1].replace("-", " ") for n in self.nodes if n.startswith("sub:")]
        topics = [n for n in self.nodes if not n.startswith("sub:")]
        return ", ".join(dict.fromkeys(names or topics))

    def document(self) -> str:
        """The lab as Markdown for the corpus: task and hints, never the check spec (that would give it away)."""
        hints = "\n".join(f"- {h.text} (see {h.source})" for h in self.hints)
        return (f"# Lab: {self.title}\n\n## The task\n\n{self.task.strip()}\n\n"
                f"## How to do it\n\nRun `tutor lab start {self.id}`, work on `{self.answer}` in the folder it "
                f"prints, then run `tutor lab check {self.id}`. It practises {self.practised()}.\n\n"
                f"## Hints\n\n{hints}\n")


def _line_of(text: str, key: str) -> int:
    for i, line in enumerate(text.splitlines(), start=1):
        if line.strip().lstrip("- ").startswith(f"{key}:"):
            return i
    return 1


def load_lab(folder: Path) -> Lab:
    path = folder / LAB_FILE
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except OSError as exc:
        raise LabError(f"{path}: cannot read it ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise LabError(f"{path} line {mark.line + 1 if mark else 1}: not valid YAML ({problem})") from None
    if not isinstance(data, dict):
        raise LabError(f"{path} line 1: expected a mapping with id, title, topic, nodes, kind, task, hints, check")
    try:
        lab = Lab.model_validate({**data, "folder": folder})
    except ValidationError as exc:
        location, message = validation_problem(exc)
        loc = [str(p) for p in location]
        key = next((p for p in reversed(loc) if not p.isdigit()), "lab")
        if not loc and message.startswith("Value error, check."):
            key = message.split("check.", 1)[1].split(":", 1)[0].split(".")[-1]
        message = message.removeprefix("Value error, ")
        raise LabError(f"{path} line {_line_of(text, key)}: {'.'.join(loc) or 'lab'}: {message}") from None
    if lab.id != folder.name or lab.topic != folder.parent.name:
        raise LabError(f"{path}: id and topic must match the folder labs/{lab.topic}/{lab.id}/ "
                       f"(it is in labs/{folder.parent.name}/{folder.name}/)")
    return lab


def lab_folders(labs_dir: Path = LABS_DIR) -> list[Path]:
    return sorted(p.parent for p in labs_dir.glob(f"*/*/{LAB_FILE}"))


def load_labs(labs_dir: Path = LABS_DIR) -> list[Lab]:
    return [load_lab(folder) for folder in lab_folders(labs_dir)]


def find_lab(lab_id: str, labs_dir: Path = LABS_DIR) -> Lab:
    for folder in lab_folders(labs_dir):
        if folder.name == lab_id:
            return load_lab(folder)
    near = [f.name for f in lab_folders(labs_dir) if lab_id and (lab_id in f.name or f.name in lab_id)]
    raise LabError(f"no lab '{lab_id}': " + (f"did you mean {', '.join(near)}?" if near else
                                             "`tutor lab list` shows the lab ids"))
