"""Citations by construction for llama.cpp: a logits processor that lets no sentence end without a ``[n]``.

At every decoding step the guard looks at the text generated so far. While the current sentence carries no
citation (and has a few words, and is not inside a code block or inline code), every token that would end it
(a newline, end of text, whitespace after ``.``/``!``/``?``, or a token holding such an end) is masked and its
score goes to `` [``. After a ``[`` only the digits of passages the model was given may follow, then ``]``.
So the model chooses *which* passage to cite, never *whether* to cite, and never a number it was not given.
Its choice is steered by the evidence: when one passage's evidence line in the prompt shares clearly more of
the sentence's words than any other, that passage's digit gets ``STEER`` added to its score (the model can still
outvote it). A small model otherwise cites the first number it saw; the checker then had to re-point it.

Measured against a GBNF grammar doing the same (``bench/answer_bench.py``): the grammar constrains every
token against a 151k vocabulary and slowed decoding 2-4x on this machine; this guard touches a few hundred
ids per step and costs well under a millisecond.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np

MIN_WORDS = 3  # a fragment shorter than this ("Yes.", "For example:") is not held to a citation
_SENTENCE_END = re.compile(r"[.!?]\s|\n")
_WORD = re.compile(r"[A-Za-z]{2,}")
_LEADING_CITATIONS = re.compile(r"^\s*(?:\[\d+\]\s*)+")
_CITATION = re.compile(r"\s*\[\d+\]")
_EVIDENCE_LINE = re.compile(r"^\[(\d)\] (.+)$", re.M)
# "... last state. [1]": the stop ended the sentence, the marker closed it; the next word opens a new sentence
_CLOSED_AFTER_STOP = re.compile(r"[.!?]\s*(?:\[\d+\]\s*)*\[\d+\](\s*)$")
_OPENS_SENTENCE = re.compile(r"[A-Z0-9`\"'(*-]")  # the prompt's evidence: "[2] sentences of passage 2"
STEER = 4.0  # logits added to the digit of the passage whose evidence the sentence uses
MIN_SHARED = 2  # words the sentence must share with that evidence, and more than with any other passage's
_COMMON = frozenset("the and for with that this are you your can from use used into its it's not but all any "
                    "when what how which has have was were will one more than then them they their there".split())


@dataclass(frozen=True)
class Vocabulary:
    """The token classes the guard needs, read once per model from its vocabulary."""

    ends_inside: np.ndarray  # tokens holding a sentence end: ".\n", "!\n\n", "\n", ...
    leading_space: np.ndarray  # tokens that start with whitespace (they end a sentence after ". ")
    open_bracket: int  # " ["
    brackets: np.ndarray  # tokens that open with "[" (after any whitespace): no sentence may start with a citation
    close: np.ndarray  # tokens starting with "]"
    opens_spaced: np.ndarray  # whitespace, then what can open a sentence (" The", " `kubectl", "\n")
    opens: np.ndarray  # what can open a sentence right after a space ("The", "`")
    digits: dict[int, int]  # 1..9 -> token id
    eos: int

    @property
    def ends(self) -> np.ndarray:
        """What ends a sentence anywhere: a token holding an end, or the end of text."""
        return self._cached("ends", lambda: np.unique(np.append(self.ends_inside, self.eos)))

    @property
    def ends_after_stop(self) -> np.ndarray:
        """What ends a sentence right after ".": also any token that starts with whitespace."""
        return self._cached("ends_after_stop", lambda: np.unique(np.concatenate([self.ends, self.leading_space])))

    def _cached(self, name: str, make: Any) -> np.ndarray:
        cache = self.__dict__.setdefault("_arrays", {})
        if name not in cache:
            cache[name] = make()
        return cache[name]

    @classmethod
    def of(cls, llm: Any) -> Vocabulary:
        pieces = [_piece(llm, i) for i in range(llm.n_vocab())]
        ends = [i for i, p in enumerate(pieces) if _SENTENCE_END.search(p) or p.endswith(("\n",))]
        spaced = [i for i, p in enumerate(pieces) if p[:1].isspace()]
        close = [i for i, p in enumerate(pieces) if p.startswith("]") and "[" not in p]
        brackets = [i for i, p in enumerate(pieces) if p.lstrip().startswith("[")]
        opens_spaced = [i for i, p in enumerate(pieces) if p[:1].isspace() and
                        (_OPENS_SENTENCE.match(p.lstrip()) or "\n" in p)]
        opens = [i for i, p in enumerate(pieces) if _OPENS_SENTENCE.match(p)]
        open_ids = llm.tokenize(b" [", add_bos=False, special=False)
        digits = {}
        for d in range(1, 10):
            ids = llm.tokenize(str(d).encode(), add_bos=False, special=False)
            if len(ids) == 1:
                digits[d] = ids[0]
        if len(open_ids) != 1 or not close or not digits:
            raise ValueError("this model's vocabulary has no single-token ' [', ']' or digits")
        return cls(np.array(ends, dtype=np.int64), np.array(spaced, dtype=np.int64), open_ids[0],
                   np.array(brackets, dtype=np.int64), np.array(close, dtype=np.int64),
                   np.array(opens_spaced, dtype=np.int64), np.array(opens, dtype=np.int64), digits,
                   int(llm.token_eos()))


def _piece(llm: Any, token: int) -> str:
    try:
        return llm.detokenize([token], special=False).decode("utf-8", errors="ignore")
    except Exception:  # a control token with no text
        return ""


_vocab_lock = threading.Lock()


def vocabulary(llm: Any) -> Vocabulary:
    """Read once per loaded model (~0.6 s for Qwen's 151k tokens) and kept on it."""
    with _vocab_lock:
        vocab = getattr(llm, "_citation_vocabulary", None)
        if vocab is None:
            vocab = Vocabulary.of(llm)
            llm._citation_vocabulary = vocab
        return vocab


@dataclass
class CitationGuard:
    """One generation's guard: ``citable`` are the passage numbers the model was given."""

    llm: Any
    citable: list[int]
    vocab: Vocabulary = field(init=False)
    text: str = ""
    _prompt_len: int | None = None
    _seen: int = 0
    forced: int = 0  # citations the guard started (the model then picked the number)

    evidence: dict[int, set[str]] = field(default_factory=dict)  # passage number -> words of its evidence line
    steered: int = 0  # citations whose digit the evidence steered
    stopped: bool = False  # generation ended because a sentence came round again

    def __post_init__(self) -> None:
        self.vocab = vocabulary(self.llm)
        allowed = [self.vocab.digits[n] for n in self.citable if n in self.vocab.digits]
        self._allowed_digits = np.array(allowed or list(self.vocab.digits.values())[:1], dtype=np.int64)

    def __call__(self, input_ids: np.ndarray, scores: np.ndarray) -> np.ndarray:
        if self._prompt_len is None:
            self._prompt_len = self._seen = len(input_ids)
            prompt = self.llm.detokenize([int(t) for t in input_ids], special=False).decode("utf-8", errors="ignore")
            self.evidence = {int(n): words(line) for n, line in _EVIDENCE_LINE.findall(prompt)
                             if int(n) in self.citable and int(n) in self.vocab.digits}
        if len(input_ids) > self._seen:
            new = [int(t) for t in input_ids[self._seen:]]
            self.text += self.llm.detokenize(new, special=False).decode("utf-8", errors="ignore")
            self._seen = len(input_ids)
        if self.looping():  # the model wrote a sentence again: it has nothing more to say
            self.stopped = True
            return _only(scores, np.array([self.vocab.eos], dtype=np.int64))
        state = self.state()
        if state == "start":  # "[2] Next comes Linux." copies the evidence's layout: cite after the claim instead
            scores[self.vocab.brackets] = -np.inf
            return scores
        if state == "digit":
            scores = _only(scores, self._allowed_digits)
            n = self.best_evidence()
            if n is not None:
                scores[self.vocab.digits[n]] += STEER
                self.steered += 1
            return scores
        if state == "close":
            return _only(scores, self.vocab.close)
        if state == "closed":  # not "[1] suggests that ...": a marker is not a sentence's subject
            spaced = not self.text[-1:].isspace()
            allowed = self.vocab.opens_spaced if spaced else self.vocab.opens
            return _only(scores, np.unique(np.concatenate([allowed, self.vocab.ends, [self.vocab.open_bracket]])))
        if state == "uncited":
            ids = self.vocab.ends_after_stop if self.text[-1:] in ".!?" else self.vocab.ends
            best = float(np.max(scores[ids]))
            scores[ids] = -np.inf
            if best > scores[self.vocab.open_bracket]:
                scores[self.vocab.open_bracket] = best
                if best >= float(np.max(scores)):
                    self.forced += 1
        return scores

    def looping(self) -> bool:
        """The text just finished a sentence, outside code, that it had already written word for word."""
        text = self.text.rstrip()
        if not text.endswith((".", "!", "?")) or text.count("```") % 2 == 1:
            return False
        said = [" ".join(_CITATION.sub("", s).lower().split()) for s in re.split(r"(?<=[.!?])\s+", text)]
        return len(said) > 1 and len(said[-1].split()) >= MIN_WORDS and said[-1] in said[:-1]

    def best_evidence(self) -> int | None:
        """The passage whose evidence line shares clearly the most words with the sentence being cited."""
        # "... non-negotiable [" or "... non-negotiable. [": the sentence before the bracket
        sentence = re.split(r"[.!?]\s+|\n", self.text[:-1].rstrip().rstrip(".!?"))[-1]
        said = words(_LEADING_CITATIONS.sub("", sentence))
        shared = sorted(((len(said & ev), n) for n, ev in self.evidence.items()), reverse=True)
        if not shared or shared[0][0] < MIN_SHARED or (len(shared) > 1 and shared[1][0] == shared[0][0]):
            return None
        return shared[0][1]

    def state(self) -> str:
        """start | free | uncited | digit | close | closed, from the text so far."""
        text = self.text
        if text.count("```") % 2 == 1:  # inside a code block: commands, not claims
            return "free"
        line = text.rsplit("\n", 1)[-1]
        if line.count("`") % 2 == 1:  # inside inline code: "arr[0]" is not a citation
            return "free"
        if re.search(r"\[$", text):
            return "digit"
        if re.search(r"\[\d$", text):
            return "close"
        if not text.strip() or re.search(r"(?:[.!?]\s+|\n\s*)$", text):
            return "start"
        if _CLOSED_AFTER_STOP.search(text):
            return "closed"
        sentence = re.split(r"[.!?]\s+|\n", text)[-1]
        sentence = _LEADING_CITATIONS.sub("", sentence)  # "... owner. [1] You can" : the [1] closed the last one
        if not sentence:
            return "free"
        if "[" in sentence and re.search(r"\[\d+\]", sentence):
            return "free"
        if line.lstrip().startswith(("```", "#")):
            return "free"
        return "uncited" if len(_WORD.findall(sentence)) >= MIN_WORDS else "free"


def words(text: str) -> set[str]:
    """A sentence's words for matching it to evidence: lower case, no short or common words."""
    return {w for w in (m.lower() for m in _WORD.findall(text)) if len(w) > 2 and w not in _COMMON}


def _only(scores: np.ndarray, ids: np.ndarray) -> np.ndarray:
    keep = scores[ids].copy()
    scores[:] = -np.inf
    scores[ids] = keep
    return scores


def drop_unfinished(text: str) -> str:
    """A generation cut off by its token limit loses its unfinished end: an unclosed code block, or a last sentence
    that never got its citation ("To allow all users to read `secrets." stops mid-word)."""
    stripped = text.rstrip()
    if stripped.count("```") % 2 == 1:  # an unclosed code block: drop it whole
        return stripped[: stripped.rfind("```")].rstrip()
    cut = max(stripped.rfind("]"), stripped.rfind("```"), stripped.rfind("\n"))
    cut += len(re.match(r"[.!?]*", stripped[cut + 1:]).group())  # type: ignore[union-attr]  # "[1]." keeps its "."
    tail = stripped[cut + 1:]
    return stripped[: cut + 1].rstrip() if cut >= 0 and len(_WORD.findall(tail)) else stripped
