"""What the sources add after a model's answer (fast tier: a scripted model on the in-memory world).

A small model says less than the evidence holds. The evidence sentences its answer leaves out are quoted after
it, under "From the sources:", each with its citation; what the answer already says is not repeated, and the
model's own sentences are still the only ones its citation metrics see."""

from __future__ import annotations

from conftest import tutor_on
from fakes import ScriptedBackend

from app.core.tutor import KEY_LINES_HEADING, key_lines
from app.infra.llm import BackendSpec
from evals.evaluators import CitationEval, CorrectnessEval

SCRIPTED = BackendSpec("openai", "scripted", endpoint="fake")
QUESTION = "How do I make my shell script executable?"


def test_only_what_the_answer_leaves_out_is_quoted():
    evidence = ["Run `chmod +x deploy.sh` to let its owner execute it [1].",
                "A script without the execute bit fails with permission denied [2].",
                "The shebang line names the interpreter [1]."]
    answer = "Use chmod +x deploy.sh so the owner can execute the script [1]."
    assert key_lines(answer, evidence, 3) == evidence[1:]
    assert key_lines(answer, evidence, 1) == evidence[1:2]
    assert key_lines(" ".join(evidence), evidence, 3) == []


def test_a_name_the_answer_leaves_out_is_quoted_though_it_repeats_most_words():
    # the model said the manual half; the sentence's other half is the name the learner needs
    evidence = ["Scaling changes the replica count manually with `kubectl scale` or automatically with a "
                "HorizontalPodAutoscaler [1]."]
    answer = "To scale the replica count manually, you can use the `kubectl scale` command [1]."
    assert key_lines(answer, evidence, 3) == evidence
    assert key_lines(answer + " A HorizontalPodAutoscaler does it automatically [1].", evidence, 3) == []


def test_the_model_answer_is_followed_by_the_evidence_it_left_out(fake_world):
    evidence = tutor_on(fake_world).ask(QUESTION).check
    first, rest = evidence.marked[0], evidence.marked[1:]
    assert rest, "the fake world's evidence has more than one sentence"
    tutor = tutor_on(fake_world, backends={SCRIPTED: ScriptedBackend([first])})
    answer = tutor.ask(QUESTION, llm=SCRIPTED)
    assert answer.body.strip() == first and answer.answer.startswith(answer.body)
    assert answer.key_block.startswith(f"\n\n{KEY_LINES_HEADING}\n- ")
    quoted = answer.to_json()["key_lines"]
    assert quoted and first not in quoted and set(quoted) <= set(rest)
    # every quoted line's passage is among the answer's sources
    cited = {c["n"] for c in answer.citations()}
    assert {n for line in quoted for n in answer.key_check.cited} <= cited


def test_the_model_metrics_see_only_what_the_model_wrote(fake_world):
    evidence = tutor_on(fake_world).ask(QUESTION).check.marked
    uncited = "Make it executable first"  # no citation: the model's own coverage must show it
    tutor = tutor_on(fake_world, backends={SCRIPTED: ScriptedBackend([f"{uncited}. {evidence[0]}"])})
    answer = tutor.ask(QUESTION, llm=SCRIPTED, strict=False)
    assert answer.key_block
    run = type("Run", (), {"answer": answer, "case": None})()
    coverage = CitationEval().evaluate(run)["citations.coverage"]
    # two claims of the model, one cited by it; the quoted lines (cited by the composer) do not count
    assert coverage.value == 0.5, coverage


def test_correctness_scores_the_answer_shown_and_the_model_alone(fake_world):
    from evals.cases import Case, Expect

    evidence = tutor_on(fake_world).ask(QUESTION).check
    tail = evidence.sentences[-1]
    word = max((w for w in tail.text.split() if w.isalpha()), key=len).lower()
    tutor = tutor_on(fake_world, backends={SCRIPTED: ScriptedBackend([evidence.marked[0]])})
    answer = tutor.ask(QUESTION, llm=SCRIPTED)
    assert word not in answer.body.lower() and word in answer.answer.lower()
    case = Case(id="k", category="how-to", question=QUESTION, expect=Expect(behaviour="answer", facts=[[word]]))
    scores = CorrectnessEval().evaluate(type("Run", (), {"answer": answer, "case": case})())
    assert scores["correctness"].value == 1.0 and scores["correctness.model"].value == 0.0


def test_key_lines_can_be_turned_off(fake_world):
    evidence = tutor_on(fake_world).ask(QUESTION).check.marked
    settings, index, embedder = fake_world
    off = (settings.model_copy(update={"key_lines": 0}), index, embedder)
    tutor = tutor_on(off, backends={SCRIPTED: ScriptedBackend([evidence[0]])})
    answer = tutor.ask(QUESTION, llm=SCRIPTED)
    assert answer.answer == answer.body and not answer.key_block


def test_a_looping_answer_says_each_sentence_once():
    from app.core.text import drop_repeats

    looped = "Git is non-negotiable [1]. Next: Linux [2]. Git is non-negotiable [1].\n\n```bash\ngit init\n```"
    assert drop_repeats(looped) == "Git is non-negotiable [1]. Next: Linux [2].\n\n```bash\ngit init\n```"
    assert drop_repeats("Run it [1].\n- Run it [2].") == "Run it [1]."
    plain = "Docker builds images [1]. Kubernetes runs them [2]."
    assert drop_repeats(plain) == plain


def test_by_default_the_answer_and_its_sources_say_all_the_extractive_answer_says(fake_world):
    evidence = tutor_on(fake_world).ask(QUESTION).check.marked
    assert len(evidence) >= 4, "the fake world's evidence fills the composer's four sentences"
    # a model that says none of it: every sentence of the extractive answer is quoted, the fourth too
    tutor = tutor_on(fake_world, backends={SCRIPTED: ScriptedBackend(["Docker is a tool people use [1]."])})
    quoted = tutor.ask(QUESTION, llm=SCRIPTED).to_json()["key_lines"]
    assert quoted == evidence[:len(quoted)] and len(quoted) == len(evidence)
