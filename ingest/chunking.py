"""Token-aware chunking that respects headings.

A chunk never crosses a section (heading) boundary. Within a section, paragraphs are packed up to
``max_tokens``; a paragraph too long for one chunk is split at sentences, then at token windows, and a code block
(blank lines and all) at its lines, each piece a closed block of its own. Each new
chunk of a section starts with the last lines of the previous one (up to ``overlap`` tokens).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from app.core.text import SENTENCE_BREAK
from app.infra.tokens import encoding
from ingest.documents import LoadedDocument, Section


@dataclass(frozen=True)
class Unit:
    line_start: int
    line_end: int
    text: str
    tokens: int


@dataclass(frozen=True)
class Chunk:
    id: str
    index: int
    text: str
    section: str
    location: str
    tokens: int

    def embedding_text(self, title: str) -> str:
        # The heading path gives a short chunk the context its words alone lack.
        return f"{title} — {self.section}\n{self.text}"


_FENCES = ("```", "~~~")  # the lines that open and close a code block


def _count(text: str) -> int:
    return len(encoding().encode(text, disallowed_special=()))


def _paragraph_units(section: Section, max_tokens: int) -> list[Unit]:
    units: list[Unit] = []
    block: list[tuple[int, str]] = []

    def flush() -> None:
        if not block:
            return
        text = "\n".join(t for _, t in block).strip("\n")
        tokens = _count(text)
        if tokens <= max_tokens:
            units.append(Unit(block[0][0], block[-1][0], text, tokens))
        elif any(t.strip().startswith(_FENCES) for _, t in block):
            units.extend(_split_code(block, max_tokens))
        else:
            units.extend(_split_long(block, max_tokens))
        block.clear()

    fenced = False  # inside a code block, where a blank line is part of the code, not a paragraph break
    for number, line in section.lines:
        if line.strip().startswith(_FENCES):
            fenced = not fenced
        if line.strip() or fenced:
            block.append((number, line.rstrip()))
        else:
            flush()
    flush()
    return units



def _split_code(block: list[tuple[int, str]], max_tokens: int) -> list[Unit]:
    """Split a paragraph holding a code block too long for one chunk at its lines, closing the block at the end of
    each piece and opening it again (with its language) at the start of the next: every chunk's code is a whole
    block, so a command is never read as prose nor prose as a command."""
    out: list[Unit] = []
    piece: list[tuple[int, str]] = []
    size = 0
    opener: str | None = None  # the fence line of the block open at this point
    reopen: str | None = None  # the block open where the current piece began

    def emit() -> None:
        if piece:
            lines = ([reopen] if reopen else []) + [t for _, t in piece] + (["```"] if opener else [])
            text = "\n".join(lines)
            out.append(Unit(piece[0][0], piece[-1][0], text, _count(text)))

    for number, line in block:
        tokens = _count(line) + 1
        if piece and size + tokens + 8 > max_tokens:  # 8: room for the fences around a piece
            emit()
            piece, size, reopen = [], 0, opener
        if line.strip().startswith(_FENCES):
            opener = None if opener else line.strip()
        piece.append((number, line))
        size += tokens
    emit()
    return out


def _split_long(block: list[tuple[int, str]], max_tokens: int) -> list[Unit]:
    """Split a paragraph that exceeds the budget: by line, then sentence, then token windows."""
    out: list[Unit] = []
    enc = encoding()
    for number, line in block:
        for sentence in SENTENCE_BREAK.split(line):
            ids = enc.encode(sentence, disallowed_special=())
            for start in range(0, len(ids), max_tokens):
                piece = enc.decode(ids[start : start + max_tokens])
                if piece.strip():
                    out.append(Unit(number, number, piece, min(max_tokens, len(ids) - start)))
    return _merge_small(out, max_tokens)


def _merge_small(units: list[Unit], max_tokens: int) -> list[Unit]:
    merged: list[Unit] = []
    for unit in units:
        if merged and merged[-1].tokens + unit.tokens + 1 <= max_tokens:
            last = merged[-1]
            sep = "\n" if unit.line_start != last.line_end else " "
            merged[-1] = Unit(last.line_start, unit.line_end, last.text + sep + unit.text,
                              last.tokens + unit.tokens + 1)
        else:
            merged.append(unit)
    return merged


def _pack(units: list[Unit], max_tokens: int, overlap: int) -> list[list[Unit]]:
    groups: list[list[Unit]] = []
    current: list[Unit] = []
    size = 0
    fresh = 0  # units in ``current`` that are not overlap carried from the previous chunk
    for unit in units:
        if current and size + unit.tokens > max_tokens and fresh:
            groups.append(current)
            carried: list[Unit] = []
            carried_size = 0
            for prev in reversed(current):
                if carried_size + prev.tokens > overlap or carried_size + prev.tokens + unit.tokens > max_tokens:
                    break
                carried.insert(0, prev)
                carried_size += prev.tokens
            current, size, fresh = carried, carried_size, 0
        current.append(unit)
        size += unit.tokens
        fresh += 1
    if current and fresh:
        groups.append(current)
    return groups


def _location(section: Section, group: list[Unit]) -> str:
    start, end = group[0].line_start, group[-1].line_end
    lines = f"line {start}" if start == end else f"lines {start}-{end}"
    return f"p. {section.page}, {lines}" if section.page is not None else lines


def chunk_document(doc_id: str, doc: LoadedDocument, max_tokens: int, overlap: int) -> list[Chunk]:
    chunks: list[Chunk] = []
    for section in doc.sections:
        heading = " > ".join(section.heading_path)
        for group in _pack(_paragraph_units(section, max_tokens), max_tokens, overlap):
            text = "\n\n".join(u.text for u in group)
            location = _location(section, group)
            index = len(chunks)
            digest = hashlib.sha256(f"{doc_id}\x1f{heading}\x1f{location}\x1f{text}".encode()).hexdigest()
            chunks.append(Chunk(id=f"{doc_id}:{index}:{digest[:12]}", index=index, text=text,
                                section=heading, location=location,
                                tokens=sum(u.tokens for u in group)))
    return chunks
