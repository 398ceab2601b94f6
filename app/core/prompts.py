"""Versioned prompts: one YAML file per version under prompts/<name>/v<N>.yaml, validated on load.

``answer@2`` names a version, ``answer@latest`` (or ``answer``) the highest one. The sha256 of the file
travels with every answer, so a result can always be traced to the exact prompt text.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.errors import TutorError, validation_problem
from app.infra.settings import PROJECT_ROOT

PROMPTS_DIR = PROJECT_ROOT / "prompts"
_FILE = re.compile(r"^v(\d+)\.ya?ml$")


class PromptParameters(BaseModel):
    model_config = ConfigDict(extra="forbid")
    temperature: float = Field(0.1, ge=0, le=2)
    max_tokens: int = Field(320, ge=1, le=8192)
    top_p: float | None = Field(None, gt=0, le=1)
    # a backend that can (llama.cpp) lets no sentence end without a [n] of a passage it was given
    guided_citations: bool = False


class PromptGuards(BaseModel):
    """The code guards a prompt version ships with. They travel with the version (and its sha256), so a
    version that drops one is caught by `tutor eval` like any other regression."""

    model_config = ConfigDict(extra="forbid")
    question_filters: bool = True  # refuse harmful requests and prompt-extraction attempts before retrieval
    out_of_scope: bool = True  # decline when the question names no roadmap node and nothing relevant is found
    sanitize_passages: bool = True  # drop lines in documents that address the assistant: documents are data


class PromptSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    version: int = Field(ge=1)
    description: str
    changelog: str
    parameters: PromptParameters
    guards: PromptGuards = PromptGuards()
    # what fills {passages}: the retrieved passages whole, or only the sentences the composer selected from them
    # (numbered as their passages, so [n] still names passage n; a short prompt is a fast first token)
    context: Literal["passages", "evidence"] = "passages"
    system: str
    user: str


@dataclass(frozen=True)
class Prompt:
    spec: PromptSpec
    path: Path
    sha256: str

    @property
    def ref(self) -> str:
        return f"{self.spec.name}@{self.spec.version}"

    def render(self, question: str, passages: str, path: str = "") -> list[dict[str, str]]:
        values = {"question": question, "passages": passages, "path": path}
        system = _fill(self.spec.system, values)
        # Collapse the blank line an empty {path} leaves behind.
        system = re.sub(r"\n\s*\n", "\n", system).strip()
        return [{"role": "system", "content": system},
                {"role": "user", "content": _fill(self.spec.user, values).strip()}]

    def as_dict(self) -> dict[str, object]:
        return {"name": self.spec.name, "version": self.spec.version, "sha256": self.sha256}


def _fill(template: str, values: dict[str, str]) -> str:
    # Only our three placeholders are replaced, so braces inside passages or questions are harmless.
    return re.sub(r"\{(question|passages|path)\}", lambda m: values[m.group(1)], template)


def load_prompt_file(path: Path) -> Prompt:
    raw = path.read_bytes()
    try:
        data = yaml.safe_load(raw.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise TutorError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    try:
        spec = PromptSpec.model_validate(data)
    except ValidationError as exc:
        loc, problem = validation_problem(exc)
        raise TutorError(f"{path}: {'.'.join(map(str, loc)) or 'file'}: {problem}") from None
    match = _FILE.match(path.name)
    if match is None or int(match.group(1)) != spec.version or path.parent.name != spec.name:
        raise TutorError(f"{path}: file must be named prompts/{spec.name}/v{spec.version}.yaml to match its "
                         "name and version")
    for placeholder in ("{passages}", "{question}"):
        if placeholder not in spec.system + spec.user:
            raise TutorError(f"{path}: the templates never use {placeholder}")
    return Prompt(spec=spec, path=path, sha256=hashlib.sha256(raw).hexdigest())


class PromptRegistry:
    def __init__(self, root: Path = PROMPTS_DIR) -> None:
        self.root = root

    def versions(self, name: str) -> list[int]:
        folder = self.root / name
        if not folder.is_dir():
            return []
        return sorted(int(m.group(1)) for p in folder.iterdir() if (m := _FILE.match(p.name)))

    def names(self) -> list[str]:
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and self.versions(p.name))

    def get(self, ref: str) -> Prompt:
        name, _, version = ref.partition("@")
        versions = self.versions(name)
        if not versions:
            raise TutorError(f"no prompt named '{name}'; known: {', '.join(self.names()) or 'none'}")
        if version in ("", "latest"):
            number = versions[-1]
        elif version.isdigit() and int(version) in versions:
            number = int(version)
        else:
            raise TutorError(f"no version '{version}' of prompt '{name}'; known: "
                             f"{', '.join(f'{name}@{v}' for v in versions)} or {name}@latest")
        return _load_cached(self.root / name / f"v{number}.yaml")

    def all(self) -> list[Prompt]:
        return [self.get(f"{n}@{v}") for n in self.names() for v in self.versions(n)]

    def diff(self, a: str, b: str) -> str:
        pa, pb = self.get(a), self.get(b)
        lines = difflib.unified_diff(pa.path.read_text().splitlines(), pb.path.read_text().splitlines(),
                                     fromfile=pa.ref, tofile=pb.ref, lineterm="")
        return "\n".join(lines)


@lru_cache(maxsize=64)
def _load_cached_at(path: Path, mtime: float) -> Prompt:
    return load_prompt_file(path)


def _load_cached(path: Path) -> Prompt:
    return _load_cached_at(path, path.stat().st_mtime)
