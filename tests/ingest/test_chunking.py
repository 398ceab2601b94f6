from app.infra.tokens import count_tokens
from ingest.chunking import chunk_document
from ingest.documents import LoadedDocument, Section
from ingest.loaders import load_markdown


def _doc(paragraphs: int) -> LoadedDocument:
    lines = []
    n = 1
    for i in range(paragraphs):
        lines.append((n, f"Paragraph {i} explains how DNS resolution and service discovery fail under load."))
        lines.append((n + 1, ""))
        n += 2
    return LoadedDocument(title="T", sections=[Section(("T", "Networking"), lines)])


def test_chunks_respect_budget_and_overlap():
    chunks = chunk_document("d", _doc(40), max_tokens=60, overlap=20)
    assert len(chunks) > 3
    for c in chunks:
        assert count_tokens(c.text) <= 60 + 5  # paragraph joins add a few separator tokens
    # each chunk after the first repeats the tail of the one before
    for prev, nxt in zip(chunks, chunks[1:], strict=False):
        assert nxt.text.split("\n\n")[0] in prev.text


def test_chunks_never_cross_headings_and_carry_locations():
    text = "---\nid: x\ntitle: X\n---\n# A\n\nalpha line\n\n## B\n\nbeta line one\nbeta line two\n"
    doc = load_markdown(text, where="x.md", default_title="x")
    chunks = chunk_document("x", doc, max_tokens=200, overlap=20)
    assert [c.section for c in chunks] == ["A", "A > B"]
    assert chunks[0].location == "line 7"
    assert chunks[1].location == "lines 11-12"
    assert "alpha" not in chunks[1].text


def test_chunk_ids_are_deterministic_and_content_addressed():
    a = chunk_document("d", _doc(10), 60, 10)
    b = chunk_document("d", _doc(10), 60, 10)
    assert [c.id for c in a] == [c.id for c in b]
    edited = _doc(10)
    edited.sections[0].lines[-2] = (edited.sections[0].lines[-2][0], "A changed final paragraph.")
    c = chunk_document("d", edited, 60, 10)
    assert a[0].id == c[0].id
    assert a[-1].id != c[-1].id


def test_one_huge_line_is_split_by_tokens():
    line = "word " * 2000
    doc = LoadedDocument(title="T", sections=[Section(("T",), [(1, line)])])
    chunks = chunk_document("d", doc, max_tokens=100, overlap=0)
    assert len(chunks) >= 18
    assert all(c.tokens <= 100 for c in chunks)


def _fences_closed(text: str) -> bool:
    return sum(line.strip().startswith("```") for line in text.splitlines()) % 2 == 0


def test_a_code_block_is_never_cut_open_across_chunks():
    # a blank line inside code is part of the block, not a paragraph break
    code = ["Run this:", "", "```python", "import os", "", "def main():", "    print(os.getcwd())", "```", "",
            "The script prints the folder."]
    doc = LoadedDocument(title="T", sections=[Section(("T", "How to do it"), list(enumerate(code, 1)))])
    chunks = chunk_document("d", doc, max_tokens=200, overlap=20)
    assert any("import os\n\ndef main():" in c.text for c in chunks) and all(_fences_closed(c.text) for c in chunks)
    # a block too long for one chunk is split at its lines, each piece a closed block with its language
    long = ["```bash", *(f"echo step {i} of the nightly cleanup job on the training server" for i in range(60)), "```"]
    doc = LoadedDocument(title="T", sections=[Section(("T", "How to do it"), list(enumerate(long, 1)))])
    chunks = chunk_document("d", doc, max_tokens=120, overlap=20)
    assert len(chunks) > 2 and all(c.text.startswith("```bash") and _fences_closed(c.text) for c in chunks)
    assert all(count_tokens(c.text) <= 120 + 5 for c in chunks)
    assert sum(c.text.count("echo step") for c in chunks) >= 60  # every line kept (overlap may repeat some)
