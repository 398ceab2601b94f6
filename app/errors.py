"""The few exception types the tutor raises; the CLI and UI turn each into one clear sentence."""


class TutorError(Exception):
    """A problem the user can fix; the message says what went wrong and what to do."""


class CorpusError(TutorError):
    """A malformed corpus file (front matter, sources.yaml): names the file and line."""


class IndexMissing(TutorError):
    """No index yet: run `tutor ingest`."""


class BackendUnavailable(TutorError):
    """An LLM backend cannot be used (missing model, key or server)."""
