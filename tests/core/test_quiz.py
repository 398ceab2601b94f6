"""The quiz bank (app/core/quiz.py) on the fast tier's world: size and spread, every item's citation checked,
no ambiguous options, the same bank on every build, and an incremental rebuild that remakes one document."""

from __future__ import annotations

import copy
from collections import Counter
from typing import Any

import pytest

from app.core.graph import RoadmapGraph
from app.core.quiz import Item, accept_proposed, bank_items, build_units, check_item, grade

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def corpus(fake_world: Any) -> tuple[RoadmapGraph, dict[str, dict[str, Any]], dict[str, list[str]]]:
    settings, index, _ = fake_world
    graph = RoadmapGraph.load(settings.graph_path)
    chunks = {c["id"]: c for c in index.all_chunks()}
    docs = {n.removeprefix("doc:"): list(d["chunks"]) for n, d in graph.g.nodes(data=True) if d.get("kind") == "doc"}
    return graph, chunks, docs


@pytest.fixture(scope="module")
def built(corpus: Any) -> Any:
    graph, chunks, docs = corpus
    return build_units(docs, graph, {}, lambda ids: [chunks[i] for i in ids])


def test_bank_covers_every_topic_and_every_citation_is_supported(corpus: Any, built: Any) -> None:
    graph, chunks, _ = corpus
    units, _ = built
    items = bank_items(units)
    per_topic = Counter(i.topic for i in items)
    assert len(items) >= 200
    assert set(per_topic) == set(graph.topics()) and len(graph.topics()) == 14
    assert min(per_topic.values()) >= 8, per_topic
    assert {"command", "concept", "short", "practice", "symptom", "prerequisite", "order"} <= {i.kind for i in items}
    # 100 %: each item is re-checked against the text of the chunk it cites
    failures = [(i.id, check_item(i, chunks[i.chunk_id]["text"])) for i in items
                if check_item(i, chunks[i.chunk_id]["text"]) is not None]
    assert failures == []
    assert all(i.doc_id == chunks[i.chunk_id]["metadata"]["doc_id"] for i in items)
    assert len({i.id for i in items}) == len(items)
    assert all(0 < i.difficulty < 1 for i in items)
    assert sum(sum(u.rejected.values()) for u in units.values()) > 0  # the checks do drop items


def test_no_item_has_two_correct_options(built: Any) -> None:
    for item in bank_items(built[0]):
        if item.options and item.kind != "order":
            assert sum(grade(item, o).correct for o in item.options) == 1, item.id
            assert item.options.count(item.answer) == 1
            for forbidden in item.meta.get("forbidden", []):
                assert forbidden == item.answer or forbidden not in item.options


def test_two_builds_are_equal(corpus: Any, built: Any) -> None:
    graph, chunks, docs = corpus
    again, _ = build_units(docs, graph, {}, lambda ids: [chunks[i] for i in ids])
    assert {d: u.as_dict() for d, u in again.items()} == {d: u.as_dict() for d, u in built[0].items()}


def test_changing_one_note_remakes_only_its_items(corpus: Any, built: Any) -> None:
    graph, chunks, docs = corpus
    units, _ = built
    doc = "note-docker-bridge-networks"
    ids = docs[doc]
    target = next(c for c in ids if "`docker network create mlnet` command creates" in chunks[c]["text"])
    changed = copy.deepcopy(chunks[target])
    changed["text"] = changed["text"].replace("with its own subnet", "with a subnet of its own")
    changed["id"] = target.rsplit(":", 1)[0] + ":changed00000"
    store = {**chunks, changed["id"]: changed}
    docs2 = {**docs, doc: [changed["id"] if c == target else c for c in ids]}
    fetched: list[str] = []

    def fetch(want: list[str]) -> list[dict[str, Any]]:
        fetched.extend(want)
        return [store[i] for i in want]

    units2, remade = build_units(docs2, graph, units, fetch)
    assert remade == [doc]
    assert set(fetched) == set(docs2[doc])  # only that note's chunks were read again
    assert all(units2[d] is units[d] for d in units if d != doc)
    before, after = {i.id for i in units[doc].items}, {i.id for i in units2[doc].items}
    assert before != after and before & after  # the changed sentence's item is new; the rest kept their ids


def test_grading_letters_text_and_short_answer_aliases(built: Any) -> None:
    items = bank_items(built[0])
    mc = next(i for i in items if i.kind == "concept")
    letter = "ABCD"[mc.options.index(mc.answer)]
    assert grade(mc, letter).correct and grade(mc, letter.lower() + ")").correct
    assert grade(mc, mc.answer.upper()).correct
    assert not grade(mc, next(o for o in mc.options if o != mc.answer)).correct
    short = next(i for i in items if i.kind == "short" and len(i.accepted) > 1)
    assert all(grade(short, a).correct for a in short.accepted)
    assert grade(short, f"it is {short.accepted[-1]}").correct
    assert not grade(short, "something else entirely").correct
    order = next(i for i in items if i.kind == "order")
    right = "".join("ABCD"[order.options.index(t)] for t in order.answer.split(", "))
    assert grade(order, right).correct and grade(order, order.answer).correct
    assert not grade(order, right[::-1]).correct


def test_a_model_written_item_is_kept_only_when_its_chunk_supports_it(corpus: Any) -> None:
    _, chunks, docs = corpus
    chunk = next(chunks[c] for c in docs["note-docker-bridge-networks"]
                 if "embedded DNS server at `127.0.0.11`" in chunks[c]["text"])
    evidence = next(s for s in chunk["text"].split("\n") if "127.0.0.11" in s)
    good = {"question": "Which address does Docker's embedded DNS server answer on?", "answer": "127.0.0.11",
            "options": ["127.0.0.11", "8.8.8.8", "172.17.0.1"], "evidence": evidence}
    item = accept_proposed(good, chunk, "docker", "sub:docker:bridge-networks")
    assert isinstance(item, Item) and item.kind == "model"
    invented = {**good, "answer": "10.0.0.2", "options": ["10.0.0.2", "8.8.8.8", "172.17.0.1"],
                "evidence": "Docker's embedded DNS server answers at 10.0.0.2 on every network."}
    assert accept_proposed(invented, chunk, "docker", "sub:docker:bridge-networks") == \
        "evidence not in the cited chunk"
    ambiguous = {**good, "options": ["127.0.0.11", "127.0.0.11 ", "8.8.8.8"]}
    assert isinstance(accept_proposed(ambiguous, chunk, "docker", "x"), str)


def test_project_files_and_lab_tasks_are_indexed_but_never_quizzed(corpus: Any, built: Any) -> None:
    """The same chunks that make items as a note make none once marked as the tutor's own file or a lab task."""
    from app.core.quiz import items_for_document

    graph, chunks, docs = corpus
    units, _ = built
    doc_id = max(units, key=lambda d: len(units[d].items))
    note = [chunks[i] for i in docs[doc_id]]
    assert items_for_document(doc_id, note, graph, "k").items
    for kind in ("project", "lab"):
        marked = [{**c, "metadata": {**c["metadata"], "kind": kind}} for c in note]
        unit = items_for_document(doc_id, marked, graph, "k")
        assert unit.items == [] and unit.rejected == {}
