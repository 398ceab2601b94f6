"""Quiz items made from the corpus and the roadmap graph, with no model: deterministic, each citing the chunk it
comes from, validated in code and graded in code.

Kinds (docs/practice.md shows one of each):
    command       "Which command/field/option ...?"  from a note's "The `X` command does Y." lines
    concept       a note's defining sentence with its subject blanked; options: sibling subtopics (or topics)
    short         the same, answered in words; graded against the subject's name and the phrasings it was
                  blanked under
    practice      a note's practise task (Exercise/Solution, or a "What to practise" bullet) with its command
                  blanked
    symptom       "This symptom: which topic explains it?"  from the graph's symptom links
    prerequisite  "Which topic must you learn before T?"  from a sentence that says what T builds on
    order         "Put these topics in learning order"  from the roadmap's final learning sequence
    model         an item a model proposed (``accept_proposed``): kept only when it passes the same checks

Every item carries the sentence of its chunk that supports it (``evidence``) and a claim (``statement``) that the
citation checker (app.core.citations) must find supported by the cited chunk; a multiple-choice distractor must
not be named in the question nor supported as an answer by the chunk. Items that fail are dropped and counted
by reason (``Unit.rejected``).
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from app.core.citations import SUPPORTED, lexical_support
from app.core.graph import RoadmapGraph
from app.core.text import passage_sentences, stem, words

KINDS = ("command", "concept", "short", "practice", "symptom", "prerequisite", "order", "model")
LETTERS = "ABCD"
BLANK = "____"
PER_DOC = {"command": 2, "practice": 2}  # most items of a kind from one document, so no note floods the bank
_CODE = re.compile(r"`([^`\n]+)`")
_DEFINES = re.compile(r"^(?:The `(?P<code>[^`]+)` (?P<noun>[a-z]+)|`(?P<bare>[^`]+)`) "
                      r"(?P<rest>(?!is a |is an |is the |and |or )[a-z][^`]*(?:`[^`]+`[^`]*)*)$")
_BUILDS_ON = re.compile(r"\b(?:builds? on|built on|before|prerequisite|requires?|needs?|assumes?|depends? on|"
                        r"foundation)\b", re.I)
BASE_DIFFICULTY = {"concept": 0.3, "prerequisite": 0.3, "symptom": 0.4, "command": 0.45, "practice": 0.5,
                   "order": 0.55, "short": 0.65, "model": 0.5}


@dataclass
class Item:
    id: str
    topic: str
    node: str
    kind: str
    question: str
    options: list[str]  # empty for a short answer
    answer: str  # the correct option, the canonical phrasing, or the topic titles in order (", ")
    accepted: list[str]  # short answers: every phrasing graded correct
    chunk_id: str
    doc_id: str
    source: str  # "document title — section"
    evidence: str  # the sentence of the chunk the answer comes from
    statement: str  # the answer as a claim; the citation checker must find it supported by the chunk
    difficulty: float
    meta: dict[str, Any] = field(default_factory=dict)  # what the checks need: forbidden answers, topic names

    def public(self) -> dict[str, Any]:
        """What a learner may see before answering."""
        return {"id": self.id, "topic": self.topic, "node": self.node, "kind": self.kind,
                "question": self.question, "options": self.options, "source": self.source,
                "difficulty": self.difficulty}

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Grade:
    correct: bool
    expected: str
    given: str


@functools.lru_cache(maxsize=65536)
def norm(text: str) -> str:
    """Lower-case stemmed words: the form every comparison of answers and sentences uses."""
    return " ".join(stem(w) for w in words(text.replace("`", " ")))


def contains(hay: str, needle: str) -> bool:
    """Whole-word, case-insensitive, stem-tolerant containment."""
    n = norm(needle)
    return bool(n) and f" {n} " in f" {norm(hay)} "


def _seed(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode()).hexdigest()


def _pick(candidates: Iterable[str], k: int, *seed: str) -> list[str]:
    """``k`` of ``candidates`` in a fixed pseudo-random order (the same on every build)."""
    return sorted(dict.fromkeys(candidates), key=lambda c: _seed(*seed, c))[:k]


def _arrange(answer: str, distractors: list[str], *seed: str) -> list[str]:
    return sorted([answer, *distractors], key=lambda o: _seed("order", *seed, o))


def make_item(kind: str, topic: str, node: str, question: str, answer: str, chunk: dict[str, Any], evidence: str,
              statement: str, options: list[str] | None = None, accepted: list[str] | None = None,
              difficulty: float = 0.5, **meta: Any) -> Item:
    md = chunk["metadata"]
    section = str(md.get("section", "")).split(" > ")[-1]
    return Item(id="q-" + _seed(kind, topic, question, answer)[:12], topic=topic, node=node, kind=kind,
                question=question, options=options or [], answer=answer, accepted=accepted or [],
                chunk_id=chunk["id"], doc_id=str(md.get("doc_id", "")), source=f"{md.get('title', '')} — {section}",
                evidence=evidence, statement=statement, difficulty=round(min(0.95, max(0.05, difficulty)), 2),
                meta=meta)


# --- checks ---------------------------------------------------------------------------------------------------

def check_item(item: Item, chunk_text: str) -> str | None:
    """Why ``item`` is not acceptable against the text of its cited chunk, or None when it is."""
    if item.kind not in KINDS:
        return "unknown kind"
    flat = " ".join(chunk_text.split())
    if norm(item.evidence) not in norm(flat) and \
            norm(item.evidence) not in {norm(x) for x in passage_sentences(chunk_text)}:
        return "evidence not in the cited chunk"
    if lexical_support(item.statement, chunk_text) < SUPPORTED:
        return "statement not supported by the cited chunk"
    if item.kind == "order":
        names = item.meta.get("names", {})
        spots = [_first_position(flat, names.get(t, [t])) for t in item.answer.split(", ")]
        if any(s < 0 for s in spots) or spots != sorted(spots):
            return "order not stated by the cited chunk"
    elif item.kind in ("symptom", "prerequisite"):
        if not any(contains(chunk_text, n) for n in item.meta.get("answer_names", [item.answer])) \
                and item.topic not in item.meta.get("doc_topics", []):
            return "answer not in the cited chunk"
    elif not contains(chunk_text, item.answer) and not any(contains(chunk_text, a) for a in item.accepted):
        return "answer not in the cited chunk"
    if item.kind in ("command", "practice", "concept", "short") and contains(item.question, item.answer):
        return "the question gives the answer away"
    if item.options:
        return _check_options(item, chunk_text)
    if item.kind == "short" and not item.accepted:
        return "no accepted answers"
    return None


def _first_position(text: str, names: list[str]) -> int:
    found = [m.start() for n in names if (m := re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", text, re.I))]
    return min(found, default=-1)


def _check_options(item: Item, chunk_text: str) -> str | None:
    keys = [norm(o) for o in item.options]
    if len(item.options) < 3 or len(set(keys)) != len(keys):
        return "fewer than three distinct options"
    if item.kind == "order":
        return None if sorted(item.options) == sorted(item.answer.split(", ")) else "options are not the answer's"
    if item.options.count(item.answer) != 1:
        return "answer not among the options"
    forbidden = [norm(f) for f in item.meta.get("forbidden", [])]
    for option in item.options:
        if option == item.answer:
            continue
        if norm(option) in forbidden:
            return "a distractor is also a correct answer"
        for name in item.meta.get("option_names", {}).get(option, [option]):
            if contains(item.question, name):
                return "a distractor is named in the question"
        a, o = norm(item.answer), norm(option)
        if a in o or o in a:
            return "a distractor overlaps the answer"
        # the chunk must not also say the distractor does what the question asks
        swapped = item.statement.replace(item.answer, option)
        if swapped != item.statement and any(contains(s, option) and lexical_support(swapped, s) >= SUPPORTED
                                             for s in passage_sentences(chunk_text)):
            return "a distractor is also a correct answer"
    return None


def accept_proposed(proposal: dict[str, Any], chunk: dict[str, Any], topic: str, node: str) -> Item | str:
    """A model-written item ({question, options?, answer, evidence}) becomes an Item only when the checks pass:
    its evidence is a sentence of the cited chunk that supports the answer. Returns the item or the reason."""
    try:
        question, answer, evidence = (str(proposal[k]).strip() for k in ("question", "answer", "evidence"))
    except KeyError as exc:
        return f"missing {exc.args[0]}"
    options = [str(o) for o in proposal.get("options") or []]
    if not contains(evidence, answer):
        return "answer not in the evidence"
    item = make_item("model", topic, node, question, answer, chunk, evidence, evidence, options,
                     accepted=[] if options else [answer], difficulty=BASE_DIFFICULTY["model"])
    return check_item(item, chunk["text"]) or item


# --- grading --------------------------------------------------------------------------------------------------

def grade(item: Item, response: str) -> Grade:
    given = response.strip()
    if item.kind == "order":
        return Grade(_order_of(item, given) == item.answer.split(", "), item.answer, given)
    if item.options:
        chosen = _option_of(item, given)
        return Grade(chosen == item.answer, item.answer, chosen or given)
    said = norm(given)
    ok = any(said == norm(a) or (contains(given, a) and len(said.split()) <= len(norm(a).split()) + 3)
             for a in [item.answer, *item.accepted])
    return Grade(ok, item.answer, given)


def _option_of(item: Item, given: str) -> str | None:
    letter = given.strip().rstrip(").").upper()
    if len(letter) == 1 and letter in LETTERS[: len(item.options)]:
        return item.options[LETTERS.index(letter)]
    if letter.isdigit() and 1 <= int(letter) <= len(item.options):
        return item.options[int(letter) - 1]
    return next((o for o in item.options if norm(o) == norm(given)), None)


def _order_of(item: Item, given: str) -> list[str]:
    compact = re.sub(r"[\s,>;-]+", "", given).upper()
    if compact and len(compact) == len(item.options) and all(c in LETTERS[: len(item.options)] for c in compact):
        return [item.options[LETTERS.index(c)] for c in compact]
    parts = [p for p in re.split(r"\s*(?:,|>|->|;|\n)\s*", given) if p.strip()]
    return [next((o for o in item.options if norm(o) == norm(p)), p) for p in parts]


# --- generation -----------------------------------------------------------------------------------------------

@dataclass
class Unit:
    """The items made from one document, and why the others were dropped. ``key`` changes when any of the
    document's chunks (or the graph's names) change: only then is the unit made again."""

    key: str
    items: list[Item]
    rejected: dict[str, int]

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "items": [i.as_dict() for i in self.items], "rejected": self.rejected}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Unit:
        return cls(data["key"], [Item(**i) for i in data["items"]], dict(data.get("rejected", {})))


@dataclass
class _Sentence:
    text: str
    section: str
    chunk: dict[str, Any]


def graph_fingerprint(graph: RoadmapGraph) -> str:
    """The graph's names and links that items are made from: a change here remakes every unit."""
    g = graph.g
    parts = [repr((n, d.get("kind"), d.get("title"), d.get("order"), d.get("tier"), d.get("topic"),
                   sorted(d.get("aliases", []))))
             for n, d in sorted(g.nodes(data=True)) if d.get("kind") in ("topic", "subtopic", "symptom")]
    parts += [repr(e) for e in sorted((u, v, d["rel"]) for u, v, d in g.edges(data=True)
                                      if d["rel"] in ("prerequisite_of", "explained_by", "has_subtopic"))]
    return _seed("quiz-1", *parts)[:16]


def unit_key(doc_id: str, chunk_ids: Iterable[str], fingerprint: str) -> str:
    return _seed(fingerprint, doc_id, *sorted(chunk_ids))[:16]


def _names(graph: RoadmapGraph, node: str) -> list[str]:
    d = graph.g.nodes[node]
    return [n for n in dict.fromkeys([str(d.get("title", node)), *d.get("aliases", [])]) if len(n) > 1]


class _DocItems:
    def __init__(self, doc_id: str, chunks: list[dict[str, Any]], graph: RoadmapGraph) -> None:
        self.doc_id, self.graph = doc_id, graph
        self.chunks = sorted(chunks, key=lambda c: int(c["metadata"].get("index", 0)))
        self.subject = graph.subject_of(doc_id)
        self.topic = graph.topic_of(self.subject) if self.subject else None
        self.items: list[Item] = []
        self.rejected: dict[str, int] = {}
        seen: set[str] = set()
        self.sentences: list[_Sentence] = []
        for chunk in self.chunks:  # chunks overlap: a sentence is cited from the first chunk that holds it
            section = str(chunk["metadata"].get("section", "")).split(" > ")[-1]
            for s in passage_sentences(chunk["text"]):
                if norm(s) not in seen:
                    seen.add(norm(s))
                    self.sentences.append(_Sentence(s, section, chunk))

    def add(self, item: Item) -> None:
        reason = check_item(item, item_chunk_text(self.chunks, item.chunk_id))
        if reason:
            self.rejected[reason] = self.rejected.get(reason, 0) + 1
        elif all(i.id != item.id for i in self.items):
            self.items.append(item)

    def tier(self, topic: str) -> int:
        return int(self.graph.g.nodes[topic].get("tier", 1))

    def difficulty(self, kind: str, topic: str, close: bool, question: str) -> float:
        """Before any learner data: the kind's base, harder with distractors from the same topic, in a later tier
        and with a longer question."""
        return BASE_DIFFICULTY[kind] + (0.1 if close else 0) + 0.05 * (self.tier(topic) - 1) + \
            min(0.1, len(question) / 2000)

    def others(self, candidates: list[str], question: str, names: dict[str, list[str]]) -> list[str]:
        return [c for c in candidates if not any(contains(question, n) for n in names.get(c, [c]))]

    # --- kinds ---

    def commands(self) -> None:
        found = [(s, m, m["code"] or m["bare"]) for s in self.sentences
                 if s.section not in ("Practise", "What it is") and (m := _DEFINES.match(s.text))
                 and len(m["code"] or m["bare"]) > 1]
        codes = [code for _, _, code in found]
        found = [f for f in found if not contains(f[1]["rest"], f[2])]  # "`EXPLAIN` ... `EXPLAIN ANALYZE`"
        for s, m, code in found[: PER_DOC["command"]]:
            question = f"Which {m['noun'] or 'of these'} {m['rest'].rstrip('.')}?"
            pool = [c for c in codes if c != code and norm(c) not in norm(code) and norm(code) not in norm(c)]
            distractors = _pick(self.others(pool, question, {}), 3, question)
            if len(distractors) < 2 or not self.topic:
                self.rejected["too few distractors"] = self.rejected.get("too few distractors", 0) + 1
                continue
            self.add(make_item("command", self.topic, self.subject or self.topic, question, code, s.chunk,
                               s.text, s.text, _arrange(code, distractors, question),
                               difficulty=self.difficulty("command", self.topic, True, question)))

    def concepts(self) -> None:
        if not self.subject or not self.topic:
            return
        g = self.graph
        names = sorted(_names(g, self.subject), key=len, reverse=True)
        title = g.title(self.subject)
        defining = []
        for s in self.sentences:
            if s.section != "What it is" or len(s.text) > 320:
                continue
            blanked = s.text
            used = [n for n in names if contains(blanked, n)]
            for n in used:
                blanked = re.sub(rf"(?<![\w-]){re.escape(n)}(?:e?s)?(?![\w-])", BLANK, blanked, flags=re.I)
            if used and BLANK in blanked and not contains(blanked, title) and len(words(blanked)) >= 8:
                defining.append((s, blanked, used))
        if not defining:
            return
        if g.kind(self.subject) == "subtopic":
            pool = [n for _, n, rel in g.g.out_edges(self.topic, data="rel") if rel == "has_subtopic"]
            group = self.topic
        else:
            pool = [t for t in g.topics() if self.tier(t) == self.tier(self.topic)] + g.topics()
            group = f"tier-{self.tier(self.topic)}"
        pool = [n for n in pool if n != self.subject and norm(g.title(n)) != norm(title)]
        option_names = {g.title(n): _names(g, n) for n in pool}
        s, blanked, used = defining[0]
        question = f"Which {g.title(self.topic)} concept is this? “{blanked}”"
        distractors = _pick(self.others([g.title(n) for n in pool], question, option_names), 3, question, group)
        if len(distractors) >= 2:
            self.add(make_item("concept", self.topic, self.subject, question, title, s.chunk, s.text, s.text,
                               _arrange(title, distractors, question), accepted=used,
                               difficulty=self.difficulty("concept", self.topic, True, question),
                               option_names=option_names))
        s, blanked, used = defining[1] if len(defining) > 1 else defining[0]
        question = f"Name the {g.title(self.topic)} concept (a few words): “{blanked}”"
        self.add(make_item("short", self.topic, self.subject, question, title, s.chunk, s.text, s.text,
                           accepted=list(dict.fromkeys([title, *used])),
                           difficulty=self.difficulty("short", self.topic, False, question)))

    def practice(self) -> None:
        if not self.topic:
            return
        section = [s for s in self.sentences if s.section in ("Practise", "What to practise")]
        section_text = " ".join(s.text for s in section)
        codes = [c for s in self.sentences if s.section not in ("Practise", "What to practise")
                 for c in _CODE.findall(s.text) if len(c) > 2]
        exercise = next((s.text[len("Exercise:"):].strip() for s in section if s.text.startswith("Exercise:")), None)
        tasks: list[tuple[_Sentence, str, str]] = []
        for s in section:
            spans = _CODE.findall(s.text)
            if not spans:
                continue
            if s.text.startswith("Solution:") and exercise:
                tasks.append((s, spans[0], f"Practice task: {exercise} Which command is part of the solution?"))
            elif not s.text.startswith(("Exercise:", "Solution:")):
                cloze = s.text.replace(f"`{spans[0]}`", BLANK, 1)
                tasks.append((s, spans[0], f"Fill the blank in this {self.graph.title(self.topic)} practice task: "
                                           f"“{cloze}”"))
                codes += [c for c in spans if len(c) > 2]
        for s, answer, question in tasks[: PER_DOC["practice"]]:
            pool = [c for c in codes if norm(c) not in norm(s.text) and not contains(section_text, c)
                    and norm(answer) not in norm(c) and norm(c) not in norm(answer)]
            distractors = _pick(self.others(pool, question, {}), 3, question)
            if len(distractors) < 2:
                self.rejected["too few distractors"] = self.rejected.get("too few distractors", 0) + 1
                continue
            self.add(make_item("practice", self.topic, self.subject or self.topic, question, answer, s.chunk,
                               s.text, s.text, _arrange(answer, distractors, question),
                               difficulty=self.difficulty("practice", self.topic, True, question)))

    def symptoms(self) -> None:
        g = self.graph
        did = f"doc:{self.doc_id}"
        for sym, _, rel in sorted(g.g.in_edges(did, data="rel")):
            if rel != "documented_by" or g.kind(sym) != "symptom":
                continue
            phrase = g.title(sym)
            causes = [v for _, v, r in g.g.out_edges(sym, data="rel") if r == "explained_by"]
            s = self.stating(phrase)
            if s is None or not causes:
                self.rejected["symptom not stated in its document"] = \
                    self.rejected.get("symptom not stated in its document", 0) + 1
                continue
            doc_topics = [t for t in str(s.chunk["metadata"].get("nodes", "")).split(",") if t]
            answer = next((c for c in causes if c in doc_topics or any(contains(s.chunk["text"], n)
                                                                      for n in _names(g, c))), causes[0])
            question = f"A learner sees this in production: “{phrase}”. Which roadmap topic explains it?"
            option_names = {g.title(t): _names(g, t) for t in g.topics()}
            pool = [g.title(t) for t in g.topics() if t not in causes]
            same_tier = [p for p in pool if self.tier(g.resolve(p)) == self.tier(answer)]
            distractors = _pick(self.others(same_tier, question, option_names), 3, question)
            distractors += _pick(self.others([p for p in pool if p not in same_tier], question, option_names),
                                 3 - len(distractors), question)
            self.add(make_item("symptom", answer, sym, question, g.title(answer), s.chunk, s.text, s.text,
                               _arrange(g.title(answer), distractors, question),
                               difficulty=self.difficulty("symptom", answer, True, question),
                               forbidden=[g.title(c) for c in causes], answer_names=_names(g, answer),
                               doc_topics=doc_topics, option_names=option_names))

    def stating(self, phrase: str) -> _Sentence | None:
        """The sentence that names ``phrase``, or shares most of its words (at least 60 %)."""
        exact = next((s for s in self.sentences if contains(s.text, phrase)), None)
        if exact is not None:
            return exact
        terms = set(norm(phrase).split()) - {"when", "each", "other", "is", "are", "the"}
        scored = [(len(terms & set(norm(s.text).split())) / len(terms), -i, s)
                  for i, s in enumerate(self.sentences) if terms]
        best = max(scored, default=None, key=lambda x: x[:2])
        return best[2] if best and best[0] >= 0.6 else None

    def prerequisites(self) -> None:
        g = self.graph
        if not self.subject or g.kind(self.subject) != "topic":
            return
        t = self.subject
        before = set(g.prerequisites(t))
        direct = [u for u, _, rel in g.g.in_edges(t, data="rel") if rel == "prerequisite_of"]
        option_names = {g.title(x): _names(g, x) for x in g.topics()}
        for p in direct:
            s = next((s for s in self.sentences if _BUILDS_ON.search(s.text)
                      and any(contains(s.text, n) for n in _names(g, p))), None)
            if s is None:
                continue
            question = f"Which of these topics must you learn before {g.title(t)}?"
            later = [g.title(x) for x in g.topics() if x != t and x not in before]
            distractors = _pick([d for d in later if not any(contains(s.text, n) for n in option_names[d])], 3,
                                question, p)
            self.add(make_item("prerequisite", t, t, question, g.title(p), s.chunk, s.text, s.text,
                               _arrange(g.title(p), distractors, question, p),
                               difficulty=self.difficulty("prerequisite", t, False, question),
                               forbidden=[g.title(x) for x in before], answer_names=_names(g, p),
                               doc_topics=[], option_names=option_names))

    def orders(self) -> None:
        g = self.graph
        topics = g.topics()
        titles = {t: [g.title(t)] for t in topics}
        for s in self.sentences:
            spots = [_first_position(s.text, titles[t]) for t in topics]
            if sum(x >= 0 for x in spots) < len(topics) or spots != sorted(spots):
                continue
            for k, t in enumerate(topics):
                picked = topics[k - 3: k + 1] if k >= 3 else topics[:3] + [topics[6 + k]]
                answer = ", ".join(g.title(x) for x in picked)
                options = sorted((g.title(x) for x in picked), key=lambda o: _seed("order", t, o))  # noqa: B023
                if options == [g.title(x) for x in picked]:
                    options = options[1:] + options[:1]
                question = "Put these topics in the roadmap's learning order (answer with the letters, e.g. BDAC)."
                item = make_item("order", t, t, f"{question} [{g.title(t)}]", answer, s.chunk, s.text, s.text,
                                 difficulty=self.difficulty("order", t, False, question),
                                 names={g.title(x): titles[x] for x in topics})
                item.options = options
                self.add(item)
            return


def item_chunk_text(chunks: list[dict[str, Any]], chunk_id: str) -> str:
    return next((c["text"] for c in chunks if c["id"] == chunk_id), "")


NOT_TAUGHT = {"project", "lab"}  # the tutor's own files and the lab tasks: indexed to answer about, never quizzed


def items_for_document(doc_id: str, chunks: list[dict[str, Any]], graph: RoadmapGraph, key: str = "") -> Unit:
    """Every item one document yields, each checked against its chunk (none from a project file or a lab task)."""
    if any((c.get("metadata") or {}).get("kind") in NOT_TAUGHT for c in chunks):
        return Unit(key, [], {})
    doc = _DocItems(doc_id, chunks, graph)
    for make in (doc.concepts, doc.commands, doc.practice, doc.symptoms, doc.prerequisites, doc.orders):
        make()
    return Unit(key, doc.items, doc.rejected)


def build_units(doc_chunks: dict[str, list[str]], graph: RoadmapGraph, previous: dict[str, Unit],
                fetch: Any) -> tuple[dict[str, Unit], list[str]]:
    """The bank's units for the documents ``doc_chunks`` names (doc id → chunk ids), reusing every unit of
    ``previous`` whose key still matches; ``fetch(ids)`` returns chunks ({id, text, metadata}) for the rest.
    Returns the units and the ids of the documents made again."""
    fingerprint = graph_fingerprint(graph)
    units: dict[str, Unit] = {}
    remade: list[str] = []
    for doc_id in sorted(doc_chunks):
        key = unit_key(doc_id, doc_chunks[doc_id], fingerprint)
        old = previous.get(doc_id)
        if old is not None and old.key == key:
            units[doc_id] = old
            continue
        units[doc_id] = items_for_document(doc_id, fetch(doc_chunks[doc_id]), graph, key)
        remade.append(doc_id)
    return units, remade


def bank_items(units: dict[str, Unit]) -> list[Item]:
    """All items, each id once (the first document in id order keeps an item two documents both yield)."""
    seen: set[str] = set()
    out = []
    for doc_id in sorted(units):
        for item in units[doc_id].items:
            if item.id not in seen:
                seen.add(item.id)
                out.append(item)
    return out
