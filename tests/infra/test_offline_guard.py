"""The network guard itself: what it blocks, that it records what it blocks (even when the caller swallows
the error), and that a recorded attempt fails a pytest run."""

import os
import socket
import subprocess
import sys
import textwrap

import netguard_impl
import pytest
from conftest import GUARD_DIR, guarded_env

# One call per hook, each to a non-loopback target; the caller swallows the error, as product code does.
ATTEMPTS = [
    ("connect", "socket.socket().connect(('93.184.216.34', 443))", "93.184.216.34"),
    ("connect_ex", "socket.socket().connect_ex(('10.1.2.3', 80))", "10.1.2.3"),
    ("sendto", "socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('8.8.8.8', 53))", "8.8.8.8"),
    ("sendmsg", "socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendmsg([b'x'], [], 0, ('9.9.9.9', 53))",
     "9.9.9.9"),
    ("create_connection", "socket.create_connection(('1.1.1.1', 443), timeout=1)", "1.1.1.1"),
    ("getaddrinfo", "socket.getaddrinfo('pypi.org', 443)", "pypi.org"),
    ("gethostbyname", "socket.gethostbyname('huggingface.co')", "huggingface.co"),
    ("gethostbyaddr", "socket.gethostbyaddr('8.8.4.4')", "8.8.4.4"),
]
SWALLOW = "import socket\ntry:\n    {call}\nexcept OSError:\n    pass\nprint('swallowed')\n"


def run_guarded(code: str, record) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env=guarded_env(NETGUARD_RECORD=str(record)))


def test_guard_blocks_non_loopback(blocked_network):
    with pytest.raises(OSError, match="only loopback"), socket.socket() as s:
        s.connect(("93.184.216.34", 443))
    taken = blocked_network.take(kind="connect")
    assert [e["target"] for e in taken] == ["('93.184.216.34', 443)"]
    assert "test_guard_blocks_non_loopback" in taken[0]["test"]
    assert __file__ in taken[0]["caller"]  # the report points at the line that tried


def test_blocked_lookup_looks_like_a_dns_failure(blocked_network):
    with pytest.raises(socket.gaierror):
        socket.getaddrinfo("example.com", 443)
    assert [e["target"] for e in blocked_network.take(kind="getaddrinfo")] == ["'example.com'"]


def test_guard_allows_loopback_and_local_names(blocked_network):
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=2):
            pass
        with socket.create_connection(("localhost", server.getsockname()[1]), timeout=2):
            pass
    assert socket.getaddrinfo("localhost", 80)
    assert socket.getaddrinfo("10.0.0.1", 80)  # a literal address needs no DNS; connecting to it would be blocked
    assert blocked_network.take() == []


@pytest.mark.parametrize(("address", "local"), [
    (("127.0.0.1", 80), True), (("127.5.5.5", 80), True), (("::1", 80, 0, 0), True),
    (("::ffff:127.0.0.1", 80, 0, 0), True), (("localhost", 80), True), ("/tmp/some.sock", True),
    (b"\0abstract", True), (("10.0.0.1", 80), False), (("0.0.0.0", 80), False), (("::ffff:8.8.8.8", 53, 0, 0), False),
    (("fe80::1%eth0", 80, 0, 0), False), (("example.com", 443), False), (("localhost.evil.com", 80), False),
    (None, False),
])
def test_is_local_address(address, local):
    assert netguard_impl.is_local_address(address) is local


@pytest.mark.parametrize(("host", "local"), [
    (None, True), ("localhost", True), ("app.localhost", True), ("127.0.0.1", True), ("203.0.113.9", True),
    (b"localhost", True), ("pypi.org", False), ("localhost.example.com", False), ("", True),
])
def test_is_local_name(host, local):
    assert netguard_impl.is_local_name(host) is local


@pytest.mark.parametrize(("kind", "call", "target"), ATTEMPTS, ids=[a[0] for a in ATTEMPTS])
def test_swallowed_attempt_in_a_subprocess_is_recorded_and_fails_the_check(kind, call, target, tmp_path):
    record = tmp_path / "record.jsonl"
    proc = run_guarded(SWALLOW.format(call=call), record)
    assert proc.returncode == 0 and proc.stdout.strip() == "swallowed", proc.stderr  # nobody noticed...
    problems = netguard_impl.unexpected(record)  # ...but the check does
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{kind} to ") and target in problems[0]
    assert f"test_swallowed_attempt_in_a_subprocess_is_recorded_and_fails_the_check[{kind}]" in problems[0]
    offset = netguard_impl.read_records(record)[0][0]
    assert netguard_impl.unexpected(record, {offset}) == []  # a declared attempt does not


def test_loopback_traffic_in_a_subprocess_records_nothing(tmp_path):
    record = tmp_path / "record.jsonl"
    code = textwrap.dedent("""
        import socket
        srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
        socket.create_connection(srv.getsockname(), timeout=2).close()
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); udp.sendto(b"x", ("127.0.0.1", 9))
        socket.getaddrinfo("localhost", 80)
        print("ok")
    """)
    proc = run_guarded(code, record)
    assert proc.stdout.strip() == "ok", proc.stderr
    assert netguard_impl.unexpected(record) == []


def test_unswallowed_attempt_fails_the_subprocess(blocked_network):
    code = "import socket; s = socket.socket(); s.connect(('8.8.8.8', 53))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=guarded_env())
    assert proc.returncode != 0
    assert "only loopback" in proc.stderr
    taken = blocked_network.take(kind="connect", target="8.8.8.8")  # the session's own record has it
    assert len(taken) == 1 and taken[0]["pid"] != os.getpid()


NESTED_CONFTEST = f"""
import sys
sys.path.insert(0, {str(GUARD_DIR)!r})
import netguard_impl, netguard_plugin
netguard_impl.install(netguard_plugin.start_record())

def pytest_configure(config):
    config.pluginmanager.register(netguard_plugin, "netguard")
"""
NESTED_TESTS = """
import socket, subprocess, sys, os
import pytest

def swallow(address):
    try:
        socket.create_connection(address, timeout=1)
    except OSError:
        pass

@pytest.fixture(scope="session")
def leaky_session():
    yield
    swallow(("203.0.113.7", 443))  # after the last test: only the session check can see it

def test_swallows_in_a_subprocess(leaky_session):
    code = "import socket\\ntry:\\n    socket.socket().connect(('198.51.100.1', 80))\\nexcept OSError:\\n    pass"
    assert subprocess.run([sys.executable, "-c", code], env=dict(os.environ)).returncode == 0

def test_declares_its_attempt(blocked_network):
    swallow(("192.0.2.5", 80))
    assert len(blocked_network.take(target="192.0.2.5")) == 1

def test_offline():
    assert True
"""


def test_a_swallowed_attempt_fails_a_pytest_run(tmp_path):
    """A real (nested) pytest session with the plugin: the swallowed attempts fail it, the declared one not."""
    (tmp_path / "conftest.py").write_text(NESTED_CONFTEST)
    (tmp_path / "test_nested.py").write_text(NESTED_TESTS)
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path,
                          env=guarded_env(NETGUARD_RECORD=str(tmp_path / "outer.jsonl"), TMPDIR=str(tmp_path)))
    out = proc.stdout
    assert proc.returncode == pytest.ExitCode.TESTS_FAILED, out
    assert "3 passed, 1 error" in out, out  # the swallowing test passes its body, then errors at teardown
    assert "network attempt(s) blocked during test_nested.py::test_swallows_in_a_subprocess" in out
    assert "connect to ('198.51.100.1', 80)" in out
    assert "network guard" in out and "create_connection to ('203.0.113.7', 443)" in out  # the session check
    assert "192.0.2.5" not in out
    assert not (tmp_path / "outer.jsonl").exists()  # the nested session kept its own record...
    kept = list(tmp_path.glob("netguard-*.jsonl"))  # ...and keeps it, because the run was dirty
    assert len(kept) == 1 and len(netguard_impl.read_records(kept[0])) == 3


def test_offline_environment_is_set():
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert os.environ["ANONYMIZED_TELEMETRY"] == "False"


def test_tiktoken_loads_offline_from_package(tmp_path, monkeypatch):
    import tiktoken

    from app.infra import offline

    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "cache"))
    cache = offline.seed_tiktoken_cache()
    assert sorted(p.name for p in cache.iterdir()) == sorted(offline.TIKTOKEN_CACHE_KEYS.values())
    enc = tiktoken.get_encoding("o200k_base")
    assert enc.decode(enc.encode("DNS resolution breaks")) == "DNS resolution breaks"
