"""Checks for load-config-default; each writes its own files in a temporary folder."""

import json
import tempfile
from pathlib import Path

DEFAULTS = {"host": "127.0.0.1", "port": 8000, "workers": 2}


def _file(text):
    folder = Path(tempfile.mkdtemp())
    path = folder / "scorer.json"
    path.write_text(text, encoding="utf-8")
    return path


def check_missing_file_gives_defaults(m):
    missing = Path(tempfile.mkdtemp()) / "nope.json"
    try:
        got = m.load_config(missing)
    except FileNotFoundError:
        raise AssertionError("a missing file should give the defaults, not FileNotFoundError") from None
    assert got == DEFAULTS, f"a missing file should give the defaults {DEFAULTS}, got {got!r}"


def check_file_values_override_defaults(m):
    got = m.load_config(_file(json.dumps({"port": 9000})))
    want = {**DEFAULTS, "port": 9000}
    assert got == want, f"a file with only port 9000 should give {want}, got {got!r} (merge it over the defaults)"


def check_defaults_do_not_change(m):
    m.load_config(_file(json.dumps({"workers": 8})))
    got = m.load_config(Path(tempfile.mkdtemp()) / "nope.json")
    assert got == DEFAULTS, (f"after loading a file with workers 8, the defaults came back as {got!r}: copy DEFAULTS "
                             "instead of updating it")


def check_bad_json_is_a_clear_error(m):
    path = _file("{port: 9000")
    try:
        m.load_config(path)
    except ValueError as exc:  # json.JSONDecodeError is a ValueError
        assert str(path) in str(exc) or path.name in str(exc), f"the error should name the file; it says {exc}"
    else:
        raise AssertionError("a file that is not valid JSON should raise ValueError")
