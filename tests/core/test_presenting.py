"""How a source reads to a learner (fast: plain dicts)."""

from app.core.presenting import source_label, source_line


def test_a_source_names_its_document_and_section_once_each():
    c = {"n": 2, "title": "Pods", "section": "What it is", "location": "lines 3-9", "source": "file:notes/p.md"}
    assert source_label(c) == "[2] Pods — What it is (lines 3-9)"
    assert source_line(c) == "[2] Pods — What it is (lines 3-9) file:notes/p.md"
    # a note's opening sentence sits before its first heading: its section is the note's title
    opening = {**c, "section": "Pods", "location": "line 20"}
    assert source_label(opening) == "[2] Pods (line 20)"
