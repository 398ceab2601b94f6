"""What loaders produce: a document as heading-scoped sections of numbered lines."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Section:
    """Lines under one heading path; ``page`` is set for PDF pages (then locations are pages)."""

    heading_path: tuple[str, ...]
    lines: list[tuple[int, str]] = field(default_factory=list)
    page: int | None = None


@dataclass
class LoadedDocument:
    title: str
    sections: list[Section]
    meta: dict[str, Any] = field(default_factory=dict)


class SkipDocument(Exception):
    """This document cannot be used now; the message is the one-line reason."""

    def __init__(self, reason: str, notice: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        # A notice is expected on some machines (a man page not installed, offline https): not an error.
        self.notice = notice
