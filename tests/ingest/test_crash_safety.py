"""SIGKILL a real `tutor ingest` at several points; the next ingest must reach exactly the state of a
clean full ingest: same chunk ids, no duplicates, no orphans, manifest and graph in step."""

import shutil
import signal
import subprocess
import time

import pytest
from conftest import TUTOR, guarded_env, make_small_corpus, small_settings
from test_ingest import assert_consistent

from app.core.graph import RoadmapGraph
from ingest.pipeline import read_manifest, run_ingest

pytestmark = pytest.mark.slow


def ingest_killed_at(settings, trigger, timeout=300):
    """Run the CLI ingest and SIGKILL it when ``trigger(line)`` is true for a stderr line
    (or, when ``trigger`` is a number, after that many seconds). Returns whether it was killed."""
    env = guarded_env(TUTOR_DATA_DIR=str(settings.data_dir), TUTOR_CORPUS_DIR=str(settings.corpus_dir))
    proc = subprocess.Popen([TUTOR, "ingest"], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            text=True, env=env)
    try:
        if isinstance(trigger, (int, float)):
            time.sleep(trigger)
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                proc.wait(30)
                return True
            return False
        deadline = time.monotonic() + timeout
        assert proc.stderr is not None
        for line in proc.stderr:
            if trigger(line):
                proc.send_signal(signal.SIGKILL)
                proc.wait(30)
                return True
            if time.monotonic() > deadline:
                break
        return False
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)


def assert_same_as_clean(settings, clean_ids):
    result = run_ingest(settings)
    ids = assert_consistent(settings)
    assert ids == clean_ids
    graph = RoadmapGraph.load(settings.graph_path)
    graph_ids = {c for doc in graph.docs() for c in graph.g.nodes[doc]["chunks"]}
    assert graph_ids == clean_ids
    assert run_ingest(settings).embedded == 0
    return result


@pytest.mark.parametrize("point", ["during-startup", "after-first-batch", "after-last-batch"])
def test_killed_first_ingest_recovers_exactly(small_index_template, tmp_path, point):
    clean = tmp_path / "clean"  # a copy: the template is shared with the other worker, read by copying only
    for part in ("corpus", "data"):
        shutil.copytree(small_index_template / part, clean / part)
    clean_ids = assert_consistent(small_settings(clean))
    settings = small_settings(tmp_path)
    make_small_corpus(settings.corpus_dir)
    triggers = {
        "during-startup": 2.0,
        "after-first-batch": lambda line: line.startswith("embedding chunks: 64/"),
        "after-last-batch": lambda line: line.startswith("embedding chunks: ")
        and line.split(":")[1].split("/")[0].strip() == line.split("/")[1].strip(),
    }
    killed = ingest_killed_at(settings, triggers[point])
    assert killed, f"ingest finished before the kill point {point}"
    result = assert_same_as_clean(settings, clean_ids)
    if point != "during-startup":
        # work done before the kill is kept, not redone
        assert result.embedded < len(clean_ids)


def test_killed_reingest_of_changed_corpus_recovers_exactly(small_index_template, tmp_path):
    settings = small_settings(tmp_path / "index")
    shutil.copytree(small_index_template / "corpus", settings.corpus_dir)
    shutil.copytree(small_index_template / "data", settings.data_dir)
    notes = settings.corpus_dir / "notes"
    for name in ("docker.md", "kubernetes.md", "monitoring.md"):
        (notes / name).write_text((notes / name).read_text().replace("## What to practise",
                                                                     "## What to practise\n\nStart small.\n", 1))
    (notes / "sql.md").unlink()
    # killed after the stale chunks were deleted and before any new chunk was added
    assert ingest_killed_at(settings, lambda line: line.startswith("embedding chunks: 0/"))
    manifest = read_manifest(settings.manifest_path)
    assert "note-sql" in manifest["docs"], "the manifest is replaced only at the end of a run"

    clean = small_settings(tmp_path / "clean")
    shutil.copytree(settings.corpus_dir, clean.corpus_dir)
    run_ingest(clean)
    assert_same_as_clean(settings, assert_consistent(clean))
