"""Linux labs: the result is state in the lab folder (permissions, a file naming a path, a filtered log, a unit
file), read with stat and open; nothing in the folder is run or written."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from app.core.labs.model import Lab, LinuxCheck, LinuxRule
from app.core.labs.result import CheckResult, first_failure, read_text_limited


def parse_unit(text: str) -> dict[str, dict[str, list[str]]]:
    """A systemd unit file as {section: {key: [values]}}; raises ValueError naming the line that is wrong."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        number, line = i + 1, lines[i].strip()
        while line.endswith("\\") and i + 1 < len(lines):  # continuation lines
            i += 1
            line = line[:-1] + " " + lines[i].strip()
        i += 1
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            if not line.endswith("]") or len(line) < 3:
                raise ValueError(f"line {number}: a section header looks like [Service]")
            current = sections.setdefault(line[1:-1], {})
            continue
        if current is None:
            raise ValueError(f"line {number}: '{line}' comes before any [Section]")
        key, eq, value = line.partition("=")
        if not eq or not key.strip() or " " in key.strip():
            raise ValueError(f"line {number}: '{line}' is not Key=value")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def _inside(folder: Path, rel: str) -> Path:
    return folder / rel


def _mode(folder: Path, spec: dict[str, Any]) -> str | None:
    path = _inside(folder, spec["path"])
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return f"{spec['path']} is missing: it was deleted or moved; `tutor lab start` with --reset brings it back"
    mode = stat.S_IMODE(st.st_mode)
    octal = f"{mode:03o}"
    if spec.get("owner_executable") and not mode & stat.S_IXUSR:
        return f"{spec['path']} is not executable by its owner (mode {octal}): chmod u+x {spec['path']}"
    if spec.get("world_writable") is False and mode & stat.S_IWOTH:
        return f"{spec['path']} is writable by every user (mode {octal}): chmod o-w {spec['path']}"
    if spec.get("group_writable") is False and mode & stat.S_IWGRP:
        return f"{spec['path']} is writable by its group (mode {octal}): chmod g-w {spec['path']}"
    if spec.get("world_readable") is False and mode & stat.S_IROTH:
        return f"{spec['path']} is readable by every user (mode {octal}): chmod o-r {spec['path']}"
    return None


def _points_to(folder: Path, spec: dict[str, str]) -> str | None:
    answer = _inside(folder, spec["file"])
    if not answer.is_file():
        return f"{spec['file']} is missing: save the path you found into it"
    lines = [ln.strip() for ln in read_text_limited(answer, 10_000).splitlines() if ln.strip()]
    if not lines:
        return f"{spec['file']} is empty: save the path you found into it"
    named = Path(lines[0]) if Path(lines[0]).is_absolute() else folder / lines[0]
    target = folder / spec["target"]
    if not named.exists():
        return f"{spec['file']} names {lines[0]}, which does not exist (a path relative to the lab folder or absolute)"
    if named.resolve() != target.resolve():
        return f"{spec['file']} names {lines[0]}, which is not the file the task asks for"
    return None


def _lines_of(lab: Lab, folder: Path, spec: dict[str, str]) -> str | None:
    answer = _inside(folder, spec["file"])
    if not answer.is_file():
        return f"{spec['file']} is missing: redirect the filtered lines into it (> {spec['file']})"
    source = (lab.start_dir / spec["source"]).read_text(encoding="utf-8")
    want = [ln for ln in source.splitlines() if spec["contains"] in ln]
    got = [ln for ln in read_text_limited(answer).splitlines() if ln.strip()]
    if not got:
        return f"{spec['file']} is empty: the filter matched nothing or the output went elsewhere"
    word = spec["contains"].strip()
    stray = [ln for ln in got if ln not in want]
    if stray:
        return f"{spec['file']} has a line that is not one of {spec['source']}'s {word} lines: '{stray[0][:80]}'"
    if len(got) < len(want):
        return f"{spec['file']} has {len(got)} of the {len(want)} {word} lines"
    if len(got) > len(want):
        return f"{spec['file']} has {len(got)} lines; {spec['source']} has only {len(want)} {word} lines"
    if got != want:
        return f"{spec['file']} has the right lines in a different order: keep the log's order (no sort)"
    return None


def _unit(folder: Path, spec: dict[str, Any]) -> str | None:
    path = _inside(folder, spec["path"])
    if not path.is_file():
        return f"{spec['path']} is missing: write the unit file there"
    try:
        unit = parse_unit(read_text_limited(path, 100_000))
    except ValueError as exc:
        return f"{spec['path']} does not parse: {exc}"
    for section, keys in (spec.get("require") or {}).items():
        if section not in unit:
            return f"{spec['path']} has no [{section}] section"
        for key, value in keys.items():
            values = unit[section].get(key)
            if not values:
                return f"{spec['path']}: [{section}] has no {key}="
            if value != "*" and values[-1] != str(value):
                return f"{spec['path']}: [{section}] {key}={values[-1]}, the task asks for {key}={value}"
    if spec.get("absolute_exec"):
        for value in unit.get("Service", {}).get("ExecStart", []):
            command = value.lstrip("@-:+!")
            if command and not command.startswith("/"):
                return f"{spec['path']}: ExecStart must start with an absolute path (/usr/bin/...), not '{command}'"
    return None


def _unchanged(lab: Lab, folder: Path, rel: str) -> str | None:
    path = _inside(folder, rel)
    if not path.is_file():
        return f"{rel} is missing: the task must leave it in place; `tutor lab start` with --reset brings it back"
    if path.read_bytes() != (lab.start_dir / rel).read_bytes():
        return f"{rel} was changed: the task only reads it"
    return None


def check_linux(lab: Lab, spec: LinuxCheck, folder: Path) -> CheckResult:
    problems = []
    for rule in spec.rules:
        problem = (_mode(folder, rule.mode) if rule.mode else
                   _points_to(folder, rule.points_to) if rule.points_to else
                   _lines_of(lab, folder, rule.lines_of) if rule.lines_of else
                   _unit(folder, rule.unit) if rule.unit else
                   _unchanged(lab, folder, rule.unchanged) if rule.unchanged else None)
        if problem:
            problems.append(f"{problem} ({rule.fail})" if rule.fail else problem)
    return first_failure(problems, f"all {len(spec.rules)} checks pass")


__all__ = ["LinuxRule", "check_linux", "parse_unit"]
