"""Small text helpers shared by retrieval, citation checking and the extractive composer."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

STOPWORDS = frozenset("""
a an the and or but if then else of to in on at by for with from into onto over under about as is are was were
be been being it its this that these those there here what which who whom whose how why when where do does did
doing done can could should would will shall may might must i you he she we they me my your our their them his
her us so than too very just also only not no nor any some all each every both either neither such own same
other more most few many much one two first learn learning tell explain please know about up down out off
again once roadmap tutor after before come comes next then followed
""".split())
NEGATIONS = frozenset({"not", "no", "never", "without", "cannot", "none", "nothing", "neither", "nor"})
_WORD = re.compile(r"[a-z0-9][a-z0-9+#.-]*[a-z0-9+#]|[a-z0-9]")
SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[])")  # the one sentence splitter of prose
_CITE = re.compile(r"\[(\d{1,3})\]")


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("n't", " not"))


_KEPT_DOUBLES = frozenset("lsz")  # "install", "pass", "buzz" end in a double letter of their own
# a three-letter stem that "-ing" or "-ed" may leave: "making" -> "mak", "saved" -> "sav"; not "string" -> "str"
_SHORT_STEM = re.compile(r"[^aeiou][aeiouy][^aeiouwy]")


def stem(word: str) -> str:
    """A light suffix strip, so that "committing", "commits" and "commit" meet: a doubled consonant left by
    "-ing" or "-ed" is undoubled ("logging" -> "log", "stopped" -> "stop"), except l, s and z. A final "e" goes
    too, so that "image", "images" and "making", "makes", "make" meet ("imag", "mak"); "pods" meets "pod"."""
    base = word
    for suffix in ("ing", "es", "s", "ed"):
        if not word.endswith(suffix):
            continue
        cut = word[: -len(suffix)]
        if suffix == "s" and cut.endswith(("s", "u")):
            break  # "class", "status", "corpus"
        if len(word) > len(suffix) + 3 or (suffix in ("ing", "ed") and _SHORT_STEM.fullmatch(cut)) \
                or (suffix == "s" and len(cut) == 3):
            if suffix in ("ing", "ed") and len(cut) > 2 and cut[-1] == cut[-2] and cut[-1].isalpha() \
                    and cut[-1] not in "aeiou" and cut[-1] not in _KEPT_DOUBLES:
                cut = cut[:-1]
            base = cut
            break
    if len(base) > 3 and base.endswith("e") and not base.endswith("ee"):
        base = base[:-1]
    return base


def content_terms(text: str, drop: Collection[str] = ()) -> list[str]:
    """The stemmed words that carry meaning; ``drop`` removes words as written, before stemming ("run" but
    not "running")."""
    return [stem(w) for w in words(text) if w not in STOPWORDS and len(w) > 1 and w not in drop]


def numbers(text: str) -> set[str]:
    return set(re.findall(r"\b\d+(?:\.\d+)?\b", text))


def has_negation(text: str) -> bool:
    return any(w in NEGATIONS for w in words(text))


def passage_sentences(text: str) -> list[str]:
    """Sentences of a passage, with a list joined to the line that introduces it
    ("You must understand: IP addressing, DNS, ports.")."""
    out: list[str] = []
    lead: str | None = None
    items: list[str] = []

    def flush_list() -> None:
        nonlocal lead, items
        if lead is not None and items:
            out.append(f"{lead.rstrip(':')}: {', '.join(items)}.")
        elif lead is not None:
            out.append(lead)
        lead, items = None, []

    for line in _logical_lines(text):
        bullet = re.match(r"^(?:[-*•]|\d+[.)])\s+(.*)$", line)
        if bullet and lead is not None:
            items.append(bullet.group(1).strip().rstrip(".;,"))
            continue
        flush_list()
        if line.endswith(":"):
            # only the last sentence introduces what follows; those before it stand alone ("A default value is
            # evaluated once ... The safe pattern uses `None`:" and its code block)
            *before, lead = [s.strip() for s in _split_prose(line) if len(s.strip()) > 2] or [line]
            out.extend(before)
            continue
        if bullet:
            line = bullet.group(1)
        out.extend(s.strip() for s in _split_prose(line) if len(s.strip()) > 2)
    flush_list()
    return out


_CODE_SPAN = re.compile(r"`[^`\n]*`")
_HELD = re.compile(r"\x00(\d+)\x00")


def _split_prose(line: str) -> list[str]:
    """Sentences of one line; inline code is never split ("`LEFT JOIN ... WHERE o.id IS NULL` finds ...")."""
    spans: list[str] = []

    def hold(match: re.Match[str]) -> str:
        spans.append(match.group(0))
        return f"\x00{len(spans) - 1}\x00"

    parts = SENTENCE_BREAK.split(_CODE_SPAN.sub(hold, line))
    return [_HELD.sub(lambda m: spans[int(m.group(1))], part) for part in parts]


def _logical_lines(text: str) -> list[str]:
    """Lines with hard-wrapped continuation lines joined (man pages wrap at 80 columns)."""
    out: list[str] = []
    joinable = False
    fences = [line.strip() for line in text.splitlines() if line.strip().startswith("```")]
    # a chunk may start inside a code block: an odd number of fences, the first one bare, closes that block
    fenced = len(fences) % 2 == 1 and fences[0] == "```"
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("```"):
            fenced, joinable = not fenced, False
            continue
        if not line or fenced:  # a code block is not prose: its lines are commands (app.core.compose)
            joinable = False
            continue
        starts_item = bool(re.match(r"^(?:[-*•]|\d+[.)])\s+", line)) or line.startswith("#")
        if joinable and not starts_item and out and not out[-1].endswith(":"):
            # a word hyphenated across a wrapped line ("ei‐ ther") is one word again
            out[-1] = out[-1][:-1] + line if out[-1].endswith(("‐", "-")) else f"{out[-1]} {line}"
        else:
            out.append(line)
        joinable = not line.startswith("#")
    return out


def code_lines(text: str) -> list[str]:
    """The non-empty lines inside the text's code blocks: the commands that passage_sentences leaves out."""
    fences = [line.strip() for line in text.splitlines() if line.strip().startswith("```")]
    fenced = len(fences) % 2 == 1 and fences[0] == "```"  # as in _logical_lines: a chunk may start inside one
    out: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("```"):
            fenced = not fenced
        elif line and fenced:
            out.append(line)
    return out


def answer_sentences(text: str) -> list[str]:
    """Split an answer into sentences, keeping each sentence's trailing [n] markers with it."""
    text = re.sub(r"\s+", " ", text.strip())
    parts = re.split(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(`*-])|(?<=\])\s+(?=[A-Z])", text)
    return [p.strip() for p in parts if p.strip()]


def citations_in(sentence: str) -> list[int]:
    return [int(n) for n in _CITE.findall(sentence)]


def strip_citations(sentence: str) -> str:
    return re.sub(r"\s*\[\d{1,3}\]", "", sentence).strip()


# --- an answer's shape ----------------------------------------------------------------------------------------
_FENCE_LINE = re.compile(r"^\s*(?:```|~~~)")
_LINE_PREFIX = re.compile(r"^(\s*(?:[-*•+]|\d+[.)]|#{1,6})\s+)")


@dataclass
class Layout:
    """A generated answer as units (prose sentences and whole code blocks) and the lines that hold them, so a
    checked or filtered answer is put back together with its line breaks, list markers and code blocks as the
    model wrote them (joining sentences with spaces turned a fenced block into inline text)."""

    units: list[str]
    code: set[int]  # which units are code blocks, kept verbatim
    lines: list[tuple[str, list[int]]]  # (list marker or heading prefix, the units on that line)

    def render(self, texts: Sequence[str | None]) -> str:
        """The answer with unit i replaced by ``texts[i]``; a ``None`` or empty unit is left out, and a line whose
        units are all left out goes with it."""
        out: list[str] = []
        for prefix, units in self.lines:
            if not units:
                out.append("")  # a blank line between paragraphs
                continue
            kept = [t.strip() if i not in self.code else t for i in units if (t := texts[i])]
            if kept:
                out.append(prefix + " ".join(kept))
        return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip()


def layout_of(text: str) -> Layout:
    units: list[str] = []
    code: set[int] = set()
    lines: list[tuple[str, list[int]]] = []
    raw = text.strip().splitlines()
    i = 0
    while i < len(raw):
        line = raw[i]
        if _FENCE_LINE.match(line):
            j = i + 1
            while j < len(raw) and not _FENCE_LINE.match(raw[j]):
                j += 1
            block = raw[i:j + 1] if j < len(raw) else [*raw[i:], line.strip()[:3]]  # an unclosed block is closed
            code.add(len(units))
            lines.append(("", [len(units)]))
            units.append("\n".join(block))
            i = j + 1
            continue
        match = _LINE_PREFIX.match(line)
        prefix = match.group(1).lstrip() if match else ""
        rest = line[match.end():] if match else line
        ids = []
        for sentence in answer_sentences(rest):
            ids.append(len(units))
            units.append(sentence)
        lines.append((prefix, ids))
        i += 1
    return Layout(units, code, lines)


def drop_sentences(text: str, drop: Sequence[str]) -> str:
    """``text`` without the units in ``drop`` (sentences or code blocks), in its own layout."""
    layout = layout_of(text)
    gone = set(drop)
    return layout.render([None if u in gone else u for u in layout.units])


def drop_repeats(text: str) -> str:
    """``text`` without a sentence or code block that says again, word for word, what an earlier one said (a small
    model can loop: "Git is non-negotiable [1]. Next: Linux [2]. Git is non-negotiable [1]. ...")."""
    layout = layout_of(text)
    seen: set[str] = set()
    kept: list[str | None] = []
    for unit in layout.units:
        key = " ".join(strip_citations(unit).lower().split())
        kept.append(None if key and key in seen else unit)
        seen.add(key)
    return layout.render(kept) if None in kept else text
