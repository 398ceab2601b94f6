"""How an answer looks: text, notices, flagged sentences, sources with the supporting sentence marked,
and the usage strip. Works from ``Answer.to_json()`` so history re-renders without recomputing."""

from __future__ import annotations

import html
from typing import Any

import streamlit as st

from app.core.presenting import source_label, usage_line
from app.core.text import (
    answer_sentences,
    citations_in,
    content_terms,
    layout_of,
    passage_sentences,
    strip_citations,
)


def supporting_sentence(passage: str, claims: list[str]) -> str | None:
    """The passage sentence that shares most words with the claims citing it."""
    terms = set(content_terms(" ".join(claims)))
    best, best_overlap = None, 0
    for sentence in passage_sentences(passage):
        overlap = len(terms & set(content_terms(sentence)))
        if overlap > best_overlap:
            best, best_overlap = sentence, overlap
    return best


def highlighted(passage: str, sentence: str | None) -> str:
    """The passage as safe HTML with the supporting sentence marked (passages are data: escape all)."""
    text = html.escape(passage)
    if sentence:
        words = sentence.split()
        # A list sentence is rebuilt from several lines; mark its first line-sized piece that occurs verbatim.
        for size in range(len(words), 2, -1):
            piece = html.escape(" ".join(words[:size]).rstrip(".:"))
            if piece and piece in text:
                text = text.replace(piece, f"<mark>{piece}</mark>", 1)
                break
    return text.replace("\n", "<br>")


def struck_through(answer: str, unsupported: list[str]) -> str:
    """The answer in its own layout with each unsupported sentence struck through where it stands."""
    if not unsupported:
        return answer
    flagged = set(unsupported)
    layout = layout_of(answer)
    return layout.render([f"~~{unit}~~" if i not in layout.code and strip_citations(unit) in flagged else unit
                          for i, unit in enumerate(layout.units)])


def render_answer(a: dict[str, Any]) -> None:
    for notice in a.get("notices", []):
        st.info(notice, icon=":material/info:")
    details = a.get("unsupported_details") or [{"sentence": s, "reason": "no retrieved source says this"}
                                               for s in a.get("unsupported_sentences", [])]
    st.markdown(struck_through(a["answer"], [d["sentence"] for d in details]))
    if details:  # one note per answer, however many sentences it flags
        listed = "\n".join(f"- “{d['sentence']}”: {d['reason']}" for d in details)
        what = "The struck-through sentence is" if len(details) == 1 else \
            f"The {len(details)} struck-through sentences are"
        st.warning(f"{what} not supported by the retrieved sources; check before relying on it:\n\n{listed}",
                   icon=":material/warning:")
    claims_by_n: dict[int, list[str]] = {}
    for sentence in answer_sentences(a["answer"]):
        for n in citations_in(sentence):
            claims_by_n.setdefault(n, []).append(strip_citations(sentence))
    for c in a.get("citations", []):
        with st.expander(source_label(c)):
            st.caption(f"{c['source']} · support {c['support']:.2f}")
            mark = supporting_sentence(c["text"], claims_by_n.get(c["n"], []))
            st.markdown(highlighted(c["text"], mark), unsafe_allow_html=True)
    st.caption(usage_line(a))
