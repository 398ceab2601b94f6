"""`tutor eval promote` on the fast tier: a rated turn becomes a valid case of from-feedback (question, earlier
turns of its conversation, gold, facts, the rated answer as the regression example), and an answer identical to
the rated one fails the case whatever facts it holds."""

from __future__ import annotations

import pytest
import yaml
from conftest import tutor_on

from app.core.feedback import record_feedback
from app.core.tutor import Conversation
from app.errors import TutorError
from app.infra.turnlog import TurnLog
from evals.cases import available, load_dataset, load_datasets
from evals.evaluators import CaseRun, CorrectnessEval
from evals.promote import FROM_FEEDBACK, parse_facts, promote, promoted_dir, promoted_path


@pytest.fixture()
def rated(fake_world, tmp_path):
    """Settings on a fresh data dir whose turn log holds a two-turn conversation; the follow-up rated down."""
    settings = fake_world[0].model_copy(update={"data_dir": tmp_path / "data"})
    tutor = tutor_on(fake_world)
    tutor.turns = TurnLog(settings.turn_log_path)
    conversation = Conversation()
    first = tutor.ask("What should I learn before Kubernetes?", conversation)
    follow = tutor.ask("And after it?", conversation)
    record_feedback(tutor.turns, follow.turn_id, "down", "it did not say Cloud comes next")
    return settings, tutor, first, follow


def test_a_rated_follow_up_becomes_a_valid_case(rated):
    settings, tutor, first, follow = rated
    path, case = promote(settings, follow.turn_id, ["Cloud|cloud platforms", "after Kubernetes"],
                         sources=["roadmap-cloud"])
    assert path == promoted_path(settings) and path.parent == promoted_dir(settings)
    dataset = load_dataset(path)  # validated like every dataset
    assert dataset.name == FROM_FEEDBACK and [c.id for c in dataset.cases] == [case.id]
    saved = dataset.cases[0]
    assert saved.question == "And after it?" and saved.conversation == ["What should I learn before Kubernetes?"]
    assert saved.category == "feedback" and "rated-down" in saved.tags
    assert saved.expect.facts == [["Cloud", "cloud platforms"], ["after Kubernetes"]]
    assert saved.expect.sources == ["roadmap-cloud"]
    assert saved.origin.answer == follow.answer and saved.origin.turn_id == follow.turn_id
    assert saved.origin.comment == "it did not say Cloud comes next" and saved.origin.prompt.startswith("answer@")
    assert tutor.turns.turn(follow.turn_id)["promoted_case"] == case.id
    # the project's datasets and the promoted ones load together
    names = [d.name for d in load_datasets(extra_roots=[promoted_dir(settings)])]
    assert FROM_FEEDBACK in names and "factual" in names


def test_the_gold_defaults_to_what_was_retrieved_and_a_second_promote_needs_replace(rated):
    settings, tutor, first, follow = rated
    _, case = promote(settings, first.turn_id, ["Docker"])
    assert case.expect.sources == list(dict.fromkeys(p.metadata["doc_id"] for p in first.passages))
    assert case.conversation == []
    with pytest.raises(TutorError, match="already has a case .*--replace"):
        promote(settings, first.turn_id, ["Docker"])
    promote(settings, first.turn_id, ["Docker", "Linux"], replace=True)
    _, other = promote(settings, follow.turn_id, ["Cloud"])
    cases = load_dataset(promoted_path(settings)).cases
    assert [c.id for c in cases] == [case.id, other.id] and cases[0].expect.facts == [["Docker"], ["Linux"]]


def test_promote_refuses_what_would_not_be_a_case(rated):
    settings, tutor, first, follow = rated
    with pytest.raises(TutorError, match="no turn with id 'nope'"):
        promote(settings, "nope", ["x"])
    with pytest.raises(TutorError, match="--fact"):
        promote(settings, follow.turn_id, [])  # an answer case needs its facts
    with pytest.raises(TutorError, match="--fact"):
        promote(settings, follow.turn_id, ["|", "  "])
    assert not promoted_path(settings).exists()  # nothing half-written
    _, declined = promote(settings, follow.turn_id, [], behaviour="decline", case_id="fb-decline")
    assert declined.expect.behaviour == "decline"


def test_an_answer_identical_to_the_rated_one_fails_the_case(rated):
    settings, tutor, first, follow = rated
    _, case = promote(settings, follow.turn_id, [follow.answer.split()[0]])  # a fact the bad answer holds
    evaluator = CorrectnessEval()
    same = evaluator.evaluate(CaseRun(case, follow, tutor.prompts.get("answer@latest")))["correctness"]
    assert same.value == 0.0 and not same.passed and "rated down" in same.reason
    follow.answer += " Next comes Cloud."  # any change to the rated answer is judged on its facts again
    changed = evaluator.evaluate(CaseRun(case, follow, tutor.prompts.get("answer@latest")))["correctness"]
    assert changed.value == 1.0 and changed.passed and "rated down" not in changed.reason


def test_a_dataset_name_in_two_folders_is_an_error(tmp_path):
    (tmp_path / "factual.yaml").write_text(yaml.safe_dump({"name": "factual"}), encoding="utf-8")
    with pytest.raises(TutorError, match="'factual' is in both"):
        available(extra_roots=[tmp_path])


def test_facts_split_on_bars():
    assert parse_facts(["a | b", "c", " | "]) == [["a", "b"], ["c"]]
