"""The few exception types the tutor raises; the CLI and UI turn each into one clear sentence."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import ValidationError


class TutorError(Exception):
    """A problem the user can fix; the message says what went wrong and what to do."""


class CorpusError(TutorError):
    """A malformed corpus file (front matter, sources.yaml): names the file and line."""


class IndexMissing(TutorError):
    """No index yet: run `tutor ingest`."""


class BackendUnavailable(TutorError):
    """An LLM backend cannot be used (missing model, key or server)."""


def validation_problem(exc: ValidationError) -> tuple[tuple[int | str, ...], str]:
    """The first problem of a pydantic error as (location, message), worded the same everywhere: a setting, a
    request body, a prompt file, a dataset or a document's front matter."""
    first = exc.errors()[0]
    message = {"extra_forbidden": "unknown field", "missing": "is required"}.get(first["type"], first["msg"])
    return tuple(first["loc"]), message
