"""A small Dockerfile reader (no daemon): instructions with their line numbers, build stages, base images with
tag and digest, and the checks a lab can ask for (multi-stage, non-root, pinned base, HEALTHCHECK, ...)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from app.core.labs.model import DockerfileCheck, Lab
from app.core.labs.result import CheckResult, failed, first_failure, read_text_limited

INSTRUCTIONS = {"FROM", "RUN", "CMD", "LABEL", "MAINTAINER", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT", "VOLUME",
                "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL"}
_SECRET_NAME = re.compile(r"(PASSWORD|SECRET|TOKEN|API_KEY|PRIVATE_KEY)", re.I)


@dataclass(frozen=True)
class Instruction:
    keyword: str
    args: str
    line: int


@dataclass
class Stage:
    image: str  # as written after FROM (a registry image or an earlier stage's name)
    name: str | None
    line: int
    instructions: list[Instruction] = field(default_factory=list)

    def last(self, keyword: str) -> Instruction | None:
        return next((i for i in reversed(self.instructions) if i.keyword == keyword), None)


@dataclass(frozen=True)
class ImageRef:
    name: str
    tag: str | None
    digest: str | None


def parse_image(ref: str) -> ImageRef:
    rest, _, digest = ref.partition("@")
    last = rest.rsplit("/", 1)[-1]
    tag = last.split(":", 1)[1] if ":" in last else None
    name = rest[: len(rest) - len(tag) - 1] if tag else rest
    return ImageRef(name, tag, digest or None)


def parse_dockerfile(text: str) -> list[Stage]:
    """Stages in order; raises ValueError naming the line of an unknown instruction or a missing FROM."""
    stages: list[Stage] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        start, line = i + 1, lines[i]
        i += 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        while line.rstrip().endswith("\\") and i < len(lines):  # continuation; comment lines inside are dropped
            nxt = lines[i]
            i += 1
            if nxt.lstrip().startswith("#"):
                continue
            line = line.rstrip()[:-1] + " " + nxt.strip()
        keyword, _, args = line.strip().partition(" ")
        keyword = keyword.upper()
        if keyword not in INSTRUCTIONS:
            raise ValueError(f"line {start}: '{keyword}' is not a Dockerfile instruction")
        ins = Instruction(keyword, args.strip(), start)
        if keyword == "FROM":
            words = [w for w in ins.args.split() if not w.startswith("--")]
            if not words:
                raise ValueError(f"line {start}: FROM needs an image")
            name = words[2] if len(words) >= 3 and words[1].lower() == "as" else None
            stages.append(Stage(image=words[0], name=name, line=start))
        elif not stages:
            if keyword == "ARG":
                continue
            raise ValueError(f"line {start}: the first instruction must be FROM (found {keyword})")
        else:
            stages[-1].instructions.append(ins)
    if not stages:
        raise ValueError("no FROM instruction: a Dockerfile starts with FROM <image>")
    return stages


def _exec_form(args: str) -> bool:
    try:
        return isinstance(json.loads(args), list)
    except ValueError:
        return False


def _rule(name: str, stages: list[Stage]) -> str | None:
    final = stages[-1]
    names = {s.name for s in stages if s.name}
    if name == "multi_stage":
        return None if len(stages) >= 2 else "only one stage: build in one stage (FROM ... AS build), copy the " \
                                              "result into a second, smaller one"
    if name == "copy_from_stage":
        ok = any(i.keyword == "COPY" and "--from=" in i.args for i in final.instructions)
        return None if ok else "the final stage copies nothing from the build stage (COPY --from=build ...)"
    if name == "pinned_base":
        for stage in stages:
            if stage.image in names or stage.image == "scratch":
                continue
            ref = parse_image(stage.image)
            if not ref.digest and (ref.tag is None or ref.tag == "latest"):
                return (f"line {stage.line}: FROM {stage.image} is not pinned: name a version tag "
                        f"(python:3.12-slim) or a digest (@sha256:...)")
        return None
    if name == "non_root":
        user = final.last("USER")
        if user is None:
            return "the final stage runs as root: add USER with a non-root user after installing"
        who = user.args.split(":", 1)[0].strip()
        if who in {"root", "0"}:
            return f"line {user.line}: USER {user.args} is root: switch to a non-root user"
        return None
    if name == "healthcheck":
        hc = final.last("HEALTHCHECK")
        if hc is None or hc.args.upper().startswith("NONE"):
            return "no HEALTHCHECK in the final stage: add HEALTHCHECK CMD <command that fails when unhealthy>"
        if "CMD" not in hc.args.upper().split():
            return f"line {hc.line}: HEALTHCHECK needs CMD <command>"
        return None
    if name == "exec_form_cmd":
        cmd = final.last("CMD") or final.last("ENTRYPOINT")
        if cmd is None:
            return "no CMD or ENTRYPOINT in the final stage: say what the container runs"
        if not _exec_form(cmd.args):
            return f"line {cmd.line}: {cmd.keyword} is in shell form: use the exec form [\"python\", \"app.py\"] " \
                   "so signals reach the process"
        return None
    if name == "no_secrets_in_env":
        for stage in stages:
            for i in stage.instructions:
                if i.keyword in {"ENV", "ARG"} and _SECRET_NAME.search(i.args.split("=", 1)[0]):
                    return f"line {i.line}: {i.keyword} {i.args.split('=', 1)[0]} bakes a secret into the image: " \
                           "pass it at run time instead"
        return None
    raise ValueError(f"unknown Dockerfile rule {name}")


def check_dockerfile(lab: Lab, spec: DockerfileCheck, folder: Path) -> CheckResult:
    path = folder / spec.path
    if not path.is_file():
        return failed(f"{spec.path} is missing in {folder}: write your Dockerfile there")
    try:
        stages = parse_dockerfile(read_text_limited(path, 200_000))
    except ValueError as exc:
        return failed(f"{spec.path} does not parse: {exc}")
    problems = [p for p in (_rule(name, stages) for name in spec.require) if p]
    if spec.expose is not None:
        ports = {w.split("/")[0] for i in stages[-1].instructions if i.keyword == "EXPOSE" for w in i.args.split()}
        if str(spec.expose) not in ports:
            problems.append(f"the final stage does not EXPOSE {spec.expose}")
    return first_failure(problems, f"the Dockerfile has all {len(spec.require) + (spec.expose is not None)} "
                                   "properties the task asks for")
