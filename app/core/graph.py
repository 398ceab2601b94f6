"""The roadmap as a knowledge graph (networkx): tiers, topics in learning order, subtopics, failure
symptoms and the documents (with their chunk ids) that teach each node.

Built from corpus front matter with no LLM calls (``RoadmapGraph.build``), persisted as JSON beside the
index and rebuilt on every ingest, so it always matches the chunks in Chroma.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx

from app.core.intent import describes_trouble
from app.core.text import content_terms
from app.errors import IndexMissing
from app.infra.fileio import atomic_write_text

ROOT = "roadmap"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# A host or URL names a machine, not a topic: "api.mycompany.com" is not a question about APIs.
_HOSTNAME = re.compile(r"\b[a-z][a-z0-9-]*://\S+|\b(?:[a-z0-9-]+\.)+(?:com|org|net|io|dev|ai|co|app|cloud|local|"
                       r"internal|lan|example|test|xyz|de|uk|fr)\b(?![.\w-])")


def _singular(word: str) -> str:
    """"data structure" names the subtopic "data structures"; "GPUs" the term "GPU"."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "is")) and \
            not (word.endswith("us") and len(word) > 4):  # "status", "prometheus"; but "gpus", "cpus"
        return word[:-1]
    return word


def _names_term(term: str, hay: str, low: str) -> bool:
    """Whether a note's term is in the question: as whole words (``hay``, normalised); a term that starts with a
    dot only with its dot (".env" names a file, "virtual env" is not one), a call only with its brackets ("join()"
    is Python's, "join" a SQL join); a term of marks alone ("<<<<<<<", a conflict marker) as written (``low``, the
    question in lower case)."""
    if not re.search(r"[a-z0-9]", term.lower()):
        return len(term) >= 3 and term.lower() in low
    if term.endswith("()"):  # "join()" names Python's str.join, not the word "join" (a SQL join)
        return term.lower() in low
    return len(term) > 1 and _norm(term) in hay and (not term.startswith(".") or term.lower() in low)


@functools.lru_cache(maxsize=8192)
def _norm(text: str, loose: bool = True) -> str:
    """Lower-case words between spaces for whole-word matching; ``loose``: plural-insensitive. Cached: every
    question normalises the same few thousand names, aliases and terms of the graph again."""
    words = re.sub(r"[^a-z0-9+#]+", " ", text.lower()).split()
    return " " + " ".join(_singular(w) if loose else w for w in words) + " "


@dataclass(frozen=True)
class NodeMatch:
    node: str
    score: float
    how: str  # "name", "alias", "subtopic", "symptom" or "embedding"


class RoadmapGraph:
    def __init__(self, graph: nx.DiGraph) -> None:
        self.g = graph

    # --- building and persistence ----------------------------------------------------------------

    @classmethod
    def build(cls, docs: Iterable[dict[str, Any]]) -> RoadmapGraph:
        """``docs``: dicts with doc_id, title, uri, nodes, chunk_ids and the front matter ``meta``."""
        docs = list(docs)
        g = nx.DiGraph()
        g.add_node(ROOT, kind="roadmap", title="AI-operations learning roadmap", aliases=["roadmap"])
        for doc in docs:
            for tier in doc["meta"].get("tiers") or []:
                g.add_node(tier["id"], kind="tier", title=tier["title"], level=tier["level"],
                           aliases=tier.get("aliases", []))
                g.add_edge(tier["id"], ROOT, rel="part_of")
        topics = [d["meta"]["topic"] for d in docs if d["meta"].get("topic")]
        for t in topics:
            g.add_node(t["id"], kind="topic", title=t["title"], tier=t["tier"], order=t["order"],
                       aliases=t.get("aliases", []), subtopics=t.get("subtopics", []),
                       uses=t.get("uses", []))
            tier_id = f"tier-{t['tier']}"
            if tier_id not in g:
                g.add_node(tier_id, kind="tier", title=f"Tier {t['tier']}", level=t["tier"], aliases=[])
            g.add_edge(t["id"], tier_id, rel="in_tier")
            for sub in t.get("subtopics", []):
                sid = f"sub:{t['id']}:{_slug(sub)}"
                g.add_node(sid, kind="subtopic", title=sub, topic=t["id"])
                g.add_edge(t["id"], sid, rel="has_subtopic")
        for t in topics:
            for pre in t.get("prerequisites", []):
                if pre in g and g.nodes[pre].get("kind") == "topic":
                    g.add_edge(pre, t["id"], rel="prerequisite_of")
        for doc in docs:
            for s in doc["meta"].get("symptoms") or []:
                sid = f"symptom:{_slug(s['symptom'])}"
                g.add_node(sid, kind="symptom", title=s["symptom"])
                for cause in s["causes"]:
                    if g.nodes.get(cause, {}).get("kind") == "topic":
                        g.add_edge(sid, cause, rel="explained_by")
        for doc in docs:
            did = f"doc:{doc['doc_id']}"
            g.add_node(did, kind="doc", title=doc["title"], uri=doc["uri"], chunks=list(doc["chunk_ids"]))
            for s in doc["meta"].get("symptoms") or []:
                # the document that names a symptom explains it (a note's "common failure and fix")
                g.add_edge(f"symptom:{_slug(s['symptom'])}", did, rel="documented_by")
            for node in doc["nodes"]:
                if node in g and g.nodes[node].get("kind") != "doc":
                    g.add_edge(node, did, rel="documented_by")
            cls._link_subtopic(g, doc, did)
        return cls(g)

    @staticmethod
    def _link_subtopic(g: nx.DiGraph, doc: dict[str, Any], did: str) -> None:
        """A note on one subtopic documents that subtopic (made if the roadmap does not list it), and its
        ``terms`` become the subtopic's aliases."""
        name = doc["meta"].get("subtopic")
        topic = next((n for n in doc["nodes"] if g.nodes.get(n, {}).get("kind") == "topic"), None)
        if not name or topic is None:
            return
        sid = f"sub:{topic}:{_slug(name)}"
        if sid not in g:
            g.add_node(sid, kind="subtopic", title=name, topic=topic, aliases=[])
            g.add_edge(topic, sid, rel="has_subtopic")
        aliases = g.nodes[sid].setdefault("aliases", [])
        aliases.extend(t for t in doc["meta"].get("terms") or [] if t not in aliases)
        g.add_edge(sid, did, rel="documented_by")

    def save(self, path: Path) -> None:
        atomic_write_text(path, json.dumps(nx.node_link_data(self.g, edges="edges"), indent=1))

    @classmethod
    def load(cls, path: Path) -> RoadmapGraph:
        if not path.exists():
            raise IndexMissing(f"no roadmap graph at {path}; run `tutor ingest` first")
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(nx.node_link_graph(data, directed=True, edges="edges"))

    # --- lookups ---------------------------------------------------------------------------------

    def kind(self, node: str) -> str:
        return str(self.g.nodes[node].get("kind", ""))

    def title(self, node: str) -> str:
        return str(self.g.nodes[node].get("title", node))

    def topics(self) -> list[str]:
        """All topics in learning order."""
        ts = [n for n, d in self.g.nodes(data=True) if d.get("kind") == "topic"]
        return sorted(ts, key=lambda n: self.g.nodes[n]["order"])

    @property
    def topic_words(self) -> frozenset[str]:
        """The content terms of the topics' names ("docker", "kubernet"): "A Docker image is ..." still says what
        an image is."""
        return frozenset(t for node in self.topics() for t in content_terms(self.title(node)))

    def tiers(self) -> list[str]:
        ts = [n for n, d in self.g.nodes(data=True) if d.get("kind") == "tier"]
        return sorted(ts, key=lambda n: self.g.nodes[n]["level"])

    def topics_in_tier(self, tier: str) -> list[str]:
        return [t for t in self.topics() if f"tier-{self.g.nodes[t]['tier']}" == tier]

    def topic_of(self, node: str) -> str | None:
        """The topic a node belongs to (itself for a topic, the parent for a subtopic)."""
        kind = self.kind(node)
        if kind == "topic":
            return node
        if kind == "subtopic":
            return str(self.g.nodes[node]["topic"])
        return None

    def resolve(self, name: str) -> str:
        """A topic or tier id from a user's word ('k8s', 'Kubernetes', 'tier 2')."""
        key = name.strip().lower()
        if key in self.g and self.kind(key) in {"topic", "tier"}:
            return key
        for n in self.topics() + self.tiers():
            data = self.g.nodes[n]
            if key in {str(data["title"]).lower(), *[a.lower() for a in data.get("aliases", [])]}:
                return n
        raise KeyError(name)

    def prerequisites(self, topic: str) -> list[str]:
        """Every topic to learn before ``topic``, in roadmap order."""
        before = {n for n in nx.ancestors(self.g, topic)
                  if self.kind(n) == "topic" and self._via_prerequisites(n, topic)}
        return sorted(before, key=lambda n: self.g.nodes[n]["order"])

    def _via_prerequisites(self, src: str, dst: str) -> bool:
        sub = nx.subgraph_view(self.g, filter_edge=lambda u, v: self.g[u][v]["rel"] == "prerequisite_of")
        return nx.has_path(sub, src, dst)

    def path_to(self, topic: str) -> list[str]:
        return self.prerequisites(topic) + [topic]

    def next_topics(self, known: Iterable[str]) -> list[dict[str, Any]]:
        """Topics not yet known, in order; ``ready`` when every prerequisite is known."""
        known_set = set(known)
        out = []
        for t in self.topics():
            if t in known_set:
                continue
            direct = [u for u, _, d in self.g.in_edges(t, data=True) if d["rel"] == "prerequisite_of"]
            missing = [p for p in direct if p not in known_set]
            out.append({"topic": t, "title": self.title(t), "ready": not missing, "missing": missing})
        return sorted(out, key=lambda r: (not r["ready"], self.g.nodes[r["topic"]]["order"]))

    def after(self, node: str) -> str | None:
        """The next topic (or tier) in the learning sequence."""
        seq = self.tiers() if self.kind(node) == "tier" else self.topics()
        i = seq.index(node)
        return seq[i + 1] if i + 1 < len(seq) else None

    def before(self, node: str) -> str | None:
        seq = self.tiers() if self.kind(node) == "tier" else self.topics()
        i = seq.index(node)
        return seq[i - 1] if i > 0 else None

    def symptom_topics(self, text: str) -> list[tuple[str, list[str]]]:
        """Symptoms named in ``text`` (most words in common) and the topics that explain them."""
        words = set(_norm(text).split())
        trouble = describes_trouble(text)
        scored = []
        for n, d in self.g.nodes(data=True):
            if d.get("kind") != "symptom":
                continue
            sw = set(_norm(d["title"]).split()) - {"are", "is", "the", "when", "each", "other"}
            common = len(words & sw)
            # one shared word of a two-word symptom ("APIs" of "APIs timeout") is a topic, not a symptom; part of
            # one is a symptom only when something is going wrong ("lock down my inference endpoint" is not
            # "inference endpoint unavailable")
            if sw and common / len(sw) >= 0.5 and (common >= 2 or len(sw) == 1) and (common == len(sw) or trouble):
                scored.append((common / len(sw), n))
        scored.sort(reverse=True)
        return [(n, self._explains(n)) for _, n in scored]

    def _explains(self, symptom: str) -> list[str]:
        """The topics that explain a symptom."""
        return [v for _, v, rel in self.g.out_edges(symptom, data="rel") if rel == "explained_by"]

    def named_by(self, text: str) -> str | None:
        """The topic ``text`` is the name or an alias of, and no more than that ("kubernetes", "k8s", "the ML
        lifecycle"; not "kubernetes networking")."""
        named = [m.node for m in self.match_names(text) if m.how in {"name", "alias"} and self.kind(m.node) == "topic"]
        words = _norm(re.sub(r"^(?:an?|the)\s+", "", text.strip(), flags=re.I)).split()
        return named[0] if len(named) == 1 and len(words) <= max(1, len(_norm(self.title(named[0])).split())) \
            else None

    def without_topic(self, text: str) -> tuple[str, str | None]:
        """``text`` without the name of the topic it starts or ends with, and that topic: ("service",
        "kubernetes") for "kubernetes service", ("image", "docker") for "docker image"; else (text, None)."""
        for m in self.match_names(text):
            if m.how in {"name", "alias"} and self.kind(m.node) == "topic":
                names = [self.title(m.node), *self.g.nodes[m.node].get("aliases", [])]
                for name in sorted(names, key=len, reverse=True):
                    rest = re.sub(rf"^\s*{re.escape(name)}\s+|\s+{re.escape(name)}\s*$", "", text, flags=re.I)
                    if rest != text and rest.strip():
                        return rest.strip(), m.node
        return text, None

    def match_names(self, text: str) -> list[NodeMatch]:
        """Nodes whose name, alias or subtopic appears in ``text`` as whole words."""
        asked = _HOSTNAME.sub(" ", text.lower())  # the question's words, not the names of its hosts
        hay, exact, low = _norm(asked), _norm(asked, loose=False), text.lower()
        found: dict[str, NodeMatch] = {}
        subtopic_phrases = [_norm(d["title"]) for _, d in self.g.nodes(data=True)
                            if d.get("kind") == "subtopic" and len(d["title"]) > 2 and _norm(d["title"]) in hay]

        def add(node: str, score: float, how: str) -> None:
            if node not in found or found[node].score < score:
                found[node] = NodeMatch(node, score, how)

        def inside_longer_subtopic(phrase: str) -> bool:
            # "vector databases" names LLMOps' subtopic; the alias "databases" inside it must not name SQL
            return any(phrase != p and phrase.strip() in p for p in subtopic_phrases)

        for n in self.topics() + self.tiers():
            d = self.g.nodes[n]
            if _norm(d["title"]) in hay or _norm(n) in hay:
                add(n, 1.0, "name")
            elif any(_norm(a) in hay and not inside_longer_subtopic(_norm(a)) for a in d.get("aliases", [])):
                add(n, 0.9, "alias")
        for n, d in self.g.nodes(data=True):
            if d.get("kind") != "subtopic":
                continue
            title = d["title"]
            one_word = " " not in title.strip()
            # a one-word title counts only as written: "deployments" names Kubernetes' subtopic, while "rebuild
            # the package for deployment" is an ordinary word; beside its topic's name it is the subtopic in any
            # form ("a kubernetes service", "what is a service in kubernetes?")
            named_topic = found.get(d["topic"]) is not None and found[d["topic"]].how in {"name", "alias"}
            if len(title) > 2 and (_norm(title, loose=False) in exact if one_word and not named_topic
                                   else _norm(title) in hay):
                # a one-word title is often an ordinary word ("get", "top", "logs", "functions"): weaker than a
                # note's specific terms; "GET" and "POST" count in capitals only
                if one_word and title.isupper() and title not in text:
                    continue
                add(n, 0.5 if one_word else 0.7, "subtopic")
                add(d["topic"], 0.45 if one_word else 0.6, "subtopic")
            elif any(_names_term(a, hay, low) for a in d.get("aliases", [])):
                add(n, 0.65, "term")
                add(d["topic"], 0.55, "term")
        for n, _causes in self.symptom_topics(text):
            add(n, 0.8, "symptom")
        # "window functions" names SQL's subtopic; the "functions" inside it must not also name Python's.
        subs = [m for m in found.values() if self.kind(m.node) == "subtopic"]
        for short in subs:
            short_title = _norm(self.title(short.node))
            if any(short_title != _norm(self.title(o.node)) and short_title in _norm(self.title(o.node))
                   for o in subs):
                del found[short.node]
                parent = self.g.nodes[short.node]["topic"]
                if found.get(parent) and found[parent].how == "subtopic" and not any(
                        self.g.nodes[o.node].get("topic") == parent for o in found.values()
                        if self.kind(o.node) == "subtopic"):
                    del found[parent]
        return sorted(found.values(), key=lambda m: -m.score)

    def describe(self, node: str) -> str:
        d = self.g.nodes[node]
        parts = [str(d.get("title", node)), *d.get("aliases", []), *d.get("subtopics", []), *d.get("uses", [])]
        return ", ".join(parts)

    def vocabulary(self, node: str) -> list[str]:
        """The field's words for a node: its title and aliases (a subtopic's aliases are its notes' ``terms``)."""
        d = self.g.nodes[node]
        return [str(d.get("title", node)), *d.get("aliases", [])]

    def chunks_for(self, node: str) -> list[str]:
        out: list[str] = []
        for _, doc, data in self.g.out_edges(node, data=True):
            if data["rel"] == "documented_by":
                out.extend(self.g.nodes[doc].get("chunks", []))
        return out

    def subject_of(self, doc_id: str) -> str | None:
        """The most specific roadmap node a document is about: its subtopic, else its topic or tier."""
        did = f"doc:{doc_id}"
        if did not in self.g:
            return None
        about = [s for s, _, d in self.g.in_edges(did, data=True) if d["rel"] == "documented_by"]
        return next((s for kind in ("subtopic", "topic", "tier") for s in about if self.kind(s) == kind), None)

    def docs(self) -> list[str]:
        return [n for n, d in self.g.nodes(data=True) if d.get("kind") == "doc"]

    def to_dot(self, path: Iterable[str] = (), focus: Iterable[str] = (), known: Iterable[str] = ()) -> str:
        """Graphviz DOT of tiers and topics in learning order; ``focus`` nodes and the ``path`` to them
        are highlighted, ``known`` topics are greyed."""
        path_set, focus_set, known_set = set(path), set(focus), set(known)
        focus_topics = {t for n in focus_set if n in self.g and (t := self.topic_of(n))} | \
            {n for n in focus_set if n in self.g and self.kind(n) == "tier"}

        def quoted(text: str) -> str:
            return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

        # One row per tier, top to bottom, topics left to right in learning order.
        lines = ["digraph roadmap {", '  rankdir=TB; newrank=true; nodesep=0.25; ranksep=0.5;',
                 '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=12, '
                 'fillcolor="#ffffff", color="#9aa5b1"]; edge [color="#9aa5b1"];']
        for tier in self.tiers():
            tier_style = ', color="#d9480f", penwidth=2' if tier in focus_topics else ""
            lines.append(f"  subgraph cluster_{tier.replace('-', '_')} {{ label={quoted(self.title(tier))}; "
                         f'style="rounded"{tier_style};')
            for t in self.topics_in_tier(tier):
                fill = "#ffd8a8" if t in focus_topics else "#fff3bf" if t in path_set else \
                    "#e9ecef" if t in known_set else "#ffffff"
                pen = ", penwidth=2.5" if t in focus_topics else ""
                label = f"{self.g.nodes[t]['order']}. {self.title(t)}"
                lines.append(f'    {quoted(t)} [label={quoted(label)}, fillcolor="{fill}"{pen}];')
            lines.append(f"    {{rank=same; {'; '.join(quoted(t) for t in self.topics_in_tier(tier))}}}")
            lines.append("  }")
        for u, v, d in self.g.edges(data=True):
            if d["rel"] == "prerequisite_of":
                on_path = u in path_set and v in path_set
                style = ' [color="#d9480f", penwidth=2]' if on_path else ""
                lines.append(f"  {quoted(u)} -> {quoted(v)}{style};")
        lines.append("}")
        return "\n".join(lines)

    def summary(self) -> dict[str, Any]:
        return {
            "tiers": [
                {"id": t, "title": self.title(t), "topics": [
                    {"id": x, "title": self.title(x), "order": self.g.nodes[x]["order"],
                     "prerequisites": [u for u, _, d in self.g.in_edges(x, data=True)
                                       if d["rel"] == "prerequisite_of"],
                     "subtopics": self.g.nodes[x].get("subtopics", []),
                     "documents": len([1 for _, _, d in self.g.out_edges(x, data=True)
                                       if d["rel"] == "documented_by"]),
                     "chunks": len(self.chunks_for(x))}
                    for x in self.topics_in_tier(t)]}
                for t in self.tiers()],
            "sequence": self.topics(),
            "symptoms": [{"symptom": self.title(n), "topics": self._explains(n)}
                         for n in sorted(n for n, d in self.g.nodes(data=True) if d.get("kind") == "symptom")],
            "counts": {k: sum(1 for _, d in self.g.nodes(data=True) if d.get("kind") == k)
                       for k in ("tier", "topic", "subtopic", "symptom", "doc")},
        }
