"""Python labs: the learner's module is imported in a subprocess with a time and memory limit, and the lab's
``check_*`` functions run against it there. Nothing of the learner's runs in this process."""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

from app.core.labs.model import Lab, PythonCheck
from app.core.labs.result import CheckResult, failed, passed
from app.infra.sandbox import SandboxLimit, run_limited

# Runs in the child: import the module, then each check in the order the lab defines them; results to a file.
RUNNER = r'''
import importlib, json, sys, traceback
sys.path.insert(0, ".")
out = {"results": []}
def save():
    with open(sys.argv[2], "w", encoding="utf-8") as fh:
        json.dump(out, fh)
def where(exc):
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(sys.argv[1] + ".py")]
    return f" (line {frames[-1].lineno})" if frames else ""
try:
    module = importlib.import_module(sys.argv[1])
except MemoryError:
    out["limit"] = "memory"; save(); sys.exit(0)
except OSError as exc:
    out["limit" if exc.errno == 27 else "import_error"] = "output" if exc.errno == 27 else f"OSError: {exc}{where(exc)}"
    save(); sys.exit(0)
except BaseException as exc:
    out["import_error"] = f"{type(exc).__name__}: {exc}{where(exc)}"; save(); sys.exit(0)
import _lab_checks
for name, fn in list(vars(_lab_checks).items()):
    if not (name.startswith("check_") and callable(fn)):
        continue
    try:
        fn(module)
        out["results"].append({"name": name, "ok": True})
    except MemoryError:
        out["limit"] = "memory"; break
    except OSError as exc:
        if exc.errno == 27:  # EFBIG: the file-size limit (Python ignores SIGXFSZ and gets this error instead)
            out["limit"] = "output"; break
        out["results"].append({"name": name, "ok": False, "message": f"{name[6:]}: raised OSError: {exc}"})
    except AssertionError as exc:
        out["results"].append({"name": name, "ok": False, "message": str(exc) or name})
    except BaseException as exc:
        what = name[6:].replace("_", " ")
        out["results"].append({"name": name, "ok": False,
                               "message": f"{what}: raised {type(exc).__name__}: {exc}{where(exc)}"})
save()
'''


def check_python(lab: Lab, spec: PythonCheck, folder: Path) -> CheckResult:
    source = folder / spec.module
    if not source.is_file():
        return failed(f"{spec.module} is missing in {folder}: write your module in that file")
    stem = Path(spec.module).stem
    with tempfile.TemporaryDirectory(prefix="tutor-lab-py-") as tmp:
        work = Path(tmp)
        shutil.copyfile(source, work / f"{stem}.py")
        for extra in lab.start_dir.glob("*") if lab.start_dir.is_dir() else []:  # the lab's own data files
            if extra.is_file() and extra.name != spec.module:
                shutil.copyfile(extra, work / extra.name)
        shutil.copyfile(lab.folder / spec.tests, work / "_lab_checks.py")
        (work / "_runner.py").write_text(RUNNER, encoding="utf-8")
        try:
            done = run_limited([sys.executable, "-I", "_runner.py", stem, "result.json"], cwd=work,
                               timeout_s=spec.timeout_s, memory_mb=spec.memory_mb)
        except SandboxLimit as exc:
            tip = {"timeout": "look for a loop that never ends (a while True with no break, a retry with no limit)",
                   "output": "it printed too much: remove the print in the loop"}.get(exc.what, "")
            return failed(f"{spec.module}: {exc.message}" + (f": {tip}" if tip else ""))
        result_path = work / "result.json"
        out = json.loads(result_path.read_text(encoding="utf-8")) if result_path.is_file() else None
    if out is not None and out.get("limit") == "output":
        return failed(f"{spec.module} wrote more than 5 MB of output and was stopped: remove the print in the loop")
    memory = (f"{spec.module} used more than {spec.memory_mb} MB of memory and was stopped: do not build huge "
              "lists or strings; read and handle one line at a time")
    if out is not None and out.get("limit") == "memory":
        return failed(memory)
    if out is None:
        if "MemoryError" in done.stderr:
            return failed(memory)
        if done.returncode < 0:
            return failed(f"{spec.module} crashed (signal {-done.returncode}) under the {spec.memory_mb} MB memory "
                          "limit: do not build huge lists or strings")
        return failed(f"{spec.module} ended the check early (exit code {done.returncode}): do not call "
                      "sys.exit or os._exit when the module is imported")
    if "import_error" in out:
        return failed(f"{spec.module} cannot be imported: {out['import_error']}")
    results = out["results"]
    bad = [r["message"] for r in results if not r["ok"]]
    if bad:
        return failed(bad[0], bad[1:])
    return passed(f"all {len(results)} checks pass")
