"""YAML front matter of corpus Markdown, validated; errors name the file, the line and the problem."""

from __future__ import annotations

from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.errors import CorpusError, validation_problem


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TopicMeta(_Strict):
    id: str
    title: str
    tier: int = Field(ge=1, le=3)
    order: int = Field(ge=1)
    prerequisites: list[str] = []
    aliases: list[str] = []
    subtopics: list[str] = []
    uses: list[str] = []


class TierMeta(_Strict):
    id: str
    title: str
    level: int
    aliases: list[str] = []


class SymptomMeta(_Strict):
    symptom: str
    causes: list[str] = Field(min_length=1)


class FrontMatter(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    title: str
    # a glossary (one section per term, "## Primary key") is looked up by the term a learner asks about, and
    # answers only questions about concepts (app/core/retrieval.py)
    kind: Literal["roadmap", "note", "reference", "glossary"] = "note"
    nodes: list[str] = []
    topic: TopicMeta | None = None
    tiers: list[TierMeta] = []
    symptoms: list[SymptomMeta] = []
    # A note on one subtopic of its first topic in ``nodes``: the graph links the subtopic to it, and ``terms``
    # (commands, error words, the names learners use: chmod, replicas, drift) name that subtopic in a question.
    subtopic: str | None = None
    terms: list[str] = []
    # Questions this document answers, in the words learners use ("how do I stop a rebuild reinstalling
    # everything?"): ingest embeds them beside the chunks, and a question close to one is routed to this
    # document (a learner's question is nearer another question than a passage, for a small embedder).
    asks: list[str] = []


def split_front_matter(text: str) -> tuple[str | None, int]:
    """Return (front matter YAML or None, index of the first body line, 0-based)."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return None, 0
    for i in range(1, len(lines)):
        if lines[i].strip() == "---":
            return "\n".join(lines[1:i]), i + 1
    raise CorpusError("front matter starts with '---' on line 1 but is never closed with '---'")


def parse_front_matter(text: str, where: str) -> tuple[FrontMatter | None, int]:
    try:
        raw, body_start = split_front_matter(text)
    except CorpusError as exc:
        raise CorpusError(f"{where}: {exc}") from None
    if raw is None:
        return None, 0
    try:
        data = yaml.safe_load(raw) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1  # +1 for '---', +1 for 1-based
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise CorpusError(f"{where} line {line}: front matter is not valid YAML ({problem})") from None
    if not isinstance(data, dict):
        raise CorpusError(f"{where} line 2: front matter must be a mapping of keys to values")
    try:
        return FrontMatter.model_validate(data), body_start
    except ValidationError as exc:
        raise CorpusError(f"{where} {describe_validation_error(exc, raw, first_line=2)}") from None


def describe_validation_error(exc: ValidationError, raw: str, first_line: int) -> str:
    """'line N: field: problem' for the first error, finding the line of the offending key."""
    location, problem = validation_problem(exc)
    loc = [str(p) for p in location]
    key = next((p for p in reversed(loc) if not p.isdigit()), loc[0] if loc else "")
    line = first_line
    for i, text in enumerate(raw.splitlines()):
        stripped = text.strip().lstrip("- ")
        if stripped.startswith(f"{key}:"):
            line = first_line + i
            break
    return f"line {line}: {'.'.join(loc) or 'front matter'}: {problem}"


def load_yaml_file(text: str, where: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise CorpusError(f"{where} line {line}: not valid YAML ({problem})") from None
