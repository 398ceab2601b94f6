"""Hands-on labs checked by the tutor (labs/README.md): the format, the checkers and the learner's folder."""

from app.core.labs.model import LABS_DIR, Lab, LabError, find_lab, load_lab, load_labs
from app.core.labs.result import CheckResult
from app.core.labs.workspace import check, lab_dir, next_hint, run_checker, start, statuses

__all__ = ["LABS_DIR", "CheckResult", "Lab", "LabError", "check", "find_lab", "lab_dir", "load_lab", "load_labs",
           "next_hint", "run_checker", "start", "statuses"]
