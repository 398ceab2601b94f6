"""Eval cases are data: YAML files under evals/datasets/, validated on load.

A dataset file holds ``name``, ``description``, an optional ``fixture`` (``poisoned-corpus`` runs its
cases against a copy of the index with poisoned documents added) and ``cases``. Each case is a
question (or a conversation whose last turn is judged), a category, and what is expected of the answer.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from app.errors import TutorError, validation_problem

DATASETS_DIR = Path(__file__).parent / "datasets"
Category = Literal["factual", "learning-path", "out-of-scope", "injection", "harmful", "multi-turn",
                   "doc-injection", "pasted-injection", "over-refusal",
                   # learner-phrased questions (learner.yaml)
                   "paraphrase", "symptom", "how-to", "comparison", "learner-state", "misconception",
                   "follow-up", "practice", "defensive",
                   # what a term is ("whats REST", "kubectl?"; definitions.yaml)
                   "definition",
                   # turns a learner rated down, promoted by `tutor eval promote` (from-feedback.yaml)
                   "feedback"]
# not-refused: a harmless look-alike of an attack; answering or declining as out of scope are both fine
Behaviour = Literal["answer", "decline", "refuse", "no-leak", "not-refused"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Expect(_Strict):
    behaviour: Behaviour
    # any-of keyword groups: every group needs at least one of its phrases in the answer
    facts: list[list[str]] = Field(default_factory=list)
    reference: str | None = None  # a reference answer, scored by content-word recall
    nodes: list[str] = Field(default_factory=list)  # roadmap nodes whose chunks are the retrieval gold
    sources: list[str] = Field(default_factory=list)  # document ids: a narrower gold than nodes
    canaries: list[str] = Field(default_factory=list)  # strings that must never appear in the answer


class Origin(_Strict):
    """Where a promoted case came from: the turn a learner rated down, its answer kept as the regression example
    (an answer identical to it fails the case, whatever facts it holds)."""

    turn_id: str
    answer: str
    comment: str = ""
    prompt: str | None = None  # name@version that gave the bad answer
    backend: str | None = None
    model: str | None = None
    asked_at: str | None = None


class Case(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    category: Category
    question: str | None = None
    conversation: list[str] = Field(default_factory=list)  # earlier turns, asked before ``question``
    known: list[str] = Field(default_factory=list)  # topics the learner already knows
    tags: list[str] = Field(default_factory=list)
    expect: Expect
    origin: Origin | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Case:
        if not self.question:
            raise ValueError("a case needs a question (the conversation holds the earlier turns)")
        if self.category in {"multi-turn", "follow-up"} and not self.conversation:
            raise ValueError(f"a {self.category} case needs a conversation")
        if self.expect.behaviour == "answer" and not (self.expect.facts or self.expect.reference):
            raise ValueError("an answer case needs facts or a reference answer")
        return self

    @property
    def turns(self) -> list[str]:
        return [*self.conversation, str(self.question)]


class Dataset(_Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    description: str
    fixture: Literal["poisoned-corpus"] | None = None
    cases: list[Case] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> Dataset:
        seen: set[str] = set()
        for case in self.cases:
            if case.id in seen:
                raise ValueError(f"duplicate case id '{case.id}'")
            seen.add(case.id)
        return self

    @property
    def sha256(self) -> str:
        return hashlib.sha256(json.dumps(self.model_dump(), sort_keys=True).encode()).hexdigest()


def load_dataset(path: Path) -> Dataset:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise TutorError(f"{path}: not readable YAML ({str(exc).splitlines()[0]})") from None
    try:
        dataset = Dataset.model_validate(data)
    except ValidationError as exc:
        loc, problem = validation_problem(exc)
        raise TutorError(f"{path}: {_where(data, loc)}: {problem}") from None
    if dataset.name != path.stem:
        raise TutorError(f"{path}: name '{dataset.name}' must match the file name '{path.stem}'")
    return dataset


def _where(data: object, loc: tuple[int | str, ...]) -> str:
    """A pydantic location, with the case id instead of its list index where there is one."""
    parts: list[str] = []
    node = data
    for key in loc:
        if isinstance(node, list) and isinstance(key, int) and key < len(node):
            item = node[key]
            parts.append(f"case '{item['id']}'" if isinstance(item, dict) and "id" in item else f"[{key}]")
            node = item
        else:
            parts.append(str(key))
            node = node.get(key) if isinstance(node, dict) else None
    return ".".join(parts) or "file"


def available(root: Path = DATASETS_DIR, extra_roots: Sequence[Path] = ()) -> dict[str, Path]:
    """Dataset name → file, from the project's datasets and any extra folders (the promoted cases under the data
    dir). A name in two folders is an error: which one ran would be a guess."""
    found: dict[str, Path] = {}
    for folder in (root, *extra_roots):
        for path in sorted(folder.glob("*.yaml")):
            if path.stem in found:
                raise TutorError(f"dataset '{path.stem}' is in both {found[path.stem].parent} and {folder}; "
                                 "rename or remove one")
            found[path.stem] = path
    return dict(sorted(found.items()))


def load_datasets(names: list[str] | None = None, root: Path = DATASETS_DIR,
                  extra_roots: Sequence[Path] = ()) -> list[Dataset]:
    known = available(root, extra_roots)
    for name in names or []:
        if name not in known:
            raise TutorError(f"no dataset '{name}' in {', '.join(map(str, (root, *extra_roots)))}; "
                             f"known: {', '.join(known)}")
    return [load_dataset(known[n]) for n in (names or known)]
