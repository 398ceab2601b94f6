"""From feedback to eval cases: `tutor eval promote TURN_ID --fact ...` turns a turn a learner rated into a case of
the ``from-feedback`` dataset.

The case keeps the learner's question (and the questions asked before it in the same conversation, so a follow-up
stays a follow-up), the retrieval gold the maintainer says should have been retrieved (by default the documents
the turn was answered from, to be edited), the facts a right answer must hold (written by the maintainer), and
the answer that was rated down as the regression example (``origin``): an identical answer fails the case.

The dataset lives under the data dir (``<data dir>/evals/datasets/from-feedback.yaml``) beside the turn log it came
from, and `tutor eval` runs it with the project's datasets. Copy it into evals/datasets/ to make its cases part
of the shipping gate in the repository.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from app.errors import TutorError, validation_problem
from app.infra.fileio import atomic_write_text
from app.infra.settings import Settings
from app.infra.turnlog import TurnLog, retrieved_documents
from evals.cases import Behaviour, Case, Dataset, Expect, Origin, load_dataset

FROM_FEEDBACK = "from-feedback"
EARLIER_TURNS = 3  # the conversation kept with a promoted follow-up


def promoted_dir(settings: Settings) -> Path:
    return settings.data_dir / "evals" / "datasets"


def promoted_path(settings: Settings) -> Path:
    return promoted_dir(settings) / f"{FROM_FEEDBACK}.yaml"


def parse_facts(facts: list[str]) -> list[list[str]]:
    """Each --fact is one group a right answer must match; alternatives are separated by '|'."""
    groups = [[alt.strip() for alt in fact.split("|") if alt.strip()] for fact in facts]
    return [g for g in groups if g]


def _earlier_questions(log: TurnLog, turn: dict[str, Any]) -> list[str]:
    if not turn.get("conversation_id"):
        return []
    rows = log.conversation(turn["conversation_id"], before=int(turn["id"]))
    return [r["question"] for r in rows][-EARLIER_TURNS:]


def build_case(turn: dict[str, Any], facts: list[list[str]], sources: list[str], behaviour: Behaviour,
               case_id: str, conversation: list[str]) -> Case:
    prompt = f"{turn['prompt_name']}@{turn['prompt_version']}" if turn.get("prompt_name") else None
    data = {
        "id": case_id, "category": "feedback", "question": turn["question"], "conversation": conversation,
        "tags": ["from-feedback", f"rated-{'down' if turn.get('rating') == -1 else 'up'}"],
        "expect": Expect(behaviour=behaviour, facts=facts, sources=sources),
        "origin": Origin(turn_id=turn["uid"], answer=turn["answer"], comment=turn.get("feedback_comment") or "",
                         prompt=prompt, backend=turn.get("backend"), model=turn.get("model"), asked_at=turn.get("ts")),
    }
    try:
        return Case.model_validate(data)
    except ValidationError as exc:
        loc, problem = validation_problem(exc)
        hint = " (give the facts a right answer must hold with --fact 'phrase|other phrase')" \
            if "facts" in problem else ""
        raise TutorError(f"the case is not valid: {'.'.join(map(str, loc)) or 'case'}: {problem}{hint}") from None


def promote(settings: Settings, turn_id: str, facts: list[str], sources: list[str] | None = None,
            behaviour: Behaviour = "answer", case_id: str | None = None, replace: bool = False) -> tuple[Path, Case]:
    """Add (or with ``replace`` overwrite) the case made from one turn; returns the dataset file and the case.
    The file is validated like every dataset before it is written, and written whole or not at all."""
    log = TurnLog(settings.state_database, settings.secrets())
    turn = log.turn(turn_id)
    if turn is None:
        raise TutorError(f"no turn with id '{turn_id}' in {log.db}; `tutor eval promote --list` "
                         "shows the rated turns")
    case_id = case_id or f"fb-{turn_id.removeprefix('chatcmpl-')[:12].lower()}"
    case = build_case(turn, parse_facts(facts), sources if sources is not None else retrieved_documents(turn),
                      behaviour, case_id, _earlier_questions(log, turn))
    path = promoted_path(settings)
    cases = list(load_dataset(path).cases) if path.exists() else []
    if any(c.id == case.id for c in cases):
        if not replace:
            raise TutorError(f"{path} already has a case '{case.id}'; pass --replace to overwrite it or --id to "
                             "name the new one")
        cases = [c for c in cases if c.id != case.id]
    dataset = Dataset(name=FROM_FEEDBACK, description="Turns learners rated, promoted to cases by `tutor eval "
                                                      "promote`: the question, the gold the maintainer set, the "
                                                      "facts a right answer holds, and the rated answer.",
                      cases=[*cases, case])
    text = yaml.safe_dump(dataset.model_dump(mode="json", exclude_defaults=True), sort_keys=False,
                          allow_unicode=True, width=110)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, text)
    load_dataset(path)  # what was written reads back as a valid dataset
    log.mark_promoted(turn["uid"], case.id)
    return path, case
