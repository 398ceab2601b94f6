"""The citation guard on a toy vocabulary (fast tier): no sentence ends without a [n] of a given passage, the
number is one the model was given, and code is left alone. The real model runs it in test_local_llm.py."""

from __future__ import annotations

import numpy as np
import pytest

from app.infra.llm.citeguard import CitationGuard, drop_unfinished

PIECES = ["<eos>", "Docker", " runs", " containers", " well", ".", " Then", " [", "[", "1", "2", "3", "]", "].",
          "\n", ".\n", " `", "arr", "```", " it", "7", " ", " Kubernetes", " schedules", " pods", " Docker"]


class ToyLlama:
    """What the guard reads from llama_cpp.Llama: the vocabulary, tokenizer and end-of-text token."""

    def n_vocab(self) -> int:
        return len(PIECES)

    def detokenize(self, ids, special=False) -> bytes:
        return "".join("" if PIECES[i] == "<eos>" else PIECES[i] for i in ids).encode()

    def tokenize(self, text: bytes, add_bos=False, special=False) -> list[int]:
        piece = text.decode()
        return [PIECES.index(piece)] if piece in PIECES else [0, 0]  # not one token here

    def token_eos(self) -> int:
        return 0


def step(guard: CitationGuard, text_ids: list[int], favour: str) -> str:
    """One decoding step after ``text_ids`` (prompt of 3 tokens first) where the model favours ``favour``."""
    if guard.text == "" and guard.forced == 0:
        guard(np.array([5, 5, 5]), np.zeros(len(PIECES), dtype=np.float32))  # the first step sees the prompt only
    scores = np.zeros(len(PIECES), dtype=np.float32)
    scores[PIECES.index(favour)] = 10.0
    out = guard(np.array([5, 5, 5, *text_ids]), scores)
    return PIECES[int(np.argmax(out))]


def ids(*pieces: str) -> list[int]:
    return [PIECES.index(p) for p in pieces]


@pytest.fixture
def guard() -> CitationGuard:
    return CitationGuard(ToyLlama(), citable=[2, 3])


def test_a_sentence_that_would_end_uncited_gets_a_citation_instead(guard):
    sentence = ids("Docker", " runs", " containers", " well")
    for ending in (".\n", "\n", "<eos>"):  # a sentence end inside a token, a new line, the end of the answer
        assert step(CitationGuard(ToyLlama(), [2, 3]), sentence, ending) == " ["
    # after "." the next word would start a new sentence
    assert step(guard, [*sentence, *ids(".")], " Then") == " ["


def test_only_the_given_passage_numbers_then_a_closing_bracket(guard):
    cited = ids("Docker", " runs", " containers", " well", " [")
    assert step(guard, cited, "1") in {"2", "3"}  # 1 was not given to the model
    assert step(guard, [*cited, *ids("2")], "7") in {"]", "]."}


def test_a_citation_after_the_stop_closes_that_sentence_not_the_next(guard):
    # "... well. [2] Docker runs containers" : the [2] belongs to the first sentence, the second still needs one
    text = ids("Docker", " runs", " containers", " well", ".", " [", "2", "]", " Then", " it", " runs", " containers")
    assert step(guard, [*text, *ids(".")], " Then") == " ["


def test_a_marker_after_the_stop_is_not_the_subject_of_what_follows(guard):
    # "... well. [2] suggests that ..." read "... well. suggests that ..." once the marker was shown as a citation
    closed = ids("Docker", " runs", " containers", " well", ".", " [", "2", "]")
    assert step(guard, closed, " it") != " it"
    assert step(guard, closed, " Then") == " Then"  # a new sentence
    assert step(guard, closed, "\n") == "\n"  # or a new line, or the end
    assert step(guard, closed, "<eos>") == "<eos>"
    assert step(guard, [*closed, *ids(" ")], "arr") != "arr"
    assert step(guard, [*closed, *ids(" ")], "Docker") == "Docker"
    # a marker before the stop is the usual citation: the sentence goes on however the model likes
    cited = ids("Docker", " runs", " containers", " [", "2", "]")
    assert step(CitationGuard(ToyLlama(), [2, 3]), cited, " it") == " it"


def test_a_cited_sentence_ends_freely_and_short_or_code_text_is_left_alone(guard):
    assert step(guard, ids("Docker", " runs", " containers", " [", "2", "]"), ".\n") == ".\n"
    assert step(guard, ids("Docker", " runs"), "<eos>") == "<eos>"  # two words: no claim to cite
    assert step(guard, ids("```", "\n", "Docker", " runs", " containers", " well"), "\n") == "\n"  # code block
    assert step(guard, ids("Docker", " runs", " containers", " `", "arr", "["), "7") == "7"  # inline code


def test_an_answer_cut_off_by_the_token_limit_loses_its_unfinished_sentence():
    assert drop_unfinished("Docker runs containers [1]. Then it also") == "Docker runs containers [1]."
    assert drop_unfinished("Run it [2].\n```bash\nchmod +x a.sh") == "Run it [2]."
    assert drop_unfinished("Docker runs containers [1].") == "Docker runs containers [1]."
    # a cut inside inline code ends with a "." that is no sentence end
    assert drop_unfinished("Use chmod [1]. To let all users read `secrets.") == "Use chmod [1]."


def test_the_digit_is_steered_to_the_passage_whose_evidence_the_sentence_uses():
    """The prompt's evidence: [2] is about Docker, [3] about Kubernetes. A sentence in [3]'s words, cited by a
    model with no preference, cites [3]; a model sure of [2] still outvotes the steer; a sentence that matches no
    evidence line is not steered."""
    prompt = ids("[", "2", "]", " ", "Docker", " runs", " containers", "\n",
                 "[", "3", "]", " Kubernetes", " schedules", " pods", "\n")
    said = ids(" Kubernetes", " schedules", " pods", " well", " [")

    def cite(sentence: list[int], prefer: dict[str, float]) -> tuple[str, CitationGuard]:
        guard = CitationGuard(ToyLlama(), citable=[2, 3])
        guard(np.array(prompt), np.zeros(len(PIECES), dtype=np.float32))
        scores = np.zeros(len(PIECES), dtype=np.float32)
        for piece, value in prefer.items():
            scores[PIECES.index(piece)] = value
        return PIECES[int(np.argmax(guard(np.array([*prompt, *sentence]), scores)))], guard

    chosen, guard = cite(said, {"2": 1.0})
    assert chosen == "3" and guard.steered == 1
    assert cite(said, {"2": 10.0})[0] == "2"
    chosen, guard = cite(ids(" it", " runs", " well", " [", ), {"2": 1.0})
    assert chosen == "2" and guard.steered == 0


def test_a_sentence_written_again_ends_the_answer():
    """A small model can loop; once a sentence comes round again word for word, only the end of text may follow."""
    again = ids("Docker", " runs", " containers", " [", "2", "]", ".", " Then", " it", " runs", " [", "3", "]", ".",
                " Docker", " runs", " containers", " [", "3", "]", ".")
    guard = CitationGuard(ToyLlama(), [2, 3])
    assert step(guard, again, " Then") == "<eos>" and guard.stopped
    assert step(CitationGuard(ToyLlama(), [2, 3]), again[:14], " Then") == " Then"  # nothing repeated yet


def test_no_sentence_starts_with_a_citation(guard):
    """A small model copies the evidence's layout ("[2] Next comes Linux."); the citation must follow the claim."""
    assert step(guard, [], "[") not in {"[", " ["}
    assert step(CitationGuard(ToyLlama(), [2, 3]), ids("Docker", " runs", " containers", " [", "2", "]", ".", " "),
                " [") not in {"[", " ["}
    assert step(CitationGuard(ToyLlama(), [2, 3]), ids("Docker", " runs", " containers", "\n"), "[") not in {"[", " ["}


def test_a_citation_after_the_stop_is_steered_by_the_sentence_before_it():
    prompt = ids("[", "2", "]", " ", "Docker", " runs", " containers", "\n",
                 "[", "3", "]", " Kubernetes", " schedules", " pods", "\n")
    guard = CitationGuard(ToyLlama(), citable=[2, 3])
    guard(np.array(prompt), np.zeros(len(PIECES), dtype=np.float32))
    scores = np.zeros(len(PIECES), dtype=np.float32)
    scores[PIECES.index("2")] = 1.0
    out = guard(np.array([*prompt, *ids(" Kubernetes", " schedules", " pods", ".", " [")]), scores)
    assert PIECES[int(np.argmax(out))] == "3" and guard.steered == 1
