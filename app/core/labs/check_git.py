"""Git labs: the learner's repository is copied, and the copy is read with git plumbing (refs, ancestry,
parents, blobs). No hook, no user configuration and no fsmonitor of the repository runs."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from app.core.labs.model import GitCheck, GitRule, Lab
from app.core.labs.result import CheckResult, failed, first_failure
from app.infra.sandbox import SandboxLimit, copy_tree, git


class _Repo:
    def __init__(self, path: Path) -> None:
        self.path = path

    def ok(self, *args: str) -> bool:
        return git(self.path, *args).returncode == 0

    def out(self, *args: str) -> str:
        done = git(self.path, *args)
        return done.stdout.strip() if done.returncode == 0 else ""

    def branch(self, name: str) -> bool:
        return self.ok("show-ref", "--verify", "--quiet", f"refs/heads/{name}")

    def parents(self, ref: str) -> list[str]:
        return self.out("rev-list", "--parents", "-n", "1", ref).split()[1:]


def _rule(repo: _Repo, rule: GitRule) -> str | None:
    """The problem with this rule, or None when it holds."""
    if rule.branch_exists:
        return None if repo.branch(rule.branch_exists) else f"there is no branch '{rule.branch_exists}' yet"
    if rule.merged:
        branch, into = rule.merged["branch"], rule.merged["into"]
        for name in (branch, into):
            if not repo.branch(name):
                return f"there is no branch '{name}'"
        if repo.ok("merge-base", "--is-ancestor", branch, into):
            return None
        return f"'{branch}' is not merged into '{into}' yet"
    if rule.merge_commit:
        if len(repo.parents(rule.merge_commit)) >= 2:
            return None
        return f"the last commit on '{rule.merge_commit}' is not a merge commit"
    if rule.no_merge_commits:
        merges = repo.out("rev-list", "--merges", rule.no_merge_commits)
        return f"'{rule.no_merge_commits}' has merge commits; its history should be linear" if merges else None
    if rule.on_top_of:
        branch, base = rule.on_top_of["branch"], rule.on_top_of["base"]
        if repo.ok("merge-base", "--is-ancestor", base, branch):
            return None
        return f"'{branch}' does not start from the tip of '{base}'"
    if rule.commits_ahead:
        spec = rule.commits_ahead
        count = repo.out("rev-list", "--count", f"{spec['base']}..{spec['branch']}")
        if count and int(count) == int(spec["count"]):
            return None
        return f"'{spec['branch']}' has {count or 0} commits that '{spec['base']}' does not; expected {spec['count']}"
    if rule.file:
        return _file_rule(repo, rule.file)
    if rule.clean:
        git_dir = repo.path / ".git"
        for marker, what in (("MERGE_HEAD", "a merge"), ("rebase-merge", "a rebase"), ("rebase-apply", "a rebase"),
                             ("CHERRY_PICK_HEAD", "a cherry-pick")):
            if (git_dir / marker).exists():
                return f"{what} is still in progress: finish it (git add, then git commit or git rebase --continue)"
        status = repo.out("status", "--porcelain", "--untracked-files=no")
        return f"uncommitted changes: {status.splitlines()[0]}" if status else None
    return None


def _file_rule(repo: _Repo, spec: dict[str, Any]) -> str | None:
    ref, path = str(spec["ref"]), str(spec["path"])
    done = git(repo.path, "cat-file", "-p", f"{ref}:{path}")
    if done.returncode != 0:
        return f"'{path}' is not in the last commit of '{ref}'"
    text = done.stdout
    if any(m in text for m in ("<<<<<<<", ">>>>>>>")) or "\n=======\n" in text:
        return f"'{path}' on '{ref}' still has conflict markers (<<<<<<< ======= >>>>>>>)"
    for needle in spec.get("contains", []) or []:
        if str(needle) not in text:
            return f"'{path}' on '{ref}' does not contain '{needle}'"
    for needle in spec.get("absent", []) or []:
        if str(needle) in text:
            return f"'{path}' on '{ref}' still contains '{needle}'"
    return None


def check_git(lab: Lab, spec: GitCheck, folder: Path) -> CheckResult:
    source = folder / spec.repo
    if not (source / ".git").is_dir():
        return failed(f"no git repository at {source}: run `tutor lab start {lab.id} --reset` to make it again")
    with tempfile.TemporaryDirectory(prefix="tutor-lab-git-") as tmp:
        copy = Path(tmp) / "repo"
        copy_tree(source, copy)
        repo = _Repo(copy)
        if not repo.ok("rev-parse", "--verify", "--quiet", "HEAD"):
            return failed(f"the repository at {source} has no commits: run `tutor lab start {lab.id} --reset`")
        problems = []
        try:
            for rule in spec.rules:
                problem = _rule(repo, rule)
                if problem:
                    problems.append(f"{problem}: {rule.fail}" if rule.fail else problem)
        except SandboxLimit as exc:
            return failed(exc.message)
    return first_failure(problems, f"all {len(spec.rules)} checks of the repository pass")
