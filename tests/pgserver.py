"""A real PostgreSQL server for the tests: Debian's postgresql package (`make test` installs it), a throwaway
cluster on a loopback port, started with initdb + pg_ctl as the ``postgres`` user when the tests run as root."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import free_port


def binaries() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else None


def need_postgres() -> Path:
    bindir = binaries()
    if bindir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is missing in CI: `make test` installs Debian's postgresql package")
        pytest.skip("PostgreSQL is not installed here (`make test` installs Debian's postgresql package)")
    return bindir


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@contextmanager
def postgres_server() -> Iterator[str]:
    """A fresh cluster; yields the URL of its ``tutor`` database (trust auth on loopback, user ``tutor``)."""
    bindir = need_postgres()
    base = Path(tempfile.mkdtemp(prefix="tutor-pg-"))  # not under pytest's 0700 root-only folders
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    port = free_port()
    data, log = base / "data", base / "server.log"
    run = {"check": True, "capture_output": True, "text": True, "timeout": 120}
    subprocess.run(_as_postgres([str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "tutor",
                                 "-E", "UTF8", "--no-sync"]), **run)  # type: ignore[call-overload]
    options = f"-p {port} -c listen_addresses=127.0.0.1 -k {base} -c fsync=off -c max_connections=60"
    subprocess.run(_as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w",
                                 "start"]), **run)  # type: ignore[call-overload]
    try:
        subprocess.run([str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "tutor", "tutor"],
                       **run)  # type: ignore[call-overload]
        yield f"postgresql://tutor@127.0.0.1:{port}/tutor"
    finally:
        subprocess.run(_as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True, timeout=60)
        shutil.rmtree(base, ignore_errors=True)


def new_database(server_url: str) -> str:
    """A new empty database on the server, so each test starts from no schema at all."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return server_url.rsplit("/", 1)[0] + f"/{name}"
