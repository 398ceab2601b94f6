"""The roadmap knowledge graph built from the real corpus front matter."""

import json

import pytest
from conftest import run_tutor

from app.core.graph import RoadmapGraph

SEQUENCE = ["python", "git", "linux", "sql", "apis", "networking", "docker", "kubernetes", "cloud",
            "monitoring", "ml-lifecycle", "mlops", "aiops", "llmops"]


@pytest.fixture()
def graph(small_index):
    return RoadmapGraph.load(small_index.graph_path)


def test_topics_follow_the_roadmap_sequence_and_tiers(graph):
    assert graph.topics() == SEQUENCE
    assert graph.topics_in_tier("tier-1") == ["python", "git", "linux", "sql", "apis"]
    assert graph.topics_in_tier("tier-2") == ["networking", "docker", "kubernetes", "cloud"]
    assert graph.after("tier-2") == "tier-3"
    assert graph.after("kubernetes") == "cloud" and graph.before("python") is None


def test_learning_path_lists_prerequisites_in_order(graph):
    assert graph.path_to("kubernetes") == SEQUENCE[: SEQUENCE.index("kubernetes") + 1]
    assert graph.prerequisites("python") == []
    # AIOps needs monitoring explicitly ("AIOps cannot exist without observability")
    assert "monitoring" in graph.prerequisites("aiops")


def test_next_topic_given_known(graph):
    rows = graph.next_topics(["python", "git"])
    assert rows[0]["topic"] == "linux" and rows[0]["ready"]
    assert next(r for r in rows if r["topic"] == "sql")["missing"] == ["linux"]
    assert graph.next_topics(SEQUENCE) == []


def test_symptoms_point_to_topics(graph):
    found = dict(graph.symptom_topics("our model registry unreachable again after the deploy"))
    assert found["symptom:model-registry-unreachable"] == ["networking"]
    causes = dict(graph.symptom_topics("containers fail health checks"))["symptom:containers-fail-health-checks"]
    assert set(causes) == {"docker", "kubernetes"}


def test_question_to_nodes_by_name_alias_and_subtopic(graph):
    def top(q):
        return graph.match_names(q)[0].node

    assert top("How do I start with Kubernetes?") == "kubernetes"
    assert top("what is k8s ingress") in {"kubernetes", "sub:kubernetes:ingress"}
    assert any(m.node == "sql" for m in graph.match_names("explain window functions"))
    assert top("What is in Tier 2?") == "tier-2"
    assert graph.match_names("how do I bake sourdough bread") == []
    # an alias inside a longer subtopic name does not count: "vector databases" is LLMOps, not SQL
    assert {m.node for m in graph.match_names("What are vector databases?")} == {"llmops",
                                                                                 "sub:llmops:vector-databases"}


def test_every_topic_is_documented_by_chunks(graph):
    for topic in SEQUENCE:
        assert graph.chunks_for(topic), topic
    assert graph.resolve("K8s") == "kubernetes" and graph.resolve("tier 3") == "tier-3"


@pytest.mark.slow
def test_cli_graph_commands_on_the_full_index(full_index):
    env = {"TUTOR_DATA_DIR": str(full_index.data_dir)}
    path = json.loads(run_tutor("graph", "path", "kubernetes", "--json", **env).stdout)
    assert path["prerequisites"] == ["python", "git", "linux", "sql", "apis", "networking", "docker"]
    nxt = json.loads(run_tutor("graph", "next", "--known", "python,git", "--json", **env).stdout)
    assert nxt["next"] == "linux"
    show = json.loads(run_tutor("graph", "show", "--json", **env).stdout)
    assert show["sequence"] == SEQUENCE and show["counts"]["topic"] == 14
    text = run_tutor("graph", "show", **env).stdout
    assert "model registry unreachable → networking" in text
    bad = run_tutor("graph", "path", "cooking", check=False, **env)
    assert bad.returncode == 2 and "not a roadmap topic" in bad.stderr and "Traceback" not in bad.stderr


def test_graph_without_index_says_what_to_do(tmp_path):
    proc = run_tutor("graph", "show", check=False, TUTOR_DATA_DIR=str(tmp_path / "none"))
    assert proc.returncode == 2
    assert "run `tutor ingest` first" in proc.stderr
