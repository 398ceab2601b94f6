"""Exact incremental ingest on the real embedding model and the real Chroma."""

import json

import pytest
from conftest import make_small_corpus, run_tutor, small_settings

from app.infra.store import ChunkStore
from ingest.pipeline import read_manifest, run_ingest


def index_state(settings):
    store = ChunkStore(settings, create=False)
    ids = [cid for cid, _ in store.iter_ids()]
    manifest = read_manifest(settings.manifest_path)
    manifest_ids = [c for d in manifest["docs"].values() for c in d["chunk_ids"]]
    return store.count(), ids, manifest_ids


def assert_consistent(settings):
    count, ids, manifest_ids = index_state(settings)
    assert count == len(ids) == len(set(ids))
    assert sorted(ids) == sorted(manifest_ids)
    return set(ids)


def test_reingest_unchanged_embeds_nothing(small_index):
    before = assert_consistent(small_index)
    result = run_ingest(small_index)
    assert result.embedded == 0
    assert result.plan.counts()["unchanged"] == len(read_manifest(small_index.manifest_path)["docs"])
    assert assert_consistent(small_index) == before


def test_editing_one_note_embeds_only_its_chunks(small_index):
    note = small_index.corpus_dir / "notes" / "docker.md"
    before = assert_consistent(small_index)
    old_note_ids = set(read_manifest(small_index.manifest_path)["docs"]["note-docker"]["chunk_ids"])
    note.write_text(note.read_text() + "\nA volume outlives the container that mounts it.\n")
    result = run_ingest(small_index)
    counts = result.plan.counts(result.embedded)
    assert counts["updated"] == 1 and counts["added"] == counts["removed"] == 0
    new_note_ids = set(read_manifest(small_index.manifest_path)["docs"]["note-docker"]["chunk_ids"])
    after = assert_consistent(small_index)
    # only the note's chunks changed, and exactly the new ones were embedded
    assert after - before == new_note_ids - old_note_ids
    assert before - after == old_note_ids - new_note_ids
    assert result.embedded == len(new_note_ids - old_note_ids) >= 1


def test_relabelling_a_note_updates_its_chunks_without_embedding_them(small_index):
    note = small_index.corpus_dir / "notes" / "docker.md"
    text = note.read_text()
    assert "nodes: [docker]" in text
    note.write_text(text.replace("nodes: [docker]", "nodes: [docker, kubernetes]", 1))  # same text, new labels
    result = run_ingest(small_index)
    ids = read_manifest(small_index.manifest_path)["docs"]["note-docker"]["chunk_ids"]
    assert result.embedded == 0 and result.plan.counts()["relabelled"] == len(ids) >= 1
    stored = ChunkStore(small_index, create=False).get(ids)["metadatas"]
    assert all(meta["nodes"] == ",docker,kubernetes," for meta in stored)
    assert run_ingest(small_index).plan.counts()["relabelled"] == 0  # and once is enough


def test_deleting_a_note_removes_its_chunks_and_graph_part(small_index):
    from app.core.graph import RoadmapGraph

    old_ids = set(read_manifest(small_index.manifest_path)["docs"]["note-sql"]["chunk_ids"])
    (small_index.corpus_dir / "notes" / "sql.md").unlink()
    result = run_ingest(small_index)
    assert result.plan.removed == ["note-sql"] and result.embedded == 0
    after = assert_consistent(small_index)
    assert not old_ids & after
    graph = RoadmapGraph.load(small_index.graph_path)
    assert "doc:note-sql" not in graph.g
    assert not set(graph.chunks_for("sql")) & old_ids


def test_dropping_a_sources_entry_removes_it(small_index):
    sources = small_index.corpus_dir / "sources.yaml"
    sources.write_text(sources.read_text().split("  - uri: pydoc:try")[0])
    result = run_ingest(small_index)
    assert result.plan.removed == ["pydoc-try"]
    assert not any(i.startswith("pydoc-try:") for i in assert_consistent(small_index))


def test_dry_run_writes_nothing(small_index):
    note = small_index.corpus_dir / "notes" / "git.md"
    note.write_text(note.read_text() + "\nA rebase rewrites commit ids.\n")
    (small_index.corpus_dir / "notes" / "sql.md").unlink()
    manifest_before = small_index.manifest_path.read_bytes()
    ids_before = assert_consistent(small_index)
    plan = run_ingest(small_index, dry_run=True).plan
    assert plan.updated == ["note-git"] and plan.removed == ["note-sql"]
    assert plan.counts()["embedded"] >= 1
    assert small_index.manifest_path.read_bytes() == manifest_before
    assert assert_consistent(small_index) == ids_before


def test_bad_files_are_skipped_and_nothing_is_lost(small_index):
    corpus = small_index.corpus_dir
    (corpus / "uploads").mkdir()
    (corpus / "uploads" / "blob.txt").write_bytes(b"\x00\x01binary")
    (corpus / "uploads" / "empty.md").write_text("")
    (corpus / "uploads" / "latin.txt").write_bytes("na\u00efve".encode("latin-1"))
    good = (corpus / "notes" / "linux.md").read_text()
    (corpus / "notes" / "linux.md").write_bytes(b"\xff\xfe broken now")
    before = assert_consistent(small_index)
    result = run_ingest(small_index)
    reasons = dict(result.plan.skipped)
    assert len(reasons) == 4
    assert "binary" in reasons["file:uploads/blob.txt"]
    assert "not UTF-8" in reasons["file:notes/linux.md"]
    # the last good version of a note that became unreadable stays in the index
    assert result.plan.kept == ["note-linux"]
    assert assert_consistent(small_index) == before
    (corpus / "notes" / "linux.md").write_text(good)
    assert run_ingest(small_index).embedded == 0


def test_cli_reports_skips_and_strict_fails(small_index):
    (small_index.corpus_dir / "notes" / "junk.pdf").write_bytes(b"%PDF-1.4 garbage")
    env = {"TUTOR_DATA_DIR": str(small_index.data_dir), "TUTOR_CORPUS_DIR": str(small_index.corpus_dir)}
    proc = run_tutor("ingest", **env)
    assert "skipped file:notes/junk.pdf: corrupt or unreadable PDF" in proc.stderr
    assert "1 skipped" in proc.stdout and "Traceback" not in proc.stderr
    strict = run_tutor("ingest", "--strict", "--json", check=False, **env)
    assert strict.returncode == 1
    assert json.loads(strict.stdout)["skipped"] == 1


def test_malformed_sources_yaml_is_one_line_error(small_index):
    (small_index.corpus_dir / "sources.yaml").write_text("sources:\n  - uri: man:ps(1)\n    nodes: linux\n")
    env = {"TUTOR_DATA_DIR": str(small_index.data_dir), "TUTOR_CORPUS_DIR": str(small_index.corpus_dir)}
    proc = run_tutor("ingest", check=False, **env)
    assert proc.returncode == 2
    assert "sources.yaml source #1 line 3: nodes: Input should be a valid list" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.slow
def test_full_corpus_ingests_offline_and_reingest_embeds_nothing(full_index):
    proc = run_tutor("ingest", "--json", TUTOR_DATA_DIR=str(full_index.data_dir))
    result = json.loads(proc.stdout)
    assert result["embedded"] == 0 and result["added"] == result["updated"] == result["removed"] == 0
    count, ids, manifest_ids = index_state(full_index)
    assert count == result["chunks_total"] == len(set(manifest_ids))


def test_new_clean_ingest_equals_incremental_result(small_index, tmp_path):
    note = small_index.corpus_dir / "notes" / "cloud.md"
    note.write_text(note.read_text().replace("IAM", "Identity and Access Management (IAM)", 1))
    run_ingest(small_index)
    clean = small_settings(tmp_path / "clean")
    make_small_corpus(clean.corpus_dir)
    (clean.corpus_dir / "notes" / "cloud.md").write_text(note.read_text())
    run_ingest(clean)
    assert assert_consistent(small_index) == assert_consistent(clean)
