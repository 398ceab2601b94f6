"""Groundedness without an LLM judge: how well a passage supports a sentence, and how good that detector is.

``GroundednessDetector`` scores (sentence, passage) pairs with the tutor's own evidence
(``app.core.citations.support_matrix``: content-word overlap, negation, number and unseen-name checks,
blended with embedding similarity) plus one check of its own: a roadmap term (topic, alias, subtopic)
in the sentence that the passage never mentions. ``measure`` reports its precision, recall and AUROC
at flagging unsupported sentences on the labeled set in evals/labeled/ (see evals/labeled.py).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app.core.citations import SUPPORTED, VERBATIM, lexical_support, support_matrix
from app.core.text import words

log = logging.getLogger("evals")
LABELED = Path(__file__).parent / "labeled" / "groundedness.jsonl"


class _CachedEmbedder:
    """Embeds each distinct text once, so scoring many pairs costs one batch."""

    def __init__(self, embedder: Any) -> None:
        self.embedder = embedder
        self.cache: dict[str, list[float]] = {}

    def prime(self, texts: Sequence[str]) -> None:
        todo = sorted({t for t in texts if t not in self.cache})
        for text, vec in zip(todo, self.embedder.embed(todo) if todo else [], strict=True):
            self.cache[text] = vec

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        self.prime(texts)
        return [self.cache[t] for t in texts]


def unseen_terms(sentence: str, passage: str, vocabulary: Sequence[str]) -> list[str]:
    """Roadmap terms in ``sentence`` that ``passage`` never mentions (lower-case swaps: "pods" -> "joins")."""
    seen = set(words(passage))
    low = " " + " ".join(words(sentence)) + " "
    return [t for t in vocabulary if f" {t} " in low and any(w not in seen for w in t.split())]


class GroundednessDetector:
    def __init__(self, embedder: Any | None = None, threshold: float = SUPPORTED,
                 vocabulary: Sequence[str] = ()) -> None:
        self.embedder = _CachedEmbedder(embedder) if embedder is not None else None
        self.threshold = threshold
        # roadmap terms (topics, aliases, subtopics), lower-cased: a swapped "pods" is not capitalised
        self.vocabulary = sorted({" ".join(words(v)) for v in vocabulary if len(v) > 2})

    @property
    def label(self) -> str:
        return "lexical+names" + ("+embedding" if self.embedder else "") + ("+vocabulary" if self.vocabulary else "")

    def score_pairs(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        if self.embedder is not None:  # one batch for the pairs support_matrix will embed (not the verbatim ones)
            self.embedder.prime([t for s, p in pairs if lexical_support(s, p) < VERBATIM for t in (s, p)])
        out = []
        for sentence, passage in pairs:
            score = support_matrix([sentence], [passage], self.embedder)[0][0]
            if unseen_terms(sentence, passage, self.vocabulary):
                score *= 0.5  # the same penalty app.core.citations gives an unseen capitalised name
            out.append(score)
        return out


def load_labeled(path: Path = LABELED) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def auroc(scores: Sequence[float], positives: Sequence[bool]) -> float:
    """Probability that a random positive scores above a random negative (ties count half)."""
    pos = [s for s, p in zip(scores, positives, strict=True) if p]
    neg = [s for s, p in zip(scores, positives, strict=True) if not p]
    if not pos or not neg:
        return float("nan")
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def measure(detector: GroundednessDetector, items: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Precision, recall and AUROC at flagging unsupported sentences (the positive class)."""
    items = items if items is not None else load_labeled()
    support = detector.score_pairs([(i["sentence"], i["passage"]) for i in items])
    positive = [not i["supported"] for i in items]
    flagged = [s < detector.threshold for s in support]
    tp = sum(f and p for f, p in zip(flagged, positive, strict=True))
    precision = tp / max(1, sum(flagged))
    recall = tp / max(1, sum(positive))
    by_kind: dict[str, list[bool]] = {}
    for item, f in zip(items, flagged, strict=True):
        # recall per perturbation kind; for the supported kinds, the share wrongly flagged
        by_kind.setdefault(item["kind"], []).append(f)
    return {"detector": detector.label, "threshold": detector.threshold, "n": len(items),
            "unsupported": sum(positive), "precision": round(precision, 3), "recall": round(recall, 3),
            "f1": round(2 * precision * recall / max(1e-9, precision + recall), 3),
            "auroc": round(auroc([1 - s for s in support], positive), 3),
            "flagged_by_kind": {k: round(sum(v) / len(v), 3) for k, v in sorted(by_kind.items())}}
