"""What a check says: passed or not, and the one reason a learner can act on."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class CheckResult:
    passed: bool
    reason: str
    details: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {"passed": self.passed, "reason": self.reason, "details": list(self.details)}


def passed(reason: str, details: list[str] | None = None) -> CheckResult:
    return CheckResult(True, reason, details or [])


def failed(reason: str, details: list[str] | None = None) -> CheckResult:
    return CheckResult(False, reason, details or [])


def first_failure(problems: list[str], ok: str) -> CheckResult:
    """The first problem is the reason (fix one thing at a time); the rest go to details."""
    return failed(problems[0], problems[1:]) if problems else passed(ok)


def read_text_limited(path: object, limit: int = 1_000_000) -> str:
    """A learner's file as text, at most ``limit`` bytes (a check never reads a huge file whole)."""
    from pathlib import Path

    p = Path(str(path))
    with p.open("rb") as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"{p.name} is larger than {limit // 1000} kB")
    return data.decode("utf-8", errors="replace")
