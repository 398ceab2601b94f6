"""The tutor's own files (`project:` sources) answer questions about the tutor, and never displace the teaching
notes for an ordinary learner question (app/core/retrieval.py, about_tutor)."""

from __future__ import annotations

import pytest

from app.core.retrieval import about_tutor


@pytest.mark.parametrize(("question", "expected"), [
    ("how does this tutor work out what an answer cost?", "named"),
    ("what does /readyz check before saying the server is ready?", "named"),
    ("how are two prompt versions compared here?", "named"),
    ("what metrics does tutor serve export for Prometheus?", "named"),
    ("what does tutor_fallbacks_total count?", "named"),
    ("how do I deploy this project on Kubernetes?", "named"),
    ("how do you count tokens when the model doesn't report usage?", "addressed"),
    ("what does your server export for monitoring?", "addressed"),
    # ordinary learner questions: not about the tutor
    ("how do I write a Dockerfile?", None),
    ("what is a readiness probe?", None),
    ("SRE here, years of k8s and prometheus, zero ML background. what's my shortest honest path to AIOps?", None),
    ("can you show me the yaml for both on one container?", None),
    ("how do I make our assistant answer from our internal wiki instead of making things up?", None),
    ("where is the /ready endpoint usually served?", None),
    # the learner's own server, not this tutor
    ("how do i check if port 5432 on db-01 is reachable from this app server?", None),
    ("how do I put this app in a container?", "named"),
])
def test_a_question_about_the_tutor_is_told_apart(question, expected):
    assert about_tutor(question) == expected


@pytest.fixture(scope="module")
def tutor(full_index):
    from app.core.tutor import Tutor

    return Tutor(full_index, record_turns=False)


def cited(answer) -> list[str]:
    return [c["source"] for c in answer.citations()]


@pytest.mark.parametrize(("question", "expected"), [
    ("what does /readyz check before saying the server is ready?", "project:docs/"),
    ("how does this tutor work out what an answer cost?", "project:"),
    ("what metrics does tutor serve export for Prometheus?", "project:"),
])
def test_questions_about_the_tutor_are_answered_from_its_own_files(tutor, question, expected):
    answer = tutor.ask(question, llm="extractive")
    assert not answer.out_of_scope and not answer.refused
    assert answer.passages[0].metadata["kind"] == "project", [p.id for p in answer.passages]
    assert any(s.startswith(expected) for s in cited(answer)), cited(answer)
    assert all(c["title"].startswith("This tutor: ") for c in answer.citations()
               if c["source"].startswith("project:"))


@pytest.mark.parametrize(("question", "note"), [
    ("how do I write a Dockerfile?", "file:notes/docker/"),
    ("what is a readiness probe?", "file:notes/kubernetes/probes-liveness-readiness.md"),
    ("how do I expose metrics for Prometheus to scrape?", "file:notes/monitoring"),
    ("how do I version my prompts?", "file:notes/llmops"),
])
def test_a_plain_learner_question_gets_the_notes_and_none_of_the_tutors_files(tutor, question, note):
    answer = tutor.ask(question, llm="extractive")
    kinds = {p.metadata.get("kind") for p in answer.passages}
    assert "project" not in kinds, [p.id for p in answer.passages]
    assert any(s.startswith(note) for s in cited(answer)), cited(answer)


def test_the_tutors_files_do_not_change_what_a_learner_question_retrieves(tutor):
    """Left out of an ordinary question, the project chunks leave its dense, keyword and graph candidates as an
    index without them would give: the keyword index scores them apart (their words never change the IDF of the
    notes), and the dense search fetches past them."""
    retriever = tutor.retriever
    keyword = retriever.keyword_index()
    assert keyword.project_ids and not set(keyword.project_ids) & {c["id"] for c in keyword.chunks}
    question = "how do I make our assistant answer from our internal wiki instead of just making things up?"
    request = retriever._embed(retriever.request(question))
    hits = retriever._dense(request)
    teaching = [h["id"] for h in hits if h["metadata"].get("kind") != "project"]
    exact = [h["id"] for h in tutor.store.query(request["vector"], k=200) if h["metadata"].get("kind") != "project"]
    assert teaching[:12] == exact[:12]  # project chunks crowd this question's neighbourhood, yet no note is lost
    result = retriever.retrieve(question)
    assert all(p.metadata.get("kind") != "project" for p in result.passages)
