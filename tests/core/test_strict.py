"""Unsupported means visible or gone (fast tier: a scripted model on the in-memory world).

Strict mode removes a generated sentence no retrieved passage supports and answers with the evidence when no
supported claim is left; without it the sentence stays, with the reason it is flagged. Strict is the default
for local models only."""

from __future__ import annotations

import pytest
from conftest import tutor_on
from fakes import ScriptedBackend

from app.infra.llm import BackendSpec

SCRIPTED = BackendSpec("openai", "scripted", endpoint="fake")
LOCAL = BackendSpec("local", "scripted-local")
QUESTION = "How do I make my shell script executable?"
INVENTED = "The moon orbits Saturn and schedules every Kubernetes pod since 1887 [1]."


@pytest.fixture(scope="module")
def supported(fake_world) -> str:
    """A sentence the passages do support: the extractive answer's first."""
    evidence = tutor_on(fake_world).ask(QUESTION)
    first = evidence.check.sentences[0]
    assert first.supported
    return f"{first.text[:-1]} [{first.cited[0]}]."


def test_strict_removes_the_unsupported_sentence_and_says_so(fake_world, supported):
    tutor = tutor_on(fake_world, backends={SCRIPTED: ScriptedBackend([f"{supported} {INVENTED}"])})
    answer = tutor.ask(QUESTION, llm=SCRIPTED, strict=True)
    assert "Saturn" not in answer.answer and supported.split(" [")[0] in answer.answer
    assert answer.backend == "openai" and not answer.fallback and not answer.check.unsupported
    assert any("Removed 1 sentence(s)" in n and "strict mode" in n for n in answer.notices)


def test_without_strict_the_sentence_stays_with_its_reason(fake_world, supported):
    tutor = tutor_on(fake_world, backends={SCRIPTED: ScriptedBackend([f"{supported} {INVENTED}"])})
    answer = tutor.ask(QUESTION, llm=SCRIPTED, strict=False)
    assert "Saturn" in answer.answer and "unsupported" in answer.flags
    (detail,) = answer.to_json()["unsupported_details"]
    assert "Saturn" in detail["sentence"] and detail["support"] < 0.6
    assert detail["reason"].startswith("the cited source [1] does not say this")


def test_strict_answers_with_the_evidence_when_nothing_supported_is_left(fake_world):
    tutor = tutor_on(fake_world, backends={SCRIPTED: ScriptedBackend([INVENTED])})
    answer = tutor.ask(QUESTION, llm=SCRIPTED, strict=True)
    assert answer.fallback and answer.replaced and answer.backend == "extractive" and "Saturn" not in answer.answer
    assert "replaced" in answer.flags
    assert answer.answer == answer.evidence and answer.citations()
    assert any("showing the evidence instead" in n for n in answer.notices)


def test_strict_is_the_default_for_local_models_only(fake_world, supported):
    reply = f"{supported} {INVENTED}"
    tutor = tutor_on(fake_world, backends={SCRIPTED: ScriptedBackend([reply]), LOCAL: ScriptedBackend([reply])})
    assert "Saturn" in tutor.ask(QUESTION, llm=SCRIPTED).answer
    assert "Saturn" not in tutor.ask(QUESTION, llm=LOCAL).answer


def test_the_model_is_told_which_passages_it_may_cite(fake_world):
    backend = ScriptedBackend(["Docker packages an application [1]."])
    backend.guides_citations = True
    tutor = tutor_on(fake_world, backends={SCRIPTED: backend})
    tutor.ask("What is Docker used for?", llm=SCRIPTED)
    sent = backend.seen[0][-1]["content"]
    numbers = sorted({int(line[1:line.index("]")]) for line in sent.splitlines() if line.startswith("[")})
    assert backend.citable == numbers and numbers
