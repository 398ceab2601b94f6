"""The pytest side of the network guard: a blocked attempt anywhere fails the run, even if it was swallowed.

conftest.py creates the record file, installs the guard and registers this module as a plugin. After
each test, attempts recorded during it (by the test process or by any subprocess started with
``guarded_env()``) fail that test at teardown; at the end of the session, attempts no test accounted for
(a session fixture, a server still running, a subprocess's exit) fail the run. A test that triggers the
guard on purpose takes its attempts with the ``blocked_network`` fixture and asserts on them.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import tempfile
from collections.abc import Iterator
from typing import Any

import netguard_impl
import pytest

_record: str | None = None
_accounted: set[int] = set()  # offsets of records a test took or that already failed a test
_leftover: list[str] = []


def start_record() -> str:
    """A fresh record file for this session, named in the environment so subprocesses append to it."""
    global _record
    fd, _record = tempfile.mkstemp(prefix="netguard-", suffix=".jsonl")
    os.close(fd)
    os.environ[netguard_impl.RECORD_ENV] = _record
    atexit.register(_remove_if_empty, _record)  # conftest imported outside a session (a script) leaves nothing
    return _record


def _remove_if_empty(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        if os.path.getsize(path) == 0:
            os.unlink(path)


def _size() -> int:
    assert _record is not None, "start_record() was not called"
    return os.path.getsize(_record)


class BlockedNetwork:
    """The attempts blocked since this test started; ``take`` declares them expected."""

    def __init__(self, start: int) -> None:
        self.start = start

    def take(self, kind: str | None = None, target: str | None = None) -> list[dict[str, Any]]:
        """Records of this test matching ``kind`` and containing ``target``; they no longer fail the run."""
        assert _record is not None
        taken = []
        for offset, entry in netguard_impl.read_records(_record, self.start):
            if offset in _accounted or (kind and entry.get("kind") != kind):
                continue
            if target and target not in str(entry.get("target")):
                continue
            _accounted.add(offset)
            taken.append(entry)
        return taken


@pytest.fixture()
def blocked_network() -> BlockedNetwork:
    return BlockedNetwork(_size())


@pytest.fixture(autouse=True)
def _no_network_attempts(request: pytest.FixtureRequest) -> Iterator[None]:
    start = _size()
    yield
    assert _record is not None
    new = [(offset, entry) for offset, entry in netguard_impl.read_records(_record, start) if offset not in _accounted]
    if new:
        _accounted.update(offset for offset, _ in new)
        pytest.fail(f"{len(new)} network attempt(s) blocked during {request.node.nodeid} (caught or not, a test "
                    "must not reach the network; a test that means to, takes them with the blocked_network "
                    "fixture):\n  " + "\n  ".join(netguard_impl.describe(e) for _, e in new), pytrace=False)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _record is None:
        return
    _leftover[:] = netguard_impl.unexpected(_record, _accounted)
    if _leftover:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    else:  # every attempt was accounted for by a test; a dirty record stays for the report
        with contextlib.suppress(FileNotFoundError):
            os.unlink(_record)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _leftover:
        terminalreporter.section("network guard", red=True)
        terminalreporter.line(f"{len(_leftover)} blocked network attempt(s) outside any test's own check "
                              f"(full record: {_record}); the run fails:", red=True)
        for line in _leftover:
            terminalreporter.line("  " + line)
