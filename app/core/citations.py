"""Citations are checked in code, not trusted.

Every sentence of an answer is scored for support against each retrieved passage: the share of its
content words the passage contains, lowered when it negates what the passage says or states a number the
passage lacks, and blended with embedding similarity when an embedder is given. A citation to a passage
that does not exist is dropped; a sentence whose cited passage does not support it is re-pointed to the
passage that does; a claim no passage supports is flagged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.infra.embed import SupportsEmbed

from app.core.declines import makes_no_claim
from app.core.text import (
    STOPWORDS,
    Layout,
    citations_in,
    code_lines,
    content_terms,
    has_negation,
    layout_of,
    numbers,
    passage_sentences,
    strip_citations,
    words,
)

SUPPORTED = 0.6  # a sentence at or above this support is grounded in the passage
REPAIR_MARGIN = 0.15
_NAME = re.compile(r"(?<![\w.+#-])[A-Z][A-Za-z0-9+#.-]*[A-Za-z0-9+#]")  # not the tail of "all-MiniLM"


@dataclass
class SentenceCheck:
    text: str  # without citation markers
    cited: list[int]  # after repair
    support: float  # support by the best of its cited passages (0 when uncited)
    best_passage: int | None
    repaired: bool = False
    claim: bool = True

    @property
    def supported(self) -> bool:
        return not self.claim or self.support >= SUPPORTED

    @property
    def reason(self) -> str:
        """Why an unsupported sentence is flagged, in words a learner can act on."""
        if not self.cited:
            return "no retrieved source says this"
        marks = ", ".join(f"[{n}]" for n in self.cited)
        return f"the cited source {marks} does not say this (support {self.support:.2f}, needs {SUPPORTED:.2f})"


@dataclass
class CitationCheck:
    sentences: list[SentenceCheck]
    invalid_citations: list[int] = field(default_factory=list)
    # a generated answer's shape, and which of its units each checked sentence is (code blocks are no claims)
    layout: Layout | None = None
    slots: dict[int, int] = field(default_factory=dict)

    @staticmethod
    def _marked(s: SentenceCheck) -> str:
        marks = "".join(f" [{n}]" for n in s.cited)
        if marks and s.text[-1:] in ".!?:":
            return f"{s.text[:-1]}{marks}{s.text[-1]}"
        return s.text + marks

    @property
    def marked(self) -> list[str]:
        """Each checked sentence with its (repaired) citations."""
        return [self._marked(s) for s in self.sentences]

    @property
    def answer(self) -> str:
        """The checked answer, citations as repaired, in the layout the model wrote (lines, lists, code)."""
        if self.layout is None:
            return " ".join(self._marked(s) for s in self.sentences)
        units = self.layout.units
        return self.layout.render([units[u] if u in self.layout.code else
                                   self._marked(self.sentences[self.slots[u]]) if u in self.slots else None
                                   for u in range(len(units))])

    @property
    def unsupported(self) -> list[str]:
        return [s.text for s in self.sentences if not s.supported]

    @property
    def cited(self) -> list[int]:
        return sorted({n for s in self.sentences for n in s.cited})

    @property
    def claims(self) -> int:
        return sum(s.claim for s in self.sentences)

    def details(self) -> list[dict[str, object]]:
        """Each unsupported sentence with its citations, support and reason (the UI marks them in place)."""
        return [{"sentence": s.text, "cited": s.cited, "support": round(s.support, 3), "reason": s.reason}
                for s in self.sentences if not s.supported]

    def pruned(self) -> CitationCheck:
        """The check without its unsupported sentences (strict mode), in the same layout."""
        keep = [i for i, s in enumerate(self.sentences) if s.supported]
        index = {old: new for new, old in enumerate(keep)}
        slots = {unit: index[i] for unit, i in self.slots.items() if i in index}
        return CitationCheck([self.sentences[i] for i in keep], self.invalid_citations, self.layout, slots)

    def support_of(self, n: int) -> float:
        return max((s.support for s in self.sentences if n in s.cited), default=0.0)


# How an answer frames a fact, not the fact: "you need to use the `chmod +x` command" claims `chmod +x`.
FRAMING = frozenset(content_terms("need needs use uses used using make makes making want wants way simply command "
                                  "able example"))  # "For example: `ls -la`." claims only the command


def lexical_support(sentence: str, passage: str) -> float:
    terms = [t for t in content_terms(sentence) if t not in FRAMING] or content_terms(sentence)
    if not terms:
        return 1.0
    passage_terms = set(content_terms(passage))
    score = sum(t in passage_terms for t in terms) / len(terms)
    missing_numbers = numbers(sentence) - numbers(passage)
    if missing_numbers:
        score *= 0.5
    if has_negation(sentence) != _closest_has_negation(sentence, passage):
        score *= 0.5
    return score


def unseen_names(sentence: str, passage: str) -> list[str]:
    """Capitalised names in ``sentence`` (after its first word) that ``passage`` never mentions."""
    seen = set(words(passage))
    body = sentence.split(" ", 1)[1] if " " in sentence else ""
    names = (n for n in _NAME.findall(body) if n.lower() not in STOPWORDS)
    return sorted({n for n in names if any(w not in seen for w in words(n))})


def _closest_has_negation(sentence: str, passage: str) -> bool:
    terms = set(content_terms(sentence))
    best, best_overlap = "", -1
    # a quoted command is closest to its own line in a code block, not to the prose around it
    for candidate in passage_sentences(passage) + code_lines(passage) or [passage]:
        overlap = len(terms & set(content_terms(candidate)))
        if overlap > best_overlap:
            best, best_overlap = candidate, overlap
    return has_negation(best)


# Support this high means every content word of the sentence is in the passage: meaning cannot add to it, so such
# a pair is never embedded (an extractive answer quotes its passages: most of its pairs).
VERBATIM = 0.999


def support_matrix(sentences: list[str], passages: list[str], embedder: SupportsEmbed | None = None
                   ) -> list[list[float]]:
    matrix = [[lexical_support(s, p) for p in passages] for s in sentences]
    # Embeddings catch paraphrase; lexical evidence keeps swapped names and numbers honest. Only the pairs below
    # VERBATIM have their texts embedded.
    weak = [(i, j) for i, row in enumerate(matrix) for j, lex in enumerate(row) if lex < VERBATIM]
    if embedder is not None and weak:
        rows = sorted({i for i, _ in weak})
        cols = sorted({j for _, j in weak})
        vectors = embedder.embed([sentences[i] for i in rows] + [passages[j] for j in cols])
        sv = dict(zip(rows, vectors[: len(rows)], strict=True))
        pv = dict(zip(cols, vectors[len(rows):], strict=True))
        for i, j in weak:
            cos = sum(a * b for a, b in zip(sv[i], pv[j], strict=True))
            matrix[i][j] = 0.7 * matrix[i][j] + 0.3 * max(0.0, (cos - 0.2) / 0.6)
    # A swapped or invented name is one word of many: overlap and embeddings barely notice it
    # (measured on evals/labeled/: 0-8% of invented names were flagged without this).
    return [[v * 0.5 if unseen_names(s, p) else v for v, p in zip(row, passages, strict=True)]
            for s, row in zip(sentences, matrix, strict=True)]


def check_citations(answer: str | list[str], passages: list[str], embedder: SupportsEmbed | None = None
                    ) -> CitationCheck:
    """``answer`` is generated text, or sentences already split (the extractive composer's)."""
    layout = layout_of(answer) if isinstance(answer, str) else None
    if layout is not None:
        where = [u for u in range(len(layout.units)) if u not in layout.code]
        raw = [layout.units[u] for u in where]
    else:
        raw = [s for s in answer if s.strip()]
        where = list(range(len(raw)))
    texts = [strip_citations(s) for s in raw]
    matrix = support_matrix(texts, passages, embedder)
    checks: list[SentenceCheck] = []
    invalid: list[int] = []
    slots: dict[int, int] = {}
    for unit, raw_sentence, text, row in zip(where, raw, texts, matrix, strict=True):
        if not text:
            continue
        slots[unit] = len(checks)
        cited = []
        for n in citations_in(raw_sentence):
            if 1 <= n <= len(passages):
                if n not in cited:
                    cited.append(n)
            else:
                invalid.append(n)
        best = max(range(len(passages)), key=lambda j: row[j]) + 1 if passages else None
        claim = not makes_no_claim(text) and len(content_terms(text)) >= 2
        support = max((row[n - 1] for n in cited), default=0.0)
        repaired = False
        if claim and best is not None and support < SUPPORTED and row[best - 1] >= SUPPORTED \
                and row[best - 1] >= support + REPAIR_MARGIN:
            cited, support, repaired = [best], row[best - 1], True
        if not claim:
            cited = []
        checks.append(SentenceCheck(text, cited, support, best, repaired, claim))
    return CitationCheck(checks, invalid, layout, slots)
