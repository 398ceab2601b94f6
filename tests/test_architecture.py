"""The layer contracts (pyproject.toml [tool.importlinter]) hold on the code as it is, and fail on a deliberate
violation: a copy of the packages with one bad import added, checked by the real `lint-imports`."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

LINT = str(Path(sys.executable).parent / "lint-imports")


def lint(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([LINT, "--no-logo", "--no-cache"], cwd=root, capture_output=True, text=True, timeout=300,
                          env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"})


def copy_tree(dest: Path) -> Path:
    for package in ("app", "ingest", "evals"):
        shutil.copytree(ROOT / package, dest / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", dest / "pyproject.toml")
    return dest


def test_the_contracts_hold_on_main(tmp_path):
    result = lint(copy_tree(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(("module", "bad_import", "contract"), [
    ("app/core/tutor.py", "import app.ui.state", "Front ends over the core"),          # the core reaches up
    ("app/infra/store.py", "import app.core.graph", "Front ends over the core"),        # infra reaches up
    ("app/server/auth.py", "import app.cli", "Front ends over the core"),              # a front end into another
    ("ingest/pipeline.py", "import app.server.wire", "Ingest imports no front end"),
    ("app/core/compose.py", "import evals.cases", "never imports the eval suite"),
])
def test_a_deliberate_violation_breaks_its_contract(tmp_path, module, bad_import, contract):
    root = copy_tree(tmp_path)
    path = root / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{bad_import}  # deliberate violation\n", encoding="utf-8")
    result = lint(root)
    assert result.returncode != 0
    broken = [line for line in result.stdout.splitlines() if "BROKEN" in line]
    assert any(contract in line for line in broken), result.stdout
