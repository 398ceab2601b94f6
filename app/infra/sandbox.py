"""Limits for running what a learner wrote: a read-only SQLite copy with a deadline, a subprocess with time,
memory and file-size limits, and git with no hooks or user configuration. Nothing here touches the network."""

from __future__ import annotations

import contextlib
import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class SandboxLimit(Exception):
    """What the learner's code or query ran into; ``what`` is timeout | memory | rows | output | error."""

    def __init__(self, what: str, message: str) -> None:
        super().__init__(message)
        self.what = what
        self.message = message


# --- SQL ----------------------------------------------------------------------------------------------------


def query_readonly(database: Path, sql: str, timeout_s: float, max_rows: int) -> tuple[list[str], list[tuple]]:
    """Run one statement on a read-only copy of ``database``; stops it at ``timeout_s`` and ``max_rows``."""
    with tempfile.TemporaryDirectory(prefix="tutor-sql-") as tmp:
        copy = Path(tmp) / "copy.db"
        shutil.copyfile(database, copy)
        conn = sqlite3.connect(f"{copy.as_uri()}?mode=ro", uri=True, timeout=1, check_same_thread=False)
        try:
            conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, 1_000_000)  # no giant strings built in memory
            deadline = time.monotonic() + timeout_s
            conn.set_progress_handler(lambda: int(time.monotonic() > deadline), 1000)
            try:
                cur = conn.execute(sql)
                rows = cur.fetchmany(max_rows + 1)
            except sqlite3.OperationalError as exc:
                if time.monotonic() > deadline or "interrupted" in str(exc):
                    raise SandboxLimit("timeout", f"the query ran longer than {timeout_s:g} s and was stopped"
                                       ) from None
                raise SandboxLimit("error", f"the query failed: {exc}") from None
            except (sqlite3.Error, ValueError) as exc:  # ProgrammingError: two statements; Warning; DataError
                raise SandboxLimit("error", f"the query failed: {exc}") from None
            if len(rows) > max_rows:
                raise SandboxLimit("rows", f"the query returned more than {max_rows} rows")
            columns = [d[0] for d in cur.description or []]
            return columns, [tuple(r) for r in rows]
        finally:
            conn.close()


def build_database(script: str, target: Path) -> None:
    """A SQLite database made from a lab's SQL script (schema and rows)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(target)
    try:
        conn.executescript(script)
        conn.commit()
    finally:
        conn.close()


# --- processes ----------------------------------------------------------------------------------------------


@dataclass
class Finished:
    returncode: int
    stdout: str
    stderr: str
    seconds: float


def _limits(memory_mb: int, cpu_s: int, file_mb: int) -> Callable[[], None]:
    def apply() -> None:  # runs in the child between fork and exec
        mem = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 1))
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_mb * 1024 * 1024,) * 2)
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    return apply


def run_limited(argv: list[str], cwd: Path, timeout_s: float, memory_mb: int, env: dict[str, str] | None = None,
                file_mb: int = 5) -> Finished:
    """Run ``argv`` in its own process group with an address-space, CPU and file-size limit; the whole group is
    killed at ``timeout_s`` (wall clock). Output goes to files so a print loop cannot fill this process."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="tutor-run-") as tmp:
        out_path, err_path = Path(tmp) / "out", Path(tmp) / "err"
        with out_path.open("wb") as out, err_path.open("wb") as err:
            proc = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                    env=env if env is not None else _plain_env(), start_new_session=True,
                                    preexec_fn=_limits(memory_mb, max(1, int(timeout_s) + 1), file_mb))
            try:
                proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                _kill_group(proc)
                raise SandboxLimit("timeout", f"it ran longer than {timeout_s:g} s and was stopped") from None
            finally:
                if proc.poll() is None:
                    _kill_group(proc)
        if proc.returncode == -signal.SIGXCPU:
            raise SandboxLimit("timeout", f"it used more than {timeout_s:g} s of CPU and was stopped")
        if proc.returncode == -signal.SIGXFSZ:
            raise SandboxLimit("output", f"it wrote more than {file_mb} MB and was stopped")
        return Finished(proc.returncode, _tail(out_path), _tail(err_path), time.monotonic() - started)


def _kill_group(proc: subprocess.Popen[Any]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _tail(path: Path, limit: int = 20_000) -> str:
    with path.open("rb") as fh:
        size = fh.seek(0, os.SEEK_END)
        fh.seek(max(0, size - limit))
        return fh.read().decode("utf-8", errors="replace")


def _plain_env() -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "HOME": tempfile.gettempdir(),
            "PYTHONDONTWRITEBYTECODE": "1"}


# --- git ----------------------------------------------------------------------------------------------------

# No user or system configuration, no hooks, no fsmonitor (a repository's own config could name a command):
# reading a learner's repository runs nothing of theirs. The fixed identity and dates make setups reproducible.
_GIT_SAFE = ["-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false", "-c", "protocol.allow=never",
             "-c", "init.defaultBranch=main", "-c", "advice.detachedHead=false", "-c", "commit.gpgsign=false"]


def git_env() -> dict[str, str]:
    env = _plain_env()
    env.update({"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_OPTIONAL_LOCKS": "0",
                "GIT_TERMINAL_PROMPT": "0", "GIT_EDITOR": "true", "GIT_SEQUENCE_EDITOR": "true",
                "GIT_AUTHOR_NAME": "Lab Learner", "GIT_AUTHOR_EMAIL": "learner@example.invalid",
                "GIT_COMMITTER_NAME": "Lab Learner", "GIT_COMMITTER_EMAIL": "learner@example.invalid"})
    return env


def git(repo: Path, *args: str, timeout_s: float = 15) -> subprocess.CompletedProcess[str]:
    """One git command in ``repo``; never raises for a non-zero exit (the caller reads returncode)."""
    try:
        return subprocess.run(["git", *_GIT_SAFE, *args], cwd=repo, env=git_env(), capture_output=True, text=True,
                              timeout=timeout_s, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise SandboxLimit("timeout", f"git {args[0] if args else ''} took longer than {timeout_s:g} s") from None
    except FileNotFoundError:
        raise SandboxLimit("error", "git is not installed: install it (apt-get install git)") from None


def copy_tree(src: Path, dst: Path) -> None:
    """A copy to check instead of the learner's folder (symlinks stay links: nothing outside is read)."""
    shutil.copytree(src, dst, symlinks=True, dirs_exist_ok=True)
