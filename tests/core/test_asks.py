"""The ask index (app.core.asks): learner questions a document lists, embedded once, routing questions to it.
Fast tier: a hashing embedder and an in-memory index; the real MiniLM routing is measured by the learner eval."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from conftest import ROOT
from fakes import HashingEmbedder, MemoryIndex

from app.core.asks import OFF_ROADMAP, AskIndex
from app.core.retrieval import HybridRetriever
from app.core.text import content_terms
from app.core.tutor import Tutor
from app.infra.settings import Settings
from ingest.pipeline import read_off_roadmap, run_ingest


class CountingEmbedder(HashingEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []

    def embed(self, texts, batch_size=32, on_batch=None):
        self.texts.extend(texts)
        return super().embed(texts, batch_size, on_batch)


def test_build_embeds_each_new_question_once_and_keeps_the_rest():
    embedder = CountingEmbedder()
    first, n = AskIndex.build({"a": ["how do I undo a commit?", "how do I undo a commit?"],
                               "b": ["why is my disk full?"]}, embedder.embed, "m")
    assert n == 2 and len(first) == 2 and first.doc_ids == ["a", "b"]
    embedder.texts.clear()
    second, n = AskIndex.build({"a": ["how do I undo a commit?"], "b": ["what fills my disk?"]}, embedder.embed,
                               "m", first)
    assert n == 1 and embedder.texts == ["what fills my disk?"]
    assert np.allclose(second.vectors[0], first.vectors[0])
    # another embedding model: nothing is reused
    _, n = AskIndex.build({"a": ["how do I undo a commit?"]}, embedder.embed, "other", second)
    assert n == 1


def test_nearest_gives_each_document_once_with_its_closest_question():
    embedder = HashingEmbedder()
    index, _ = AskIndex.build({"git": ["undo last commit keep changes", "throw away local edits"],
                               "disk": ["disk full docker build fails"]}, embedder.embed, "hashing")
    hits = index.nearest(embedder.embed_query("undo last commit but keep my changes"), k=3)
    assert [h.doc_id for h in hits] == ["git", "disk"]
    assert hits[0].ask == "undo last commit keep changes" and hits[0].similarity > hits[1].similarity
    # a vector from a model of another size matches nothing rather than failing
    assert index.nearest([1.0, 0.0], k=3) == []


def test_save_and_load_round_trip_and_a_damaged_index_is_ignored(tmp_path):
    embedder = HashingEmbedder()
    index, _ = AskIndex.build({"a": ["how do I undo a commit?"]}, embedder.embed, "hashing")
    index.save(tmp_path / "asks")
    again = AskIndex.load(tmp_path / "asks")
    assert again is not None and again.texts == index.texts and again.model == "hashing"
    assert np.allclose(again.vectors, index.vectors)
    (tmp_path / "asks" / "asks.json").write_text("{not json", encoding="utf-8")
    assert AskIndex.load(tmp_path / "asks") is None
    assert AskIndex.load(tmp_path / "missing") is None


@pytest.fixture()
def world(tmp_path):
    for part in ("roadmap", "notes"):
        shutil.copytree(ROOT / "corpus" / part, tmp_path / "corpus" / part)
    (tmp_path / "corpus" / "sources.yaml").write_text("sources: []\n", encoding="utf-8")
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=tmp_path / "corpus", llm="extractive")
    return settings, MemoryIndex(), CountingEmbedder()


NOTE = """---
id: note-linux-shebang
title: "Making a script runnable"
nodes: [linux]
subtopic: "runnable scripts"
asks:
  - "my script says permission denied when I start it with ./"
  - "what does the first line with #! do"
---

## What it is

A script becomes runnable with `chmod +x deploy.sh`, and its first line, `#!/usr/bin/env bash`, names the
interpreter that runs it.
"""


def test_ingest_embeds_asks_incrementally_and_routes_a_question_to_its_note(world):
    settings, index, embedder = world
    note = settings.corpus_dir / "notes" / "linux" / "shebang.md"
    note.write_text(NOTE, encoding="utf-8")
    first = run_ingest(settings, store=index, embedder_factory=lambda: embedder)
    assert first.plan.asks_embedded > 2  # the corpus's own asks and this note's two
    assert run_ingest(settings, store=index, embedder_factory=lambda: embedder).plan.asks_embedded == 0

    note.write_text(NOTE.replace("what does the first line with #! do", "what is the hash bang line for"),
                    encoding="utf-8")
    embedder.texts.clear()
    changed = run_ingest(settings, store=index, embedder_factory=lambda: embedder)
    assert changed.plan.asks_embedded == 1 and "what is the hash bang line for" in embedder.texts

    tutor = Tutor(settings, embedder=embedder, store=index, record_turns=False)
    answer = tutor.ask("my script says permission denied when I start it with ./")
    assert answer.graph["asked"][0] == "note-linux-shebang"
    assert answer.graph["focus"] == "linux"
    assert any(p.id.startswith("note-linux-shebang") for p in answer.passages)
    assert "chmod +x" in answer.answer

    # the note is deleted: its questions leave the index with it
    note.unlink()
    run_ingest(settings, store=index, embedder_factory=lambda: embedder)
    asks = AskIndex.load(settings.asks_path)
    assert asks is not None and "note-linux-shebang" not in asks.doc_ids
    retriever = HybridRetriever(settings, index, embedder, tutor.graph)
    assert all(m.doc_id != "note-linux-shebang" for m in retriever.asked(
        embedder.embed_query("my script says permission denied when I start it with ./")))


def test_the_asks_are_a_retriever_of_their_own_but_not_for_the_learning_path(world):
    """The documents whose listed questions are nearest bring their closest passage as one more fused vote; a
    learning-path question is the graph's alone."""
    settings, index, embedder = world
    (settings.corpus_dir / "notes" / "linux" / "shebang.md").write_text(NOTE, encoding="utf-8")
    run_ingest(settings, store=index, embedder_factory=lambda: embedder)
    tutor = Tutor(settings, embedder=embedder, store=index, record_turns=False)
    retriever = HybridRetriever(settings, index, embedder, tutor.graph)
    result = retriever.retrieve("what does the first line with #! do")
    voted = [p for p in result.passages if "asks" in p.sources]
    assert voted and any(p.id.startswith("note-linux-shebang") for p in voted)
    assert not any("asks" in p.sources for p in retriever.retrieve("What comes after Linux?").passages)


def test_off_roadmap_questions_are_never_routed_to_but_say_how_near_a_question_is():
    embedder = HashingEmbedder()
    index, _ = AskIndex.build({"git": ["undo last commit keep changes"],
                               OFF_ROADMAP: ["what salary should a git expert ask for", "best sourdough recipe"]},
                              embedder.embed, "hashing")
    question = embedder.embed_query("what salary should a git expert ask for in Berlin")
    assert [h.doc_id for h in index.nearest(question, k=3)] == ["git"]
    on, off = index.scope(question)
    assert off is not None and off.ask == "what salary should a git expert ask for"
    assert off.similarity > index.nearest(question, k=1)[0].similarity == on
    only_roadmap, _ = AskIndex.build({"git": ["undo last commit keep changes"]}, embedder.embed, "hashing")
    assert only_roadmap.scope(question)[1] is None
    assert index.scope([1.0, 0.0]) == (0.0, None)  # another model's vector
    # the words only declined questions use
    assert set(content_terms("sourdough salary")) <= index.declined_terms
    assert not set(content_terms("commit changes")) & index.declined_terms  # a roadmap question says them


@pytest.mark.parametrize(("text", "count", "problem"), [
    (None, 0, ""),  # no file: no examples, nothing to report
    ('- "best sourdough recipe"\n- "cheapest flight to Porto"\n', 2, ""),
    ("- [unclosed\n", 0, "not read"),
    ("questions: [a, b]\n", 0, "not a list"),
    ('- "best sourdough recipe"\n- 42\n- {a: b}\n', 1, "2 entries are not questions"),
])
def test_a_broken_off_roadmap_file_costs_its_examples_not_the_ingest(tmp_path, text, count, problem):
    path = tmp_path / "off-roadmap.yaml"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    questions, said = read_off_roadmap(path)
    assert len(questions) == count and said.startswith(problem)


def test_ingest_embeds_the_off_roadmap_questions_and_the_tutor_declines_a_near_miss(world):
    settings, index, embedder = world
    (settings.corpus_dir / "notes" / "linux" / "shebang.md").write_text(NOTE, encoding="utf-8")
    (settings.corpus_dir / "off-roadmap.yaml").write_text(
        '- "what salary should I ask for as a Linux administrator in Berlin"\n- [broken\n', encoding="utf-8")
    first = run_ingest(settings, store=index, embedder_factory=lambda: embedder)
    assert ("off-roadmap.yaml", first.plan.notices[-1][1]) in first.plan.notices  # told, not skipped as a document
    assert not any("off-roadmap" in uri for uri, _ in first.plan.skipped)
    tutor = Tutor(settings, embedder=embedder, store=index, record_turns=False)
    kept = tutor.ask("what salary should I ask for as a Linux administrator in Berlin")
    assert kept.answer  # the file did not parse: no examples, and the question names Linux
    assert not kept.out_of_scope

    (settings.corpus_dir / "off-roadmap.yaml").write_text(
        '- "what salary should I ask for as a Linux administrator in Berlin"\n', encoding="utf-8")
    assert run_ingest(settings, store=index, embedder_factory=lambda: embedder).plan.asks_embedded == 1
    tutor = Tutor(settings, embedder=embedder, store=index, record_turns=False)
    assert tutor.ask("what salary should I ask for as a Linux administrator in Berlin?").out_of_scope
    on = tutor.ask("my script says permission denied when I start it with ./")
    assert not on.out_of_scope and "chmod +x" in on.answer
    assert not tutor.ask("What comes after Linux?").out_of_scope  # the learning path is the roadmap's

    # a word no document holds and only a declined question uses ("photoshop") turns a far question away
    (settings.corpus_dir / "off-roadmap.yaml").write_text(
        '- "how do I flatten the layers of a photoshop file"\n', encoding="utf-8")
    run_ingest(settings, store=index, embedder_factory=lambda: embedder)
    tutor = Tutor(settings, embedder=embedder, store=index, record_turns=False)
    assert tutor.ask("photoshop layers get flattened when I save, why?").out_of_scope
    assert not tutor.ask("can I flatten photoshop layers from a Linux shell script?").out_of_scope  # names Linux
    # nearer a roadmap question than the declined one, but near neither and naming no topic: the word decides
    assert tutor.ask("which caching plugin makes my photoshop batch exports run faster?").out_of_scope
