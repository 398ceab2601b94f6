"""The one interface a chat backend implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import Any

from app.usage import Usage

Messages = list[dict[str, str]]


class ChatBackend(ABC):
    kind: str = ""
    model: str = ""

    def __init__(self) -> None:
        self.last_usage: Usage | None = None

    @abstractmethod
    def stream(self, messages: Messages, params: dict[str, Any]) -> Iterator[str]:
        """Yield text pieces as they are generated; set ``last_usage`` when done.
        Raise ``BackendUnavailable`` with a one-line fix when the backend cannot answer."""

    def warm(self) -> None:
        """Load whatever the first answer would otherwise wait for (a model file, a connection pool)."""
        return None
