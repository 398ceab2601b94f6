"""The extractive answer: no model, the best-supporting sentences of the retrieved passages plus the
learning path from the graph, every sentence cited. Instant and deterministic; also the fallback."""

from __future__ import annotations

from app.core.graph import RoadmapGraph
from app.core.retrieval import GraphContext, Passage
from app.core.safety import injected
from app.core.text import content_terms, passage_sentences

MAX_SENTENCES = 4
MAX_PER_PASSAGE = 2
MIN_SCORE = 0.6  # below this a sentence shares too little with the question to be worth quoting


def passage_context(p: Passage) -> str:
    """What a reader of passage [n] sees: its title and section, then its text."""
    return f"{p.metadata.get('title', '')} — {p.metadata.get('section', '')}\n{p.text}"


def _join(titles: list[str]) -> str:
    return titles[0] if len(titles) == 1 else ", ".join(titles[:-1]) + " and " + titles[-1]


def _best_passage_for(sentence: str, passages: list[Passage]) -> int | None:
    terms = set(content_terms(sentence))
    if not terms:
        return None
    scored = [(len(terms & set(content_terms(passage_context(p)))) / len(terms), i) for i, p in enumerate(passages)]
    score, index = max(scored, default=(0.0, 0))
    return index + 1 if score >= 0.6 else None


def graph_sentences(ctx: GraphContext, graph: RoadmapGraph) -> list[str]:
    """What the roadmap graph says about a before/after/next question, in plain sentences."""
    if ctx.intent == "before" and ctx.path:
        topic, before = ctx.path[-1], ctx.path[:-1]
        if not before:
            return [f"{graph.title(topic)} is the first topic of the learning sequence."]
        return [f"Before {graph.title(topic)}, learn {_join([graph.title(t) for t in before])}, in that order."]
    if ctx.intent == "after" and ctx.focus:
        if ctx.target is None:
            return [f"{graph.title(ctx.focus)} is the last step of the learning sequence."]
        if graph.kind(ctx.target) == "tier":
            return [f"Next comes {graph.title(ctx.target)}."]
        return [f"After {graph.title(ctx.focus)} comes {graph.title(ctx.target)}."]
    if ctx.intent == "next" and ctx.target:
        return [f"Next in the learning sequence: {graph.title(ctx.target)}."]
    return []


def compose_extractive(question: str, passages: list[Passage], ctx: GraphContext, graph: RoadmapGraph,
                       sanitize: bool = True) -> list[str]:
    """The answer as a list of sentences, each ending in its citation."""
    chosen: list[tuple[str, int]] = []
    for sentence in graph_sentences(ctx, graph):
        n = _best_passage_for(sentence, passages)
        if n is not None:
            chosen.append((sentence, n))
    # An after/next question is about where it leads, not where it starts.
    focus_nodes = [ctx.target] if ctx.target else ([ctx.focus] if ctx.focus else [])
    question_terms = set(content_terms(question))
    focus_terms = set(content_terms(" ".join(graph.title(n) for n in focus_nodes))) - question_terms
    candidates: list[tuple[float, str, int]] = []
    for rank, passage in enumerate(passages):
        doc_id = str(passage.metadata.get("doc_id", ""))
        nodes = str(passage.metadata.get("nodes", ""))
        section = str(passage.metadata.get("section", "")).lower()
        on_focus = any(f",{n}," in nodes for n in focus_nodes)
        target_doc = ctx.target is not None and graph.title(ctx.target).lower() in section
        for sentence in passage_sentences(passage.text):
            terms = content_terms(sentence)
            letters = sum(c.isalpha() or c == " " for c in sentence) / max(1, len(sentence))
            roadmap = doc_id.startswith("roadmap-")
            # The roadmap states facts tersely ("Git is non-negotiable."); elsewhere short lines are fragments.
            complete = sentence.endswith((".", "!", "?")) and len(sentence.split()) >= (3 if roadmap else 5)
            fragment = len(terms) < (2 if roadmap else 4) or letters < 0.8 or not complete
            if fragment or (sanitize and injected(sentence)) or sentence.startswith(("#", "*")):
                continue  # fragments, command synopses and markup teach nothing on their own
            unique = set(terms)
            # the learner's own words count fully; the topic's name only half
            overlap = (len(question_terms & unique) + 0.5 * len(focus_terms & unique)) / (len(unique) ** 0.5)
            # The roadmap's own words about the topic come first; notes and references add detail.
            score = overlap + 0.3 / (rank + 1) + (0.6 if roadmap and on_focus else 0.25 if roadmap else 0) \
                + (0.2 if on_focus else 0) + (0.4 if target_doc else 0)
            candidates.append((score, sentence, rank + 1))
    candidates.sort(key=lambda c: -c[0])
    for score, sentence, n in candidates:
        if len(chosen) >= MAX_SENTENCES or (chosen and score < MIN_SCORE):
            break
        if sum(1 for _, m in chosen if m == n) >= MAX_PER_PASSAGE:
            continue
        seen = set(content_terms(sentence))
        if any(len(seen & set(content_terms(s))) / max(1, len(seen)) > 0.7 for s, _ in chosen):
            continue
        chosen.append((sentence, n))
    return [_cite(sentence, n) for sentence, n in chosen]


def _cite(sentence: str, n: int) -> str:
    sentence = sentence.rstrip()
    if sentence[-1:] in ".!?":
        return f"{sentence[:-1]} [{n}]{sentence[-1]}"
    return f"{sentence} [{n}]."
