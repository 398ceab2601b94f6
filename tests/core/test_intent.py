"""The question-type classifier and the predicates beside it (app/core/intent.py), as tables: the old cue rows,
time expressions that must not read as before/after/next, the precedence order, "I already know", follow-ups,
and the accuracy bars on the labeled sets (evals/labeled/intent.yaml, and the held-out file written before the
rules)."""

import time

import pytest

from app.core.intent import (
    INTENTS,
    asks_after,
    asks_before,
    asks_what_it_is,
    asks_what_to_learn,
    classify,
    compared_names,
    describes_trouble,
    is_follow_up,
    refers_back,
    states_a_claim,
    states_known,
    wants_code,
    where_to_begin,
)
from evals.intent import HELDOUT, LABELED, accuracy, load, main

CUE_ROWS = [
    # question,                                              before, after, what-to-learn, knows, follow-up
    ("What should I learn before Kubernetes?",                 True,  False, False, False, False),
    ("What are the prerequisites for MLOps?",                  True,  False, False, False, False),
    ("Which path leads to LLMOps?",                            True,  False, False, False, False),
    ("What should I learn before it?",                         True,  False, False, False, True),
    ("What comes after Docker?",                               False, True,  False, False, False),
    ("What follows SQL in the roadmap?",                       False, True,  False, False, False),
    ("What comes after it?",                                   False, True,  False, False, True),
    ("What should I learn after it?",                          False, True,  False, False, True),
    ("I already know Python and Git, what next?",              False, False, True,  True,  False),
    ("I already know Python and Git. What should I learn next?", False, False, True, True, False),
    ("I have learned Linux. Where should I start?",            False, False, True,  True,  False),
    ("In what order should I study the topics?",               False, False, True,  False, False),
    ("What should I learn about APIs?",                        False, False, False, False, False),
    ("What is DNS?",                                           False, False, False, False, False),
    ("Why does Git matter for AI systems?",                    False, False, False, False, False),
    ("And why does it matter for AI workloads?",               False, False, False, False, True),
    ("What about on Windows?",                                 False, False, False, False, True),
    ("Show me an example of that",                             False, False, False, False, True),
    ("How do I make my shell script executable?",              False, False, False, False, False),
    ("Inference requests time out now and then. Where do I start looking?", False, False, False, False, False),
]


@pytest.mark.parametrize(("question", "before", "after", "learn", "knows", "follow_up"), CUE_ROWS,
                         ids=[r[0][:40] for r in CUE_ROWS])
def test_question_cues(question, before, after, learn, knows, follow_up):
    assert (asks_before(question), asks_after(question), asks_what_to_learn(question), states_known(question),
            is_follow_up(question)) == (before, after, learn, knows, follow_up)


def test_now_and_then_is_a_symptom_not_an_after_question():
    question = "Inference requests time out now and then. Where do I start looking?"
    assert classify(question) == "troubleshoot" and not asks_after(question)


TIME_TRAPS = [
    ("every now and then the api returns 502", "troubleshoot"),
    ("after lunch the grafana dashboard stopped showing data", "troubleshoot"),
    ("after the upgrade kubectl throws 'x509: certificate signed by unknown authority'", "troubleshoot"),
    ("since yesterday every kubectl command hangs", "troubleshoot"),
    ("dns resolves the first time then fails on the next request", "troubleshoot"),
    ("the pod starts fine, then it crashes after about 30 seconds", "troubleshoot"),
    ("before I start, what is a container?", "explain"),
    ("what is docker? I'm asking before lunch", "explain"),
    ("next week I have an interview, what is a kubernetes service?", "explain"),
    ("what happens before a pod gets scheduled onto a node?", "explain"),
    ("Why do ML models degrade after deployment?", "explain"),
    ("how do I schedule a job to run every night after midnight?", "howto"),
    ("how do I run my tests before the deploy step in github actions?", "howto"),
    ("how do I go back to the image version from before the last deploy?", "howto"),
    ("after lunch I've got 2 hours to study and I know python, what should I do?", "next"),
    ("before I start: I know git and linux, what should I pick up?", "next"),
    ("what's a quick way to count how many orders each customer placed?", "howto"),  # a way to do it, not a road
    ("what's the best road from docker to kubernetes?", "before"),
]


@pytest.mark.parametrize(("question", "intent"), TIME_TRAPS, ids=[r[0][:40] for r in TIME_TRAPS])
def test_time_expressions_are_not_learning_path_cues(question, intent):
    assert classify(question) == intent


PRECEDENCE = [
    ("quiz me on what comes after docker in the roadmap", "practice"),       # practice > after
    ("test me: what's the difference between tcp and udp?", "practice"),    # practice > compare
    ("compare docker to a shipping container, like an analogy for a newbie", "simplify"),  # simplify > compare
    ("why does my pod keep getting OOMKilled?", "troubleshoot"),            # symptom > "why"
    ("how do I fix 'Permission denied (publickey)' when pushing to github?", "troubleshoot"),  # fix > howto
    ("what's the difference between local and prod? same code but prod gives wrong predictions", "troubleshoot"),
    ("how do I compare two columns in sql and keep only rows where they differ?", "howto"),  # howto > compare
    ("how do I prepare for the kubernetes section?", "before"),             # "prepare for" > howto
    ("which topic does sql come before in the roadmap?", "after"),          # the inverse of "before"
    ("after which topics can I start kubernetes?", "before"),              # the inverse of "after"
    ("what does 'next hop' mean in a traceroute?", "explain"),             # a quote is a mention
    ("what is a game day exercise in SRE?", "explain"),                     # no request, no practice
    ("rest or grpc for internal services?", "compare"),
    ("what should I learn first?", "next"),
    ("what should I first learn to be ready for mlops?", "before"),
    # 2026-12-03 (d) blind probes: a quick way is a how-to, a jump to a topic is the distance to it, and a change
    # over time nobody made is a symptom
    ("quick way to check if port 443 on some remote server is reachable from my laptop?", "howto"),
    ("comfortable with docker and compose. how big of a jump is kubernetes from there", "next"),
    ("our model was 94% precise at launch, now it's around 80%. nobody touched the code", "troubleshoot"),
    ("git push rejected, non-fast-forward", "troubleshoot"),
]


@pytest.mark.parametrize(("question", "intent"), PRECEDENCE, ids=[r[0][:40] for r in PRECEDENCE])
def test_precedence(question, intent):
    assert classify(question) == intent


@pytest.mark.parametrize(("question", "knows"), [
    ("I already know Docker", True), ("I'm comfortable with Linux", True), ("I've done SQL", True),
    ("given I know python, git, linux and sql, what's next for me?", True), ("I have experience with python", True),
    ("I'm a data analyst who knows sql", True), ("I don't know anything about docker", False),
    ("what do I need to know before docker?", False), ("do I know enough python for mlops?", False),
    ("What is DNS?", False),
    # experience told in years (2026-12-02 blind probe)
    ("been doing devops 3 yrs (terraform, k8s, jenkins)", True), ("5 years as a backend dev", True),
    ("the job has been slow for 3 days", False),
    ("comfortable with docker and compose, run a few services at home", True),  # the subject left out
])
def test_states_known(question, knows):
    assert states_known(question) is knows


@pytest.mark.parametrize(("question", "follow_up"), [
    ("and why?", True), ("why?", True), ("show me an example", True), ("explain it simpler", True),
    ("what about on Windows?", True), ("can you elaborate?", True), ("is that right?", True),
    ("What comes next after this?", True), ("Which systems are useful for that?", True),
    ("What is Docker used for?", False), ("the pod starts fine, then it crashes", False),
    ("is it possible to run docker without root?", False), ("what comes after python in this roadmap?", False),
    ("how can i see the logs of a container that already stopped", False),
])
def test_is_follow_up(question, follow_up):
    assert is_follow_up(question) is follow_up


def test_the_labeled_set_is_whole_and_accurate():
    rows = load(LABELED)
    assert len(rows) >= 255 and {r.intent for r in rows} == set(INTENTS) and sum(r.trap for r in rows) >= 74
    assert accuracy(rows) >= 0.95


def test_the_held_out_set_is_apart_and_accurate():
    rows = load(HELDOUT)
    assert len(rows) >= 60 and {r.intent for r in rows} == set(INTENTS)
    assert not {r.question.lower() for r in rows} & {r.question.lower() for r in load(LABELED)}
    assert accuracy(rows) >= 0.90


def test_the_old_predicates_agree_with_classify():
    for row in load(LABELED) + load(HELDOUT):
        intent = classify(row.question)
        assert (asks_before(row.question), asks_after(row.question), asks_what_to_learn(row.question)) == (
            intent == "before", intent == "after", intent == "next"), row.question


def test_fast_and_deterministic():
    questions = [r.question for r in load(LABELED)]
    first = [classify(q) for q in questions]
    started = time.process_time()
    again = [classify(q) for q in questions]
    assert again == first
    assert (time.process_time() - started) / len(questions) < 0.001
    started = time.process_time()
    classify("Traceback (most recent call last):\n" + "  File 'x.py', line 1\n" * 5000 + "why?")
    assert time.process_time() - started < 0.1  # a long paste is read in bounded time


def test_the_eval_command_prints_the_confusion_matrix(capsys, tmp_path):
    assert main(["--file", str(HELDOUT)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("accuracy ") and "| true \\ predicted | explain |" in out and "misclassified" in out
    bad = tmp_path / "bad.yaml"
    bad.write_text("- {q: what is dns?, intent: definition}\n", encoding="utf-8")
    assert main(["--file", str(bad)]) == 1


@pytest.mark.parametrize(("question", "intent"), [
    ("isn't Kubernetes just Docker with extra steps?", "compare"),
    ("git is the same as GitHub right? we don't use GitHub", "compare"),
    ("MLOps is just DevOps where the artifact is a model file, no?", "compare"),
    ("merge vs rebase - my lead says always rebase", "compare"),        # a person who "says" is no symptom
    ("git push says rejected (non-fast-forward)", "troubleshoot"),      # a tool that "says" is one
    ("my training is just slow with the new data", "troubleshoot"),     # "just" alone compares nothing
    ("is it the same as before?", "explain"),
    # two things said to be the same, or one "basically just" the other
    ("PUT and POST are basically the same thing, right? my plan is to just use POST for everything", "compare"),
    ("are docker and kubernetes the same thing?", "compare"),
    ("so a container is basically just a tiny VM right? that's how i explained it to the intern", "compare"),
    ("mlops is literally just devops with a model file in it, right?", "compare"),
    ("the train and test sets are the same size, is that bad?", "explain"),
    # what the learner plans to do is no learning-path question; what their next step is, is one
    ("my plan is to serve the model with flask, how do I add a health check?", "howto"),
    ("I know python and git. what is my next step?", "next"),
])
def test_misconceptions_are_comparisons(question, intent):
    assert classify(question) == intent


@pytest.mark.parametrize(("question", "others"), [
    ("I'm a nurse, where should I begin?", []),
    ("I'm a chef switching careers into tech, where do I start on this roadmap?", []),
    ("ok so where do I even start", []),
    ("I'm new to all this, what's step one?", []),
    ("I'm new to guitar, where do I begin?", ["guitar"]),  # beginning something else: the caller decides
    ("where do I start with sourdough baking?", None),  # the clause names what is begun
    ("how do I start a container?", None),
    ("where should I begin debugging this?", None),
])
def test_where_to_begin_is_a_question_about_the_roadmap(question, others):
    assert where_to_begin(question) == others
    if others == []:
        assert classify(question) == "next"


@pytest.mark.parametrize(("question", "intent"), [
    ("the nightly job got a lot slower, same input. where do I even look?", "troubleshoot"),
    ("the disk alert goes off every night at 2am but nothing is wrong", "troubleshoot"),
    ("this query returns more rows than the table has", "troubleshoot"),
    ("our predictions look completely off since the retrain", "troubleshoot"),
    ("latency is fine but the error dashboard looks wrong, what is going on?", "troubleshoot"),
    ("I pushed a commit with our database password in it, what now?", "troubleshoot"),
    ("I finished Docker, what now?", "next"),
    ("what is going on inside a docker build?", "explain"),  # how it works, not what broke
    ("where should I look for the logs of a pod?", "explain"),
    ("how do containers look different from VMs?", "compare"),
])
def test_symptom_stories_without_an_error_message(question, intent):
    assert classify(question) == intent


@pytest.mark.parametrize(("question", "claim"), [
    ("kubernetes is only for huge companies, right?", True),              # a tag
    ("LLMOps is basically just writing good prompts isn't it", True),
    ("git is the same as GitHub right? so we don't need git", True),     # a tag mid-text
    ("isn't a container just a small VM?", True),                         # a negative question
    ("we have logs for everything so we don't need metrics", True),       # an assertion, no question
    ("is docker the same as a VM?", False),                                # a question
    ("merge vs rebase, my lead says always rebase. who's right?", False),  # "right" is asked about
    ("what is kubernetes for?", False),
    ("docker vs podman for our laptops", False),
    ("too short, right?", False),
])
def test_a_claim_put_to_the_tutor(question, claim):
    assert states_a_claim(question) is claim


@pytest.mark.parametrize(("question", "refers"), [
    ("can you show me the yaml for both on one container?", True),  # names Docker, but "both" is the last answer's
    ("does it work in docker too?", True),
    ("what does that command do in kubernetes?", True),
    ("and what about Docker?", False),                               # a new subject
    ("is it possible to run docker on windows?", False),             # a dummy "it"
    ("the pod starts fine, then it crashes", False),                 # "it" is the pod
])
def test_a_question_that_points_back_at_the_conversation(question, refers):
    assert refers_back(question) is refers


@pytest.mark.parametrize(("question", "code"), [
    ("show me an example", True),
    ("how do i write a dockerfile for a small flask app", True),
    ("write me a bash script that deletes logs older than 7 days", True),
    ("example of a minimal rest api in python with one GET and one POST endpoint pls", True),
    ("can I see an example?", True),
    ("what is a dockerfile?", False),
    ("how do I write a good commit message?", False),
    ("for example, is docker needed?", False),
    # a how-to in a programming language asks for its code
    ("how would i do a quick anomaly detection on a latency time series in python?", True),
    ("how do i loop over the files of a folder in bash?", True),
    ("why is python used in mlops?", False),
])
def test_asking_for_the_code_itself(question, code):
    assert wants_code(question) is code


@pytest.mark.parametrize(("question", "trouble"), [
    ("my postgres pod loses all its data when it restarts", True),
    ("my 7B model won't fit in my GPU's memory", True),
    ("the job runs out of memory", True),
    ("how do i lock down my model's inference endpoint", False),
    ("I'm lost, where do I start?", False),
])
def test_something_going_wrong(question, trouble):
    assert describes_trouble(question) is trouble


@pytest.mark.parametrize(("question", "thing"), [
    ("what is a pod?", "pod"),
    ("what's DNS", "DNS"),
    ("what does a reverse proxy do?", "reverse proxy"),
    ("explain what a liveness probe is", "liveness probe"),
    ("what is a pod in kubernetes?", "pod"),
    ("So what is MLOps exactly?", "MLOps"),
    ("define drift", "drift"),
    ("what is the difference between a pod and a container?", None),
    ("what is the best way to learn git?", None),
    ("what does my pod need to reach the database from another namespace?", None),
    ("how do I make my script executable?", None),
    # what it is for, asked before the story
    ("whats the point of a model registry? we just drop the pickle files in a bucket", "model registry"),
    ("When would I need git stash? I've never used it.", "git stash"),
    ("why bother with virtual environments?", "virtual environments"),
    ("why do we need kubernetes if we have docker?", None),
    ("what is a pod? mine keeps restarting.", "pod"),
    ("my pod keeps restarting. what is next?", None),
])
def test_what_a_what_is_question_asks_about(question, thing):
    assert asks_what_it_is(question) == thing


@pytest.mark.parametrize(("question", "intent"), [
    # the question opens by naming what it compares: the story after it is no symptom
    ("image vs container, i keep using the words interchangeably and my mentor keeps correcting me", "compare"),
    ("my pod keeps crashing, what is the difference between requests and limits?", "troubleshoot"),
    # what people keep telling the learner is no symptom; what a system keeps doing is
    ("why do people keep saying we need evals for our LLM app? i test the prompt by hand", "explain"),
    ("the api keeps saying 401", "troubleshoot"),
    ("my senior keeps telling me my container keeps crashing", "troubleshoot"),
    # wrong output in the learner's words
    ("same model, but the serving container returns totally different predictions for the same row", "troubleshoot"),
    ("our classifier is basically coin flips on new data, no idea why", "troubleshoot"),
])
def test_a_story_around_the_question_does_not_change_its_type(question, intent):
    assert classify(question) == intent


@pytest.mark.parametrize(("question", "names"), [
    ("merge vs rebase. what's the actual difference?", ["merge", "rebase"]),
    ("whats the diff between a tag and a branch?", ["a tag", "a branch"]),
    ("liveness probe vs readiness probe?", ["liveness probe", "readiness probe"]),
    ("logs vs metrics vs traces", ["logs", "metrics", "traces"]),
    ("isn't kubernetes just docker?", ["kubernetes", "docker"]),
    ("PUT and POST are basically the same thing, right?", ["PUT", "POST"]),
    ("are docker and kubernetes the same thing?", ["docker", "kubernetes"]),
    ("so a container is basically just a tiny VM right?", ["container", "VM"]),
    ("this or that?", []),
])
def test_the_names_a_comparison_sets_side_by_side(question, names):
    assert compared_names(question) == names
