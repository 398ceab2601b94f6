"""`tutor quiz` with piped answers and `tutor progress` (app/practice_cli.py), in a subprocess with the network
guard, on the small real index."""

from __future__ import annotations

import json
import subprocess

from conftest import TUTOR, guarded_env, run_tutor

from app.core.practice import bank_path


def test_a_piped_quiz_is_graded_scheduled_and_shown_in_progress(small_index) -> None:
    env = {"TUTOR_DATA_DIR": str(small_index.data_dir), "TUTOR_CORPUS_DIR": str(small_index.corpus_dir)}
    stats = json.loads(run_tutor("quiz", "--bank-stats", **env).stdout)
    assert stats["items"] > 20 and stats["per_topic"]["linux"] >= 8
    items = {i["question"]: i for u in json.loads(bank_path(small_index).read_text())["units"].values()
             for i in u["items"]}
    proc = subprocess.run([TUTOR, "quiz", "Linux", "-n", "3", "--profile", "pat"], input="A\nB\nC\n",
                          capture_output=True, text=True, timeout=300, env=guarded_env(**env))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("Source: ") == 3 and "3/3" in proc.stdout
    assert sum(q in proc.stdout for q in items) >= 3 - sum(len(q) > 200 for q in items)
    progress = json.loads(run_tutor("progress", "--profile", "pat", "--json", **env).stdout)
    assert progress["profile"] == "pat" and progress["scheduled"] == 3
    assert next(t for t in progress["topics"] if t["topic"] == "linux")["answered"] == 3
    assert json.loads(run_tutor("progress", "--json", **env).stdout)["scheduled"] == 0  # another profile
    bad = run_tutor("quiz", "--profile", "../etc", check=False, **env)
    assert bad.returncode == 2 and "profile name" in bad.stderr
    nope = run_tutor("quiz", "no-such-topic", check=False, **env)
    assert nope.returncode == 2 and "no roadmap topic" in nope.stderr
