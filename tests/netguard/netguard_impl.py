"""Block and record any network use that is not loopback (or a Unix socket).

Blocking alone proves little: the guard raises an ``OSError`` and product code that catches ``OSError``
(every fallback path does) swallows it. So every blocked attempt is also appended as one JSON line to the
file named by ``$NETGUARD_RECORD``; the test session reads that file and fails if any attempt was not
declared by the test that caused it (tests/netguard/netguard_plugin.py). Subprocesses load this module
through ``sitecustomize`` and append to the same file, so a server started by a test is covered too.

Hooked: ``socket.socket.connect``/``connect_ex``/``sendto``/``sendmsg``, ``socket.create_connection``,
and name resolution (``getaddrinfo``, ``gethostbyname[_ex]``, ``gethostbyaddr``): DNS is network too.
"""

from __future__ import annotations

import ipaddress
import json
import os
import socket
import sys
import threading
import traceback
from pathlib import Path
from typing import Any

RECORD_ENV = "NETGUARD_RECORD"
LOCAL_NAMES = {"localhost", "localhost.", "ip6-localhost", "ip6-loopback"}

_real = {
    "connect": socket.socket.connect,
    "connect_ex": socket.socket.connect_ex,
    "sendto": socket.socket.sendto,
    "sendmsg": socket.socket.sendmsg,
    "create_connection": socket.create_connection,
    "getaddrinfo": socket.getaddrinfo,
    "gethostbyname": socket.gethostbyname,
    "gethostbyname_ex": socket.gethostbyname_ex,
    "gethostbyaddr": socket.gethostbyaddr,
}
_record_path: str | None = None
_write_lock = threading.Lock()


class NetworkBlocked(OSError):
    pass


class ResolutionBlocked(NetworkBlocked, socket.gaierror):
    """A blocked lookup looks like a failed one to the caller (``socket.gaierror``)."""


def _text(host: object) -> str:
    return host.decode(errors="replace") if isinstance(host, bytes) else str(host)


def is_loopback_ip(text: str) -> bool:
    try:
        ip = ipaddress.ip_address(text.split("%")[0])
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)  # ::ffff:127.0.0.1
    return ip.is_loopback or bool(mapped and mapped.is_loopback)


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text.split("%")[0])
    except ValueError:
        return False
    return True


def is_local_address(address: object) -> bool:
    """A socket address this machine answers itself: a loopback IP, ``localhost`` or a Unix socket path."""
    if isinstance(address, (str, bytes)):  # AF_UNIX path (or abstract name)
        return True
    if not isinstance(address, tuple) or not address:
        return False
    host = _text(address[0])
    return host in LOCAL_NAMES or host == "" or is_loopback_ip(host)


def is_local_name(host: object) -> bool:
    """A name whose lookup needs no DNS server: none, ``localhost``, or a literal IP (any: no query is made)."""
    if host is None:
        return True
    text = _text(host)
    return text in LOCAL_NAMES or text == "" or text.endswith(".localhost") or _is_ip(text)


_HERE = os.path.abspath(__file__)
_PLUMBING = (os.sep + "socket.py", os.sep + "ssl.py", os.sep + "asyncio" + os.sep, os.sep + "selectors.py")


def _caller() -> str:
    """The innermost frames outside the guard and the socket/ssl/asyncio plumbing: who asked."""
    frames = [f"{f.filename}:{f.lineno} in {f.name}" for f in reversed(traceback.extract_stack())
              if f.filename != _HERE and not any(p in f.filename for p in _PLUMBING)]
    return " <- ".join(frames[:3]) or "?"


def record(kind: str, target: object) -> dict[str, Any]:
    """Append one blocked attempt to the record file (if any) and return it."""
    entry = {"kind": kind, "target": repr(target), "pid": os.getpid(),
             "test": os.environ.get("PYTEST_CURRENT_TEST", ""), "argv": " ".join(sys.argv)[:200],
             "caller": _caller()}
    path = _record_path or os.environ.get(RECORD_ENV)
    if path:
        line = (json.dumps(entry) + "\n").encode()
        with _write_lock:
            # One write on an O_APPEND descriptor: lines from many processes never interleave.
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line)
            finally:
                os.close(fd)
    return entry


def _block(kind: str, target: object) -> NetworkBlocked:
    record(kind, target)
    error = ResolutionBlocked if kind.startswith(("getaddrinfo", "gethostby")) else NetworkBlocked
    return error(f"test guard: {kind} to {target!r} blocked (only loopback is allowed)")


def _connect(self: socket.socket, address: Any) -> None:
    if not is_local_address(address):
        raise _block("connect", address)
    _real["connect"](self, address)


def _connect_ex(self: socket.socket, address: Any) -> int:
    if not is_local_address(address):
        raise _block("connect_ex", address)
    return int(_real["connect_ex"](self, address))


def _sendto(self: socket.socket, data: Any, *args: Any) -> int:
    address = args[-1] if args else None  # sendto(data, address) or sendto(data, flags, address)
    if not is_local_address(address):
        raise _block("sendto", address)
    return int(_real["sendto"](self, data, *args))


def _sendmsg(self: socket.socket, buffers: Any, *args: Any) -> int:
    address = args[2] if len(args) > 2 else None  # sendmsg(buffers, ancdata, flags, address)
    if address is not None and not is_local_address(address):
        raise _block("sendmsg", address)
    return int(_real["sendmsg"](self, buffers, *args))


def _create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
    if not is_local_address(address):
        raise _block("create_connection", address)
    return _real["create_connection"](address, *args, **kwargs)  # type: ignore[no-any-return]


def _getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    if not is_local_name(host):
        raise _block("getaddrinfo", host)
    return _real["getaddrinfo"](host, *args, **kwargs)


def _gethostbyname(host: Any) -> Any:
    if not is_local_name(host):
        raise _block("gethostbyname", host)
    return _real["gethostbyname"](host)


def _gethostbyname_ex(host: Any) -> Any:
    if not is_local_name(host):
        raise _block("gethostbyname_ex", host)
    return _real["gethostbyname_ex"](host)


def _gethostbyaddr(host: Any) -> Any:
    # A reverse lookup of anything but loopback asks a DNS server (and a name is looked up first).
    if not (_text(host) in LOCAL_NAMES or is_loopback_ip(_text(host))):
        raise _block("gethostbyaddr", host)
    return _real["gethostbyaddr"](host)


def install(record_path: str | os.PathLike[str] | None = None) -> None:
    """Hook the socket module; blocked attempts go to ``record_path`` (default: ``$NETGUARD_RECORD``)."""
    global _record_path
    _record_path = str(record_path) if record_path else os.environ.get(RECORD_ENV) or None
    socket.socket.connect = _connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _connect_ex  # type: ignore[method-assign]
    socket.socket.sendto = _sendto  # type: ignore[method-assign,assignment]
    socket.socket.sendmsg = _sendmsg  # type: ignore[method-assign,assignment]
    socket.create_connection = _create_connection  # type: ignore[assignment]
    socket.getaddrinfo = _getaddrinfo
    socket.gethostbyname = _gethostbyname
    socket.gethostbyname_ex = _gethostbyname_ex
    socket.gethostbyaddr = _gethostbyaddr


def read_records(path: str | os.PathLike[str], start: int = 0) -> list[tuple[int, dict[str, Any]]]:
    """The records from byte ``start`` on, as (offset, record); a half-written last line is left for later."""
    try:
        data = Path(path).read_bytes()[start:]
    except FileNotFoundError:
        return []
    out, offset = [], start
    for line in data.splitlines(keepends=True):
        if not line.endswith(b"\n"):
            break
        try:
            out.append((offset, json.loads(line)))
        except ValueError:
            out.append((offset, {"kind": "unreadable record", "target": line[:200].decode(errors="replace")}))
        offset += len(line)
    return out


def describe(entry: dict[str, Any]) -> str:
    test = entry.get("test") or "(outside any test)"
    return (f"{entry.get('kind')} to {entry.get('target')} | test: {test} | pid {entry.get('pid')}: "
            f"{entry.get('argv')} | from {entry.get('caller')}")


def unexpected(path: str | os.PathLike[str], expected: set[int] | frozenset[int] = frozenset()) -> list[str]:
    """Every recorded attempt whose offset is not in ``expected``, described: empty means the run was offline."""
    return [describe(entry) for offset, entry in read_records(path) if offset not in expected]
