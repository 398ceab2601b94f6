"""SQL labs: the learner's query runs on a read-only copy of the lab's database with a deadline; its rows are
compared with the expected ones (as a multiset unless the task asks for an order)."""

from __future__ import annotations

import re
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from app.core.labs.model import Lab, SqlCheck
from app.core.labs.result import CheckResult, failed, passed, read_text_limited
from app.infra.sandbox import SandboxLimit, build_database, query_readonly

_COMMENTS = re.compile(r"--[^\n]*|/\*.*?\*/", re.S)
_ADVICE = {"timeout": "look for a recursive CTE with no stopping condition or a join with no ON condition",
           "rows": "the task's answer is a few rows: add the WHERE, GROUP BY or JOIN condition it asks for"}


def _norm(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return round(float(value), 2)
    return value


def _show(row: tuple[Any, ...]) -> str:
    return "(" + ", ".join("NULL" if v is None else repr(v) if isinstance(v, str) else f"{v:g}" if
                           isinstance(v, float) else str(v) for v in row) + ")"


def check_sql(lab: Lab, spec: SqlCheck, folder: Path) -> CheckResult:
    query_path = folder / spec.query_file
    if not query_path.is_file():
        return failed(f"{spec.query_file} is missing in {folder}: write your query in that file")
    sql = read_text_limited(query_path, 100_000)
    if not _COMMENTS.sub("", sql).strip(" \n\t;"):
        return failed(f"{spec.query_file} has no query yet: write one SELECT statement in it")
    with tempfile.TemporaryDirectory(prefix="tutor-lab-db-") as tmp:
        database = Path(tmp) / "lab.db"
        build_database((lab.folder / spec.data).read_text(encoding="utf-8"), database)
        try:
            columns, rows = query_readonly(database, sql, spec.timeout_s, spec.max_rows)
        except SandboxLimit as exc:
            advice = _ADVICE.get(exc.what, "")
            if "readonly" in exc.message:
                advice = "the check only reads: write a SELECT that answers the question, not a change"
            return failed(f"{exc.message}" + (f": {advice}" if advice else ""))
    return compare(spec, columns, rows)


def compare(spec: SqlCheck, columns: list[str], rows: list[tuple[Any, ...]]) -> CheckResult:
    expected = [tuple(_norm(v) for v in r) for r in spec.expected]
    got = [tuple(_norm(v) for v in r) for r in rows]
    want_cols = len(spec.columns) if spec.columns else (len(expected[0]) if expected else None)
    if want_cols is not None and got and len(got[0]) != want_cols:
        named = f" ({', '.join(spec.columns)})" if spec.columns else ""
        return failed(f"the result has {len(got[0])} columns ({', '.join(columns)}); the task asks for "
                      f"{want_cols}{named}")
    missing = list((Counter(expected) - Counter(got)).elements())
    extra = list((Counter(got) - Counter(expected)).elements())
    if not missing and not extra:
        if spec.ordered and got != expected:
            return failed("the rows are right but not in the order the task asks for: add or fix ORDER BY")
        return passed(f"all {len(expected)} rows match" + (" in order" if spec.ordered else ""))
    details = [f"missing {_show(r)}" for r in missing[:5]] + [f"not expected {_show(r)}" for r in extra[:5]]
    if len(got) != len(expected):
        head = f"the query returned {len(got)} rows; the task expects {len(expected)}"
        example = f"; for example {_show(extra[0])} should not be there" if extra else \
            f"; for example {_show(missing[0])} is missing"
        return failed(head + example, details)
    return failed(f"{len(missing)} of {len(expected)} rows differ: {_show(missing[0])} is expected, your result "
                  f"has {_show(extra[0])}", details)
