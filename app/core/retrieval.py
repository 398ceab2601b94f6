"""Graph-aware hybrid retrieval: four stages, also composed as a langchain_core runnable.

    question ─┬─ dense   (query embedding → Chroma)      ─┐
              ├─ keyword (BM25 over the same chunks)      ├─ reciprocal-rank fusion → token budget
              └─ graph   (roadmap nodes → their chunks,   ─┘
                          learning path for before/after/next questions)

``HybridRetriever.chain`` is the same stages as one LCEL runnable (embed → dense | keyword | graph → fuse) for
LangChain users, and ``app.core.langchain_retriever.RoadmapRetriever`` wraps it as a ``BaseRetriever``.
``retrieve`` calls the stages directly: the result is the same, and a one-shot `tutor ask` does not pay
~0.7 s to import langchain_core (tests/core/test_tutor.py checks both paths agree).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from app.core.asks import AskIndex, AskMatch
from app.core.graph import NodeMatch, RoadmapGraph
from app.core.intent import (
    asks_about_a_gap,
    asks_what_it_is,
    classify,
    compared_names,
    known_statements,
    states_a_claim,
    states_known,
    wants_code,
)
from app.core.text import content_terms
from app.infra.fileio import atomic_write_text
from app.infra.settings import Settings

if TYPE_CHECKING:
    from langchain_core.runnables import Runnable

    from app.infra.embed import TextEmbedder
    from app.infra.store import ChunkIndex

log = logging.getLogger("tutor")
RRF_K = 60
NODE_SIMILARITY = 0.33  # a question this close to a topic's centroid is about it (out-of-scope ones score < 0.15)
ASK_SIMILARITY = 0.65  # a question this close to one a document lists in ``asks`` is routed to that document
ASK_TOPIC_SIMILARITY = 0.5  # close enough that the note's topic is the question's topic (not its passages)
ASK_TOPIC_MARGIN = 0.05  # ... and this far ahead of every other topic's nearest question
ASK_OVER_NAME = 0.8  # a task this close to a listed one is routed there whatever topic it names
ASK_MARGIN = 0.03  # documents whose questions are this close to the best one are routed to as well
GRAPH_WEIGHT = 2.5  # a node named in the question is stronger evidence than one retriever's rank
# The documents whose listed learner questions are nearest the question, as a retriever of their own (one vote,
# like dense and keyword search): a learner's paraphrase is often nearer a note's own paraphrases than its text.
ASKS_WEIGHT = 1.0
ASKS_DOCS = 3
ASKS_FLOOR = 0.4
CONTEXT_WEIGHT = 1.0  # a topic's summary beside a specific question: worth one retriever's vote
LEARNING_PATH = frozenset({"before", "after", "next"})
_WHAT_IT_IS = re.compile(r"^what it is$", re.I)
# A glossary's entries answer "what is X?" questions only: a task, a symptom, a comparison or a claim is answered
# by the notes, and short entries would sit near any question on their words.
GLOSSARY_KIND = "glossary"
DEFINING_TYPES = frozenset({"explain", "simplify", "troubleshoot"})  # types that may ask what a thing is
_DEFINITION = re.compile(r"what it is|what .* (?:is|are)\b|overview|confusion", re.I)
_HOW_TO = re.compile(r"^how to\b", re.I)
_FAILURE = re.compile(r"\bfailures?\b|\bfix\b|\bdebug", re.I)
_CONFUSIONS = re.compile(r"\bconfusions?\b|\bmisconceptions?\b", re.I)
PLAIN_WORDS = re.compile(r"\bIn plain words\b")  # a topic note's everyday analogy, for a beginner
_PRACTICE_SECTION = re.compile(r"practi[cs]e|exercise|worked example|lab\b", re.I)
SEQUENCE_DOC = "roadmap-final-sequence"
ORDER_DOC = "roadmap-learning-order"
PROJECT_KIND = "project"  # chunks of the tutor's own files (`project:` sources, ingest/project.py)
# A question about the tutor itself names it ("this tutor", `tutor serve`, a tutor_* metric, /readyz, "... here?") ...
# ("SRE here, ..." introduces the learner: only a question that ends on "here" means this tutor.)
_NAMES_TUTOR = re.compile(
    r"\b(?:this|the|roadmap)\s+tutor\b|\btutor\s+(?:serve|ingest|eval|ask|chat|keys|prompts|graph)\b"
    r"|\btutor_[a-z_]+|(?<![\w/])/(?:readyz|healthz)\b|\bthis\s+(?:project|app|application|repo|repository|codebase)\b"
    # "reachable from this app server": the learner's machine, not this tutor
    r"(?!\s+(?:servers?|containers?|pods?|hosts?|machines?|box|vms?|instances?|nodes?|clusters?)\b)"
    r"|\bhere\s*[?.!]*\s*$", re.I)
# ... or addresses it ("how do you count tokens?", "what does your server export?"); "can you show me ..." is a
# request, not a question about the tutor.
_ADDRESSES_TUTOR = re.compile(r"\b(?:do|does|did|are|were|have|has)\s+you\b|\byour\b", re.I)


# the sections every note has, which name no subject of their own
_USUAL_SECTION = re.compile(r"^\s*(?:what it is|how to do it|worked example|common failures?(?: and fix(?:es)?)?|"
                            r"common confusions|practi[cs]e|the task|solution|hints?)\s*$", re.I)
# "and why does it matter?", "why should I care about Git?": the section that says why a topic matters
_MATTERS = re.compile(r"\bwhy\b[^?.!]{0,40}\b(?:matters?|important|care|bother|useful|needed|necessary)\b|"
                      r"\bwhy should (?:i|we)\b|\bwhat(?:'s| is) the point\b", re.I)
_WHY_SECTION = re.compile(r"(?:^|> )why\b", re.I)
SECTION_WORDS = 2  # content words a section title shares with the question to name what it asks
EXERCISES = re.compile(r"^(?:what to )?practi[cs]e\b|exercise|^lab\b", re.I)  # a note's or a lab's exercises
_ASKS_HOW = re.compile(r"\bhow (?:do|can|should|would|could) (?:i|we|you)\b|\bhow to\b", re.I)


def wanted_sections(intent: str, question: str) -> tuple[re.Pattern[str], ...]:
    """The sections of a note that answer this type of question, in order: a how-to its steps, a symptom its
    failure and fix (then its steps when the learner asks how: "CrashLoopBackOff, how do I even see why?" is
    answered by `kubectl logs --previous`), a request for practice its exercise, "show me an example" its steps
    (where its code is); none for the rest."""
    if intent == "troubleshoot":
        return (_FAILURE, _HOW_TO) if _ASKS_HOW.search(question) else (_FAILURE,)
    if intent == "practice":
        return (EXERCISES,)
    if intent == "howto" or wants_code(question):
        return (_HOW_TO,)
    if intent in ("explain", "compare") and states_a_claim(question):
        return (_CONFUSIONS,)  # "AIOps is just more alerts, isn't it?": the note's common confusions correct it
    return ()


def routed_docs(ctx: GraphContext, graph: RoadmapGraph) -> set[str]:
    """The documents the graph routed a question to: the notes that list it in ``asks``, and the documents of the
    subtopics and symptoms it names."""
    return {a.doc_id for a in ctx.asked} | {c.split(":", 1)[0] for m in ctx.nodes
                                             if graph.kind(m.node) in {"subtopic", "symptom"}
                                             for c in graph.chunks_for(m.node)}


def about_tutor(text: str) -> str | None:
    """"named" when the question names the tutor, "addressed" when it asks the tutor about itself, else None.

    The tutor's own operational files are teaching material only for such questions: for any other question
    they are left out, so "how do I write a Dockerfile?" is answered from the Docker notes and never from
    deploy/Dockerfile. A question that names the tutor also gets its own files' closest passages at the graph's
    full weight (like a routed note); one that only addresses it lets them compete at an ordinary weight."""
    if _NAMES_TUTOR.search(text):
        return "named"
    if _ADDRESSES_TUTOR.search(text):
        return "addressed"
    return None


# words after which a named topic is where the learner wants to go, not what they know
GOAL_WORDS = (" to ", " into ", "reach", "get to", "between", "toward", "until", "far from", "how far", "away from",
              "ready for", "before i", "move on to", "start on", "missing", "need for", "needed for", "required for")
_SENTENCES = re.compile(r"(?<=[.?!;])\s+|\n+")
_CLAUSE_END = re.compile(r"[,;:]|\bbut\b|\bthough\b")
# "never touched linux", "zero ml", "no sql yet": named in the sentence about what they know, but not known; so is
# each topic of a list that follows ("never touched git or SQL"); in a gap question, what is left out ("skip it")
_DENIED = re.compile(r"\b(?:never|not|no|zero|don'?t|do not|didn'?t|did not|haven'?t|have not|without|new to|"
                     r"except|skip\w*|little|nothing (?:about|of))\s+(?:\w+\s+){0,2}"
                     r"(?:[\w.+#-]+,?\s+(?:or|and|nor)\s+|[\w.+#-]+,\s+)*$")


@dataclass
class Passage:
    id: str
    text: str
    metadata: dict[str, Any]
    score: float = 0.0
    sources: list[str] = field(default_factory=list)  # which retrievers found it

    @property
    def tokens(self) -> int:
        return int(self.metadata.get("tokens", len(self.text) // 4))


@dataclass
class GraphContext:
    nodes: list[NodeMatch] = field(default_factory=list)
    intent: str = "explain"  # the question's type (app.core.intent.classify)
    path: list[str] = field(default_factory=list)
    focus: str | None = None  # the main topic or tier
    target: str | None = None  # the node an after/next question leads to
    symptoms: list[tuple[str, list[str]]] = field(default_factory=list)
    asked: list[AskMatch] = field(default_factory=list)  # documents that list a question like this one
    about_tutor: str | None = None  # "named" | "addressed": the question is about this tutor (about_tutor)
    gaps: list[str] = field(default_factory=list)  # topics the learner lacks or would skip, before ``target``
    compared: list[str] = field(default_factory=list)  # what a comparison sets side by side (intent.compared_names)

    def as_dict(self, graph: RoadmapGraph) -> dict[str, Any]:
        return {"nodes": [m.node for m in self.nodes], "intent": self.intent, "focus": self.focus,
                "target": self.target, "path": self.path, "asked": [a.doc_id for a in self.asked], "gaps": self.gaps,
                "titles": {n: graph.title(n) for n in {*(m.node for m in self.nodes), *self.path,
                                                       *(x for x in (self.focus, self.target) if x)}}}


@dataclass
class RetrievalResult:
    query: str
    passages: list[Passage]
    graph: GraphContext
    best_dense_similarity: float
    timings_ms: dict[str, float]
    vector: list[float] = field(default_factory=list, repr=False)
    best_keyword_score: float = 0.0  # the top BM25 score: how much of the question's vocabulary the corpus holds


class KeywordIndex:
    """BM25 over every chunk (title + section + text), rebuilt when the collection changes.

    bm25s keeps the index as sparse matrices, so a query costs ~1 ms at 50k chunks where a
    per-document Python loop (rank-bm25) cost ~75 ms (bench/RESULTS.md).

    The tutor's own files (``kind: project``) get a BM25 index of their own: in the same one they would change
    every word's weight (IDF) for every learner question, which they are never used for (``about_tutor``).
    """

    FORMAT = "kw4"  # part of the on-disk key: bump when what is indexed, or how, changes

    def __init__(self, chunks: list[dict[str, Any]], bm25: Any = None, project_bm25: Any = None) -> None:
        self.by_id = {c["id"]: c for c in chunks}
        self.chunks = [c for c in chunks if c["metadata"].get("kind") != PROJECT_KIND]
        self.project_chunks = [c for c in chunks if c["metadata"].get("kind") == PROJECT_KIND]
        self.project_ids = [c["id"] for c in self.project_chunks]
        self.bm25 = bm25 if bm25 is not None else self._build(self.chunks)
        self.project_bm25 = project_bm25 if project_bm25 is not None or not self.project_chunks else \
            self._build(self.project_chunks)

    @staticmethod
    def _build(chunks: list[dict[str, Any]]) -> Any:
        import bm25s

        corpus = [content_terms(f"{c['metadata'].get('title', '')} {c['metadata'].get('section', '')} "
                                f"{c['text']}") or ["empty"] for c in chunks]
        bm25 = bm25s.BM25()
        if chunks:
            bm25.index(corpus, show_progress=False)
        return bm25

    # A one-shot `tutor ask` would rebuild the index from every chunk (~0.4 s); it is kept on disk instead, next
    # to the manifest it was built for, and rebuilt when the manifest or the chunk count differs.
    @staticmethod
    def _key(manifest: Path, count: int) -> str:
        digest = hashlib.sha256(manifest.read_bytes()).hexdigest() if manifest.exists() else "none"
        return f"{KeywordIndex.FORMAT}:{digest}:{count}"

    @classmethod
    def load(cls, folder: Path, manifest: Path, count: int) -> KeywordIndex | None:
        import bm25s

        try:
            meta = json.loads((folder / "chunks.json").read_text(encoding="utf-8"))
            if meta.get("key") != cls._key(manifest, count) or not meta["chunks"]:
                return None
            project = folder / "bm25-project"
            return cls(meta["chunks"], bm25s.BM25.load(str(folder / "bm25"), show_progress=False),
                       bm25s.BM25.load(str(project), show_progress=False) if project.exists() else None)
        except (OSError, ValueError, KeyError):
            return None

    def save(self, folder: Path, manifest: Path, count: int) -> None:
        """Best effort: a read-only data dir just means rebuilding next time."""
        try:
            tmp = Path(tempfile.mkdtemp(prefix=".keyword-", dir=folder.parent))
            self.bm25.save(str(tmp / "bm25"), show_progress=False)
            if self.project_bm25 is not None:
                self.project_bm25.save(str(tmp / "bm25-project"), show_progress=False)
            atomic_write_text(tmp / "chunks.json", json.dumps({"key": self._key(manifest, count),
                                                                "chunks": self.chunks + self.project_chunks}))
            shutil.rmtree(folder, ignore_errors=True)
            os.replace(tmp, folder)
        except OSError as exc:
            log.debug("keyword index not saved in %s: %s", folder, exc)

    def _parts(self, project: bool) -> list[tuple[list[dict[str, Any]], Any]]:
        parts = [(self.chunks, self.bm25)]
        return parts + [(self.project_chunks, self.project_bm25)] if project and self.project_chunks else parts

    def scores(self, terms: list[str], project: bool = False) -> dict[str, float]:
        """BM25 score of every chunk that shares a term with the question (and of the tutor's own files with
        ``project``)."""
        out: dict[str, float] = {}
        for chunks, bm25 in self._parts(project):
            scores = bm25.get_scores(terms) if terms and chunks else []
            out.update({chunks[i]["id"]: float(scores[i]) for i in np.flatnonzero(scores)})
        return out

    def search(self, query: str, k: int, project: bool = False) -> list[tuple[str, float]]:
        terms = content_terms(query)
        hits: list[tuple[str, float]] = []
        for chunks, bm25 in self._parts(project):
            if not terms or not chunks:
                continue
            scores = bm25.get_scores(terms)
            n = min(k, len(scores))
            top = np.argpartition(-scores, n - 1)[:n]
            hits += [(chunks[i]["id"], float(scores[i])) for i in top if scores[i] > 0]
        return sorted(hits, key=lambda h: -h[1])[:k]


@dataclass(frozen=True)
class _NotesRead:
    """What the retriever reads once from a keyword index's notes."""
    glossary: frozenset[str]  # the glossaries' chunks, one term each
    headed: dict[frozenset[str], list[str]]  # a heading's name, as content terms -> the chunks under it
    headings: frozenset[frozenset[str]]  # every note's title and section heading, as content terms


class HybridRetriever:
    def __init__(self, settings: Settings, store: ChunkIndex, embedder: TextEmbedder, graph: RoadmapGraph) -> None:
        self.settings = settings
        self.store = store
        self.embedder = embedder
        self.graph = graph
        self._keyword: KeywordIndex | None = None
        self._keyword_count = -1
        self._node_vectors: dict[str, list[float]] | None = None
        self._notes: tuple[KeywordIndex | None, _NotesRead] = (None, _NotesRead(frozenset(), {}, frozenset()))
        self._asks: tuple[float, AskIndex | None] = (-1.0, None)
        self._lock = threading.Lock()

    @property
    def chain(self) -> Runnable[dict[str, Any], RetrievalResult]:
        """The stages as one LCEL runnable, built on first use."""
        from langchain_core.runnables import RunnableLambda, RunnableParallel

        return (RunnableLambda(self._embed)
                | RunnableParallel(dense=RunnableLambda(self._dense), keyword=RunnableLambda(self._keyword_search),
                                   graph=RunnableLambda(self.graph_stage), request=RunnableLambda(lambda r: r))
                | RunnableLambda(self._fuse))

    # --- stages ------------------------------------------------------------------------------------

    def _embed(self, request: dict[str, Any]) -> dict[str, Any]:
        t0 = time.perf_counter()
        request["vector"] = self.embedder.embed_query(request["query"])
        request["timings"] = {"embed": (time.perf_counter() - t0) * 1000}
        return request

    def _dense(self, request: dict[str, Any]) -> list[dict[str, Any]]:
        t0 = time.perf_counter()
        hits = self._dense_hits(request["vector"], int(request.get("k_search", 12)), bool(request.get("about_tutor")))
        request["timings"]["dense"] = (time.perf_counter() - t0) * 1000
        return list(hits)

    def keyword_index(self) -> KeywordIndex:
        with self._lock:
            count = self.store.count()
            if self._keyword is None or count != self._keyword_count:
                folder, manifest = self.settings.data_dir / "keyword-index", self.settings.manifest_path
                self._keyword = KeywordIndex.load(folder, manifest, count)
                if self._keyword is None:
                    self._keyword = KeywordIndex(self.store.all_chunks())
                    if manifest.exists():
                        self._keyword.save(folder, manifest, count)
                self._keyword_count = count
            return self._keyword

    def _keyword_search(self, request: dict[str, Any]) -> list[tuple[str, float]]:
        t0 = time.perf_counter()
        hits = self.keyword_index().search(request["query"], k=request.get("k_search", 12),
                                           project=bool(request.get("about_tutor")))
        request["timings"]["keyword"] = (time.perf_counter() - t0) * 1000
        return hits

    def _dense_hits(self, vector: list[float], k: int, about_tutor: bool) -> list[dict[str, Any]]:
        """The ``k`` nearest chunks; for a question not about the tutor, the ``k`` nearest once its own files are left
        out (``_fuse``): the candidates an index without them would give. The store has no metadata filter,
        so twice as many are fetched, and all the tutor's files more only when they crowd those out (questions about
        LLMs and RAG, where they sit closest)."""
        own = self.keyword_index().project_ids
        if not own or about_tutor:
            return list(self.store.query(vector, k=k))
        hits = list(self.store.query(vector, k=2 * k))
        if sum(h["metadata"].get("kind") != PROJECT_KIND for h in hits) < k and len(hits) == 2 * k:
            hits = list(self.store.query(vector, k=k + len(own)))
        return hits

    def node_vectors(self) -> dict[str, list[float]]:
        """One vector per topic: the centroid of the embeddings of the roadmap's and the notes' chunks about it (the
        words a learner uses are in those texts far more than in a topic's name). Not per tier: a tier's centroid,
        the mean of its topics', sat nearer a story about a bad rollout than any one topic, and answered it with the
        learning order; a tier is asked about by name."""
        glossary = self.glossary_ids()  # its own terms, not the topic's material (and it takes the lock)
        with self._lock:
            if self._node_vectors is None:
                g = self.graph
                vectors: dict[str, list[float]] = {}
                for topic in g.topics():
                    ids = [c for c in g.chunks_for(topic) if c.startswith(("roadmap-", "note-")) and c not in glossary]
                    stored = self.store.embeddings(ids) if ids else []
                    centroid = _mean(stored) if stored else self.embedder.embed_query(g.describe(topic))
                    vectors[topic] = _normalise(centroid)
                self._node_vectors = vectors
            return self._node_vectors

    def ask_index(self) -> AskIndex | None:
        """The learner questions the documents answer (``app.core.asks``), reloaded after a re-ingest."""
        folder = self.settings.asks_path
        try:
            stamp = (folder / "asks.json").stat().st_mtime
        except OSError:
            return None
        with self._lock:
            if self._asks[0] != stamp:
                self._asks = (stamp, AskIndex.load(folder))
            return self._asks[1]

    def asked(self, vector: list[float] | None, floor: float = ASK_SIMILARITY) -> list[AskMatch]:
        """The documents that list a question close to this one, best first (those near the best one too)."""
        index = self.ask_index()
        if vector is None or index is None:
            return []
        matches = [m for m in index.nearest(vector, 3) if m.similarity >= floor]
        return [m for m in matches if m.similarity >= matches[0].similarity - ASK_MARGIN]

    def nearest_nodes(self, vector: list[float], k: int = 3) -> list[tuple[str, float]]:
        sims = [(n, sum(a * b for a, b in zip(vector, v, strict=True))) for n, v in self.node_vectors().items()]
        return sorted(sims, key=lambda x: -x[1])[:k]

    def analyse(self, query: str, vector: list[float] | None, focus: list[str], known: list[str],
                question: str | None = None) -> GraphContext:
        g = self.graph
        ctx = GraphContext(nodes=g.match_names(query), intent=classify(question or query), asked=self.asked(vector),
                           about_tutor=about_tutor(question or query) or about_tutor(query))
        if not ctx.nodes and focus:
            ctx.nodes = [NodeMatch(n, 0.85, "conversation") for n in focus if n in g.g]
        named_topics = {g.topic_of(m.node) for m in ctx.nodes if m.how in {"name", "alias"}}
        if ctx.intent in LEARNING_PATH or any(m.how == "conversation" for m in ctx.nodes):
            ctx.asked = []  # a path question is answered by the graph; a follow-up leans on the conversation
        elif named_topics:
            # A question that names a topic and asks to explain it ("why does Linux matter?") is the roadmap's to
            # answer. A task is still answered by a note that lists it when the note is on a named topic ("from
            # the command line" names Linux, "IP" Networking, and the DNS note lists "which IP address does a
            # hostname point to?"), or when the learner asked it nearly word for word.
            # A topic named only by an alias ("database", "container", "api") is named in passing more often: its
            # explain questions keep the notes that list them on that topic.
            by_name = any(m.how == "name" for m in ctx.nodes)
            ctx.asked = [] if ctx.intent == "explain" and by_name else [
                a for a in ctx.asked if a.similarity >= ASK_OVER_NAME
                or g.topic_of(g.subject_of(a.doc_id) or "") in named_topics]
        if ctx.asked:
            # "how do I stop a rebuild reinstalling everything?" names nothing, but a note lists that question
            subjects = [(s, a.similarity) for a in ctx.asked if (s := g.subject_of(a.doc_id))]
            ctx.nodes = [NodeMatch(s, sim, "asked") for s, sim in dict(reversed(subjects)).items()
                         ][::-1] + [m for m in ctx.nodes if m.node not in dict(subjects)]
        if not ctx.nodes and vector is not None:
            # Nothing names the subject: the topic of the note whose questions are nearest says more than the
            # topics' centroids ("run several copies of my server" is Kubernetes, not MLOps), when one is near.
            near = self.asked(vector, ASK_TOPIC_SIMILARITY)[:1]
            topic = self._clear_topic(vector) if near else None
            if near and topic:
                ctx.nodes = [NodeMatch(topic, near[0].similarity, "embedding")]
            else:
                node, sim = self.nearest_nodes(vector, 1)[0]
                if sim >= NODE_SIMILARITY:
                    ctx.nodes = [NodeMatch(node, sim, "embedding")]
        main = next((m.node for m in ctx.nodes if g.kind(m.node) in {"topic", "tier"}), None)
        if main is None:
            main = next((t for m in ctx.nodes if (t := g.topic_of(m.node))), None)
        ctx.symptoms = g.symptom_topics(question or query)
        named_topic = any(m.how in {"name", "alias"} for m in ctx.nodes)
        if ctx.symptoms and ctx.symptoms[0][1] and (main is None or not named_topic):
            # "model registry unreachable" is a networking failure, whatever a note's word "registry" suggests
            main = ctx.symptoms[0][1][0]
        ctx.focus = main
        named = [m.node for m in ctx.nodes if g.kind(m.node) == "topic" and m.how != "embedding"]
        if ctx.intent == "before":
            if main and g.kind(main) == "topic":
                ctx.path = g.path_to(main)
            else:
                ctx.intent = "explain"
        elif ctx.intent == "next":
            # "I know Docker, what stands between me and LLMOps?": the named topics the learner says they know
            # are known; a named topic they do not claim is the goal.
            claimed = self.known_of(query, question or query, named)
            goal = self.goal_of(query, [t for t in named if t not in claimed])
            self._next(ctx, list(known) + claimed, goal)
        elif ctx.intent == "explain" and asks_about_a_gap(question or query) and (in_words := [
                m.node for m in ctx.nodes if g.kind(m.node) == "topic" and m.how in {"name", "alias"}]):
            self._gaps(ctx, query, question or query, in_words)
        elif ctx.intent == "after":
            if main:
                ctx.target = g.after(main)
                if ctx.target and g.kind(ctx.target) == "topic":
                    ctx.path = [main, ctx.target]
            else:
                self._next(ctx, list(known), None)
        elif ctx.intent == "compare":
            ctx.compared = compared_names(question or query)
        return ctx

    def _gaps(self, ctx: GraphContext, query: str, question: str, named: list[str]) -> None:
        """"I know Python, Linux and Docker but never touched git or SQL, is that a problem?": the topics named as
        left out ("never touched", "skip", "do I need") and not claimed as known that come before the furthest one
        named (Git and SQL before Docker) are the gaps. "solid on sql and rest apis … what can i skip" names none."""
        g = self.graph
        claimed = self.known_of(query, question, named)
        order = g.topics()
        furthest = max(named, key=order.index)
        gaps = sorted((t for t in named if t not in claimed and order.index(t) < order.index(furthest)
                       and self._left_out(query, t)), key=order.index)
        if not gaps and len(named) == 1 and furthest not in claimed and self._left_out(query, furthest, need=False):
            ctx.gaps, ctx.focus = [furthest], furthest  # "can I skip networking?" (not "do I need docker for this?")
        elif gaps:
            ctx.gaps, ctx.focus, ctx.target = gaps, gaps[0], furthest

    def known_of(self, query: str, question: str, named: list[str]) -> list[str]:
        """The named topics the learner says they know: in the sentence that says so, and not denied there ("never
        touched linux"), else named before the goal words; the topics of another sentence are the options they ask
        about ("kubernetes next or cloud first?")."""
        if not states_known(question):
            return []
        stated = [t for t in named if self.claimed_in_sentence(query, t)]
        return stated or [t for t in named if self.claimed(query, t)]

    def _left_out(self, query: str, topic: str, need: bool = True) -> bool:
        """Whether the clause that names ``topic`` says it is left out: "never touched git or SQL", "can I skip
        networking", and with ``need`` (beside a later topic: "… if all I want is LLMOps") "do I really need the SQL
        part"; alone, "do I need docker for this?" asks about Docker."""
        text = query.lower()
        at = self._first_mention(text, topic)
        clause = _CLAUSE_END.split(_SENTENCES.split(text[:at])[-1])[-1] if at >= 0 else ""
        return bool(_DENIED.search(clause) or (need and re.search(r"\bneed\b", clause)))

    def _clear_topic(self, vector: list[float]) -> str | None:
        """The topic of the nearest note's questions, when no other topic's questions are nearly as close
        ("how can I tell when my service is misbehaving?" is as near Linux's logs as Monitoring's: no clear one)."""
        index = self.ask_index()
        if index is None:
            return None
        g = self.graph
        best: dict[str, float] = {}
        for match in index.nearest(vector, 8):
            subject = g.subject_of(match.doc_id)
            topic = g.topic_of(subject) if subject else None
            if topic and topic not in best:
                best[topic] = match.similarity
        ranked = sorted(best.items(), key=lambda t: -t[1])
        if not ranked or ranked[0][1] < ASK_TOPIC_SIMILARITY:
            return None
        if len(ranked) > 1 and ranked[0][1] - ranked[1][1] < ASK_TOPIC_MARGIN:
            return None
        return ranked[0][0]

    def _names_of(self, topic: str) -> tuple[list[str], list[str]]:
        """How a learner names ``topic``: its title, id and aliases; and the terms of its subtopics ("terraform")."""
        g = self.graph.g
        names = [self.graph.title(topic).lower(), topic, *[a.lower() for a in g.nodes[topic]["aliases"]]]
        terms = [a.lower() for _, d in g.nodes(data=True) if d.get("kind") == "subtopic" and d.get("topic") == topic
                 for a in d.get("aliases", [])]
        return names, terms

    def claimed(self, query: str, topic: str) -> bool:
        """Whether the learner says they know ``topic`` (it is named before the goal words, not after them), by
        its name, an alias or a term of one of its subtopics ("terraform, k8s" claims Cloud and Kubernetes)."""
        text = query.lower()
        where = self._first_mention(text, topic)
        goal = min((i for w in GOAL_WORDS if (i := text.find(w)) >= 0), default=len(text))
        return 0 <= where < goal

    def _first_mention(self, text: str, topic: str) -> int:
        """Where ``text`` (lower case) first names ``topic``, by its name, an alias or a subtopic's term; -1 if not."""
        names, terms = self._names_of(topic)  # as whole words: "ip" is not in "skip"
        return min((m.start() for t in [*names, *terms] if (m := re.search(rf"(?<!\w){re.escape(t)}(?!\w)", text))),
                   default=-1)

    def goal_of(self, query: str, topics: list[str]) -> str | None:
        """The topic the learner wants to reach: the first named after a goal word ("what do I have to pick up to
        move into MLOps?"), else the last named ("SQL all day, some pandas" names Python before the goal)."""
        text = query.lower()
        at = {t: i for t in topics if (i := self._first_mention(text, t)) >= 0}
        if not at:
            return topics[-1] if topics else None
        goal = min((i for w in GOAL_WORDS if (i := text.find(w)) >= 0), default=len(text))
        after = sorted((i, t) for t, i in at.items() if i > goal)
        return after[0][1] if after else max((i, t) for t, i in at.items())[1]

    def claimed_in_sentence(self, query: str, topic: str) -> bool:
        """``topic`` is named after a statement of what the learner knows, in the same sentence, with no goal
        word in between ("am I ready for AIOps if all I know is Grafana") and not denied ("never touched linux");
        by its name, an alias or a term of one of its subtopics."""
        names, terms = self._names_of(topic)
        for sentence in _SENTENCES.split(query):
            text, knows = known_statements(sentence)
            if not knows:
                continue
            goals = [m.end() for w in GOAL_WORDS for m in re.finditer(re.escape(w), text)]
            for name in names + terms:
                for m in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", text):
                    said = max((e for e in knows if e <= m.start()), default=-1)
                    if said > max((e for e in goals if e <= m.start()), default=-1) and \
                            not _DENIED.search(_CLAUSE_END.split(text[:m.start()])[-1]):
                        return True
        return False

    def _next(self, ctx: GraphContext, known: list[str], goal: str | None) -> None:
        g = self.graph
        ctx.intent = "next"
        # knowing Docker means having been through what Docker builds on
        known_set = set(known) | {p for t in known if t in g.g and g.kind(t) == "topic" for p in g.prerequisites(t)}
        if goal is not None and goal not in known:
            # the steps still missing on the way to the goal, in order; a goal the learner asks about is not known
            # because a later topic builds on it ("I know Docker and a bit of AWS, how far am I from Kubernetes?")
            ctx.path = [t for t in g.path_to(goal) if t not in known_set or t == goal]
            ctx.target = ctx.path[0] if ctx.path else None
            ctx.focus = goal
            return
        ready = [r["topic"] for r in g.next_topics(known_set) if r["ready"]]
        ctx.target = ready[0] if ready else None
        ctx.path = [t for t in g.topics() if t not in known_set]

    def _meta(self, cid: str) -> dict[str, Any]:
        """A chunk's metadata (its section, index, nodes), or nothing for an unknown id. From the index this
        question's keyword search loaded: `keyword_index` asks the store whether it changed, and a retrieval reads
        some hundred chunks' metadata."""
        index = self._keyword or self.keyword_index()
        return dict(index.by_id.get(cid, {}).get("metadata", {}))

    def _tier_chunks(self, topic: str) -> list[str]:
        """The learning order's passage on the tier that holds ``topic``."""
        g = self.graph
        for tier in g.tiers():
            if topic in g.topics_in_tier(tier):
                title = g.title(tier).lower()
                return [c for c in self._doc_chunks(ORDER_DOC)
                        if title in str(self._meta(c).get("section", "")).lower()][:1]
        return []

    @staticmethod
    def _best_chunks(ids: list[str], scores: dict[str, float], n: int) -> list[str]:
        """The ``n`` chunks of ``ids`` that share most with the question (their BM25 scores)."""
        return sorted(ids, key=lambda c: -scores.get(c, 0.0))[:n]

    def _opening(self, cid: str) -> bool:
        """The chunk is a note's opening, before its first section (its section is the note's title)."""
        meta = self._meta(cid)
        return meta.get("kind") == "note" and int(meta.get("index", -1)) == 0 \
            and meta.get("section") == meta.get("title")

    def _topic_opening(self, node: str, chunks: list[str]) -> list[str]:
        """The opening of ``node``'s own note among ``chunks``: the sentence saying what the topic is."""
        return [c for c in chunks if self._opening(c) and self.graph.subject_of(c.split(":", 1)[0]) == node]

    def _definition_chunks(self, ids: list[str]) -> list[str]:
        """The chunks of notes' "What it is" sections among ``ids``, each note's first first."""
        return sorted((c for c in ids if c.startswith("note-")
                       and _WHAT_IT_IS.search(str(self._meta(c).get("section", "")))),
                      key=lambda c: int(self._meta(c).get("index", 0)))

    def _notes_read(self) -> _NotesRead:
        """The glossaries' chunks and the notes' headings, read once per keyword index."""
        index = self.keyword_index()
        if self._notes[0] is not index:
            glossary: set[str] = set()
            headed: dict[frozenset[str], list[str]] = {}
            headings: set[frozenset[str]] = set()
            for cid, record in index.by_id.items():
                meta = record.get("metadata", {})
                if meta.get("kind") == GLOSSARY_KIND:
                    glossary.add(cid)
                if meta.get("kind") in {"note", GLOSSARY_KIND}:
                    heading = str(meta.get("section", "")).split(" > ")[-1]
                    headings |= {frozenset(content_terms(heading)), frozenset(content_terms(str(meta.get("title"))))}
                    for name in {heading, *re.findall(r"\(([^)]+)\)", heading), re.sub(r"\s*\(.*?\)", "", heading)}:
                        if terms := frozenset(content_terms(name)):
                            headed.setdefault(terms, []).append(cid)
            self._notes = (index, _NotesRead(frozenset(glossary), headed, frozenset(headings)))
        return self._notes[1]

    def glossary_ids(self) -> frozenset[str]:
        """The chunks of the glossaries (one term each)."""
        return self._notes_read().glossary

    def _headed(self, thing: str) -> list[str]:
        """The notes' chunks whose own heading is ``thing`` ("## Primary key" for "what's a primary key?"): a
        glossary's entry, or a note's section on it."""
        return self._notes_read().headed.get(frozenset(content_terms(thing)), [])

    def _compared_by_a_note(self, names: list[str]) -> bool:
        """A note, or a note's section, is headed with every one of ``names`` ("REST vs gRPC", "Images vs
        containers"): it answers the comparison better than each side's glossary entry."""
        sides = [set(content_terms(name)) for name in names]
        return any(all(side <= heading for side in sides) for heading in self._notes_read().headings)

    def _entry(self, thing: str, topics: set[str | None], vector: list[float] | None,
               scores: dict[str, float]) -> list[str]:
        """The chunk headed with ``thing`` (a glossary's entry, or a note's section on it), of one of ``topics`` if
        several are; "a kubernetes service" is looked up as "service" of Kubernetes."""
        rest, its_topic = self.graph.without_topic(thing)
        headed = self._headed(thing) or [c for c in self._headed(rest) if its_topic is not None
                                         and f",{its_topic}," in str(self._meta(c).get("nodes", ""))]
        on_topic = [c for c in headed if any(f",{t}," in str(self._meta(c).get("nodes", "")) for t in topics)]
        return self._closest_chunks(on_topic or headed, vector, scores, 1) if headed else []

    def _doc_chunks(self, doc_id: str) -> list[str]:
        return list(self.graph.g.nodes.get(f"doc:{doc_id}", {}).get("chunks", []))

    def _closest_chunks(self, ids: list[str], vector: list[float] | None, scores: dict[str, float],
                        n: int) -> list[str]:
        """The ``n`` chunks of ``ids`` nearest the question: embedding similarity, with the shared words
        (BM25, scaled to the best of these chunks) as a smaller second vote."""
        # a note's opening sentence says what its topic is; it answers "what is X?" (brought for that), and would
        # otherwise be nearest every question on the topic, being its summary
        ids = [c for c in ids if not self._opening(c)] or ids
        if not ids or vector is None:
            return self._best_chunks(ids, scores, n)
        stored = self.store.embeddings(ids)
        if len(stored) != len(ids):
            return self._best_chunks(ids, scores, n)
        sims = np.asarray(stored, dtype=float) @ np.asarray(vector, dtype=float)
        top = max((scores.get(c, 0.0) for c in ids), default=0.0) or 1.0
        ranked = sorted(range(len(ids)), key=lambda i: -(sims[i] + 0.25 * scores.get(ids[i], 0.0) / top))
        return [ids[i] for i in ranked[:n]]

    def graph_stage(self, request: dict[str, Any]) -> dict[str, Any]:
        """The graph stage alone (public for the benchmarks): the question's nodes, intent and the chunks the
        graph says answer it, each with a weight for the fusion.

        A subtopic or symptom the question names brings its own note's best passages at full weight; a topic
        brings the roadmap's words about it, at full weight for a learning-path question and as context
        (one retriever's worth) otherwise, so the passage that answers is not drowned by the topic's summary."""
        t0 = time.perf_counter()
        query = request["query"]
        ctx = self.analyse(query, request["vector"], request.get("focus", []), request.get("known", []),
                           request.get("question"))
        g = self.graph
        path_question = ctx.intent in LEARNING_PATH
        scores = self.keyword_index().scores(content_terms(query), project=bool(ctx.about_tutor))
        weights: dict[str, float] = {}

        def want(ids: list[str], weight: float) -> None:
            for cid in ids:
                weights.setdefault(cid, weight)

        own = self.keyword_index().project_ids
        if ctx.about_tutor == "named":
            # "what does /readyz check in this tutor?": the tutor's own files closest to the question
            want(self._closest_chunks(own, request["vector"], scores, 2), GRAPH_WEIGHT)
        # a topic's material is its roadmap section and notes; its glossary is looked up by term (``_headed``)
        skip = (set() if ctx.about_tutor else set(own)) | self.glossary_ids()

        def chunks_of(node: str) -> list[str]:
            """The node's chunks, without the tutor's own files unless the question is about the tutor."""
            return [c for c in g.chunks_for(node) if c not in skip]
        if ctx.gaps:
            # "is it a problem that I never touched git?": the sequence, and the gaps' own words and tier
            want(self._doc_chunks(SEQUENCE_DOC)[:1], GRAPH_WEIGHT)
            for gap in ctx.gaps[:2]:
                own_words = sorted((c for c in chunks_of(gap) if c.startswith("roadmap-")),
                                   key=lambda c: int(self._meta(c).get("index", 0)))
                want(own_words[:1] + self._tier_chunks(gap), GRAPH_WEIGHT)
        if path_question:
            doc = ORDER_DOC if any(g.kind(m.node) == "tier" for m in ctx.nodes) else SEQUENCE_DOC
            want(self._doc_chunks(doc)[:1], GRAPH_WEIGHT)
            if ctx.intent == "next" and ctx.target and ctx.path[1:]:
                # why the next step's layer comes now ("Tier 1 ... should come first"); not when the next step is
                # the goal itself: its own words say more
                want(self._tier_chunks(ctx.target), GRAPH_WEIGHT)
        # "networking" names the Networking topic; Cloud's subtopic of the same name is not what was asked
        named = {g.title(m.node).lower() for m in ctx.nodes if g.kind(m.node) == "topic" and m.how in {"name", "alias"}}
        shadowed = {m.node for m in ctx.nodes if g.kind(m.node) == "subtopic" and g.title(m.node).lower() in named}
        via_shadowed = {g.topic_of(n) for n in shadowed}
        specific = [m.node for m in ctx.nodes if g.kind(m.node) in {"subtopic", "symptom"} and m.node not in shadowed]
        specific += [n for n, _ in ctx.symptoms[:2]]
        if ctx.intent == "next" and ctx.path:
            # "comfortable with docker compose, how big a jump is kubernetes?": Compose is behind the learner
            specific = [n for n in specific if g.topic_of(n) in {ctx.target, *ctx.path}]
        thing = asks_what_it_is(request.get("question") or query) if ctx.intent in DEFINING_TYPES else None
        # "what is k8s?" names a topic; "what is RAG?" names LLMOps too, but its glossary has the term itself
        defined_topic = g.named_by(thing) if thing is not None and not self._headed(thing) else None
        if defined_topic is not None:
            specific = []  # "what is k8s?" names the topic and nothing else: a learner's question near it is not it
        for match in ([] if defined_topic is not None else ctx.asked):
            # the document that lists the learner's question: its passages closest to the question
            want(self._closest_chunks(self._doc_chunks(match.doc_id), request["vector"], scores, 2), GRAPH_WEIGHT)
        for node in dict.fromkeys(specific):
            if ctx.intent == "simplify":  # "ELI5 cron": what it is, from its own note, before how it goes wrong
                want(self._definition_chunks(chunks_of(node))[:1], GRAPH_WEIGHT)
            want(self._best_chunks(chunks_of(node), scores, 2), GRAPH_WEIGHT)
        if ctx.intent == "explain" and ctx.focus and _MATTERS.search(request.get("question") or query):
            # "and why does it matter?" after images vs containers: the topic's own words on why it matters
            why = [c for c in chunks_of(g.topic_of(ctx.focus) or ctx.focus)
                   if _WHY_SECTION.search(str(self._meta(c).get("section", "")))]
            want(self._best_chunks(why, scores, 1), GRAPH_WEIGHT)
        # "what is Kubernetes?": the opening of its note, which says what it is; "what's a primary key?": the
        # section headed with it (a glossary's entry), of the question's topic if several are
        opening: list[str] = []
        sides: list[str] = []
        topics_asked = {m.node for m in ctx.nodes if g.kind(m.node) == "topic"} | {ctx.focus}
        if thing is not None and defined_topic is None:
            opening += self._entry(thing, topics_asked, request["vector"], scores)
        if ctx.intent == "compare":
            # "image vs container": what each side is, from the entry headed with it ("## Image", "## Container"),
            # unless a note compares them ("REST vs gRPC")
            for name in [] if self._compared_by_a_note(ctx.compared) else ctx.compared:
                sides += self._entry(name, topics_asked, request["vector"], scores)
        # a question about a topic as a whole, in its own name, is answered by the roadmap's words on it
        # ("what does this tutor's Docker image bake in?" is about the tutor's image, not Docker as a whole)
        about_topic = not specific and ctx.intent == "explain" and ctx.about_tutor != "named" and any(
            m.how in {"name", "alias"} for m in ctx.nodes)
        topics = [m.node for m in ctx.nodes[:3] if g.kind(m.node) in {"topic", "tier"}
                  and not (m.how == "subtopic" and m.node in via_shadowed)]
        if ctx.focus:
            topics.insert(0, ctx.focus)
        if ctx.target:
            topics.append(ctx.target)
        if path_question:
            topics.extend(ctx.path[:4])
        # "I know Python and Git, what next?": the steps ahead first; a topic the learner has behind them is context
        ahead = {ctx.target, *ctx.path} if ctx.intent == "next" else set(topics)
        topics = [t for t in topics if t in ahead] + [t for t in topics if t not in ahead]
        if ctx.gaps:  # "I know Docker but never did networking, is that bad?": the gap, not what they know
            topics = [t for t in topics if t in ctx.gaps or t == ctx.target]
        for _, causes in ctx.symptoms[:2]:
            topics.extend(causes[:2])
        by_id = self.keyword_index().by_id
        for node in dict.fromkeys(topics):
            topic = g.topic_of(node) or node
            title = g.title(node).lower()

            def rank(cid: str, title: str = title) -> tuple[bool, int]:
                meta = by_id.get(cid, {}).get("metadata", {})
                return (title not in str(meta.get("section", "")).lower(), int(meta.get("index", 0)))

            chunks = chunks_of(topic)
            own = sorted((c for c in chunks if c.startswith("roadmap-")), key=rank)
            if ctx.intent == "practice":
                # the topic's exercises and worked examples, the closest to the request first
                drills = [c for c in chunks if _PRACTICE_SECTION.search(str(by_id.get(c, {}).get("metadata", {})
                                                                               .get("section", "")))]
                want(self._best_chunks(drills, scores, 2), GRAPH_WEIGHT)
            if path_question and node not in ahead:
                want(own[:1], CONTEXT_WEIGHT)
            elif path_question:
                want(own[:3], GRAPH_WEIGHT)
            elif ctx.intent in {"compare", "simplify"}:
                # each side of a comparison by its definition ("isn't Kubernetes just Docker?"), a topic for a
                # beginner likewise ("explain Kubernetes like I'm new"), then the roadmap's words on it as context
                defined = [c for c in chunks if not c.startswith("roadmap-") and _DEFINITION.search(
                    str(by_id.get(c, {}).get("metadata", {}).get("section", "")))
                    and g.subject_of(c.split(":", 1)[0]) == node]  # the topic's own note, not a subtopic's
                if ctx.intent == "simplify":
                    if defined_topic == node:  # "explain kubernetes like I'm new": what it is, in one sentence, first
                        opening += self._topic_opening(node, chunks)
                    # "explain it like I'm new": the passage holding the topic's everyday analogy
                    want([c for c in defined if PLAIN_WORDS.search(str(by_id.get(c, {}).get("text", "")))][:1],
                         GRAPH_WEIGHT)
                want(self._best_chunks(defined, scores, 1), GRAPH_WEIGHT)
                want(own[:1], CONTEXT_WEIGHT)
            elif about_topic:
                # "What should I know about Git?": the roadmap's own words on it, then the best of the notes (and
                # "What is Git?" the note's opening first, promoted when the passages are fused)
                if defined_topic == node:
                    opening += self._topic_opening(node, chunks)
                want(own[:6] + self._best_chunks([c for c in chunks if not c.startswith("roadmap-")], scores, 1),
                     GRAPH_WEIGHT)
            else:
                # the roadmap's words on the topic as context, and the topic's passage closest to the question
                want(own[:2], CONTEXT_WEIGHT)
                want(self._closest_chunks([c for c in chunks if not c.startswith("roadmap-")], request["vector"],
                                          scores, 1), CONTEXT_WEIGHT)
        asks: list[str] = []
        index = self.ask_index()
        # not for a learning-path question or a topic asked about as a whole: the roadmap's words answer those
        if index is not None and request["vector"] is not None and not (path_question or about_topic
                                                                          or ctx.about_tutor):
            for match in index.nearest(request["vector"], ASKS_DOCS):
                if match.similarity >= ASKS_FLOOR:
                    asks += self._closest_chunks([c for c in self._doc_chunks(match.doc_id) if c not in skip],
                                                 request["vector"], scores, 1)
        request["timings"]["graph"] = (time.perf_counter() - t0) * 1000
        return {"context": ctx, "ids": list(weights), "weights": weights, "asks": asks, "opening": opening[:1],
                "sides": sides, "defines": thing is not None}

    def _fuse(self, parts: dict[str, Any]) -> RetrievalResult:
        t0 = time.perf_counter()
        request = parts["request"]
        graph_part = parts["graph"]
        keyword = self.keyword_index()
        dense, keyword_hits = parts["dense"], parts["keyword"]
        if not graph_part["context"].about_tutor:
            # the tutor's own files answer only questions about the tutor (about_tutor)
            own = set(keyword.project_ids)
            dense = [h for h in dense if h["id"] not in own and h.get("metadata", {}).get("kind") != PROJECT_KIND]
            keyword_hits = [(c, s) for c, s in keyword_hits if c not in own]
            graph_part = {**graph_part, "ids": [c for c in graph_part["ids"] if c not in own]}
        if not graph_part.get("defines"):
            glossary = self.glossary_ids()
            dense = [h for h in dense if h["id"] not in glossary]
            keyword_hits = [(c, s) for c, s in keyword_hits if c not in glossary]
        k_search = int(request.get("k_search", 12))
        parts = {**parts, "dense": dense[:k_search], "keyword": keyword_hits[:k_search]}
        scores: dict[str, float] = {}
        found_by: dict[str, list[str]] = {}
        records: dict[str, dict[str, Any]] = {}
        for rank, hit in enumerate(parts["dense"]):
            scores[hit["id"]] = scores.get(hit["id"], 0) + 1 / (RRF_K + rank)
            found_by.setdefault(hit["id"], []).append("dense")
            records[hit["id"]] = hit
        for rank, (cid, _) in enumerate(parts["keyword"]):
            scores[cid] = scores.get(cid, 0) + 1 / (RRF_K + rank)
            found_by.setdefault(cid, []).append("keyword")
            records.setdefault(cid, keyword.by_id[cid])
        for rank, cid in enumerate(graph_part.get("asks", [])):
            # the documents whose learner questions are nearest: a retriever of their own, in learners' words
            scores[cid] = scores.get(cid, 0) + ASKS_WEIGHT / (RRF_K + rank)
            found_by.setdefault(cid, []).append("asks")
            if cid not in records and cid in keyword.by_id:
                records[cid] = keyword.by_id[cid]
        weights = graph_part.get("weights", {})
        for rank, cid in enumerate(graph_part["ids"]):
            # The graph knows what the question is about: its chunks outrank a single retriever's top hit.
            scores[cid] = scores.get(cid, 0) + weights.get(cid, GRAPH_WEIGHT) / (RRF_K + rank)
            found_by.setdefault(cid, []).append("graph")
            if cid not in records and cid in keyword.by_id:
                records[cid] = keyword.by_id[cid]
        ranked = sorted((c for c in scores if c in records), key=lambda c: -scores[c])
        ctx = graph_part["context"]
        question = request.get("question") or request["query"]

        def promote(cid: str, at: int, how: str) -> None:
            """``cid`` at place ``at``, scored as the best passage, whatever its own scores."""
            nonlocal ranked
            records.setdefault(cid, keyword.by_id[cid])
            scores[cid] = max(scores.get(cid, 0.0), scores[ranked[0]])
            found_by.setdefault(cid, []).append(how)
            ranked = [*ranked[:at], cid, *(c for c in ranked[at:] if c != cid)]

        sections = wanted_sections(ctx.intent, question)
        # a symptom's fix comes from the note the graph chose, not from whatever ranked first on its words
        if sections and ranked and (
                ctx.intent != "troubleshoot" or ranked[0].split(":", 1)[0] in routed_docs(ctx, self.graph)):
            at = 1  # each wanted section right after the best passage, in order
            for section in sections:
                if (steps := self._steps_for(ranked[0], ranked[:at + 1], section)) is not None:
                    promote(steps, at, "steps")
                    at += 1
        if ranked and (named := self._section_named(ranked[0], question, ranked[:2])) is not None:
            # the best note's section titled in the question's words ("Writing an alert rule" for "alert rule:
            # fire if the error rate is over 5%") comes right after it
            promote(named, 1, "section")
        for at, cid in enumerate(graph_part.get("sides", [])):
            promote(cid, at, "side")  # "counter vs gauge": each side's entry, whatever else the question brings
        for cid in graph_part.get("opening", []):
            promote(cid, 0, "opening")  # "what is Kubernetes?" is answered by the sentence that says what it is
        budget = request.get("budget_tokens", 1200)
        max_passages = request.get("k", 6)
        passages: list[Passage] = []
        used = 0
        for cid in ranked:
            rec = records[cid]
            passage = Passage(cid, rec["text"], rec["metadata"], scores[cid], found_by[cid])
            if passages and used + passage.tokens > budget:
                continue
            passages.append(passage)
            used += passage.tokens
            if len(passages) >= max_passages:
                break
        best = max((1 - h["distance"] for h in parts["dense"]), default=0.0)
        timings = dict(request["timings"])
        timings["fuse"] = (time.perf_counter() - t0) * 1000
        timings["retrieve"] = timings.get("dense", 0) + timings.get("keyword", 0) + timings["fuse"]
        best_keyword = max((score for _, score in parts["keyword"]), default=0.0)
        return RetrievalResult(request["query"], passages, ctx, best, timings, request["vector"],
                               best_keyword)

    def _steps_for(self, top: str, shown: list[str], section: re.Pattern[str] = _HOW_TO) -> str | None:
        """A how-to question whose best passage is a note's example or failure story gets that note's steps
        right after it: "the average score per model version" finds the worked example's result table, and the
        query that makes it is in the note's *How to do it*. A symptom gets the note's failure and fix the same
        way ("my join returns more rows than both tables" finds the join examples; the fan-out is in *Common
        failure and fix*). None when the best passage is the roadmap's or that section already, or it is shown
        already."""
        by_id = self.keyword_index().by_id

        def in_section(cid: str) -> bool:
            return bool(section.search(str(by_id.get(cid, {}).get("metadata", {}).get("section", ""))))
        doc = top.split(":", 1)[0]
        if doc.startswith("roadmap-") or in_section(top):
            return None
        steps = [c for c in self._doc_chunks(doc) if c in by_id and in_section(c)]
        return steps[0] if steps and steps[0] not in shown else None

    def _section_named(self, top: str, question: str, shown: list[str]) -> str | None:
        """The chunk of ``top``'s note whose own section title shares SECTION_WORDS content words with the
        question, when it is not shown already: a note's usual sections (what it is, how to do it, …) name no
        subject, but "Writing an alert rule", "Locking down SSH" or "Refused vs timed out" do."""
        by_id = self.keyword_index().by_id
        doc = top.split(":", 1)[0]
        if doc.startswith("roadmap-"):
            return None
        asked = set(content_terms(question))
        best: tuple[int, str] | None = None
        for cid in self._doc_chunks(doc):
            title = str(by_id.get(cid, {}).get("metadata", {}).get("section", "")).split(">")[-1]
            if not title or _USUAL_SECTION.search(title):
                continue
            shared = len(asked & set(content_terms(title)))
            if shared >= SECTION_WORDS and (best is None or shared > best[0]):
                best = (shared, cid)
        return best[1] if best and best[1] not in shown else None

    @staticmethod
    def request(query: str, focus: list[str] | None = None, known: list[str] | None = None, k: int = 6,
                budget_tokens: int = 1200, question: str | None = None) -> dict[str, Any]:
        return {"query": query, "focus": focus or [], "known": known or [], "k": k, "budget_tokens": budget_tokens,
                "k_search": max(12, 2 * k), "question": question or query,
                "about_tutor": about_tutor(question or query) or about_tutor(query)}

    def retrieve(self, query: str, focus: list[str] | None = None, known: list[str] | None = None,
                 k: int = 6, budget_tokens: int = 1200, question: str | None = None) -> RetrievalResult:
        """``question``: the learner's own words when ``query`` adds the conversation's subject to them (the
        question's type is read from its own words only)."""
        request = self._embed(self.request(query, focus, known, k, budget_tokens, question))
        return self._fuse({"dense": self._dense(request), "keyword": self._keyword_search(request),
                           "graph": self.graph_stage(request), "request": request})


def _mean(vectors: list[list[float]]) -> list[float]:
    return np.mean(np.asarray(vectors, dtype=float), axis=0).tolist()


def _normalise(vector: list[float]) -> list[float]:
    arr = np.asarray(vector, dtype=float)
    norm = float(np.linalg.norm(arr)) or 1.0
    return (arr / norm).tolist()
