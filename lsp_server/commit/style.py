"""How this repository writes commit subjects, learned from its history.

Reads the latest non-merge subjects and notices Conventional Commits
(`type(scope)!: subject`), the looser `area: subject` prefix, and whether
subjects start with a capital letter. The result feeds the prompt (a rule and
a few real examples, the branch name and the author's own latest subjects)
and the cleanup, which nudges a subject that ignores the house style back
into it.
"""

from __future__ import annotations

import dataclasses
import re
import subprocess
from dataclasses import dataclass

CONVENTIONAL_TYPES = ("feat", "fix", "docs", "style", "refactor", "perf", "test", "build", "ci",
                      "chore", "revert")
CONVENTIONAL = re.compile(r"^(?P<type>[a-z]+)(?:\((?P<scope>[^)]+)\))?!?: \S")
AREA_PREFIX = re.compile(r"^(?P<area>[\w./-]{2,30}): \S")
MAX_SUBJECTS = 30
MAX_EXAMPLES = 6
MAX_AUTHOR_EXAMPLES = 4


@dataclass(frozen=True)
class CommitStyle:
    kind: str  # "conventional", "area", or "plain"
    capitalized: bool
    examples: tuple[str, ...]
    types: tuple[str, ...] = ()
    branch: str = ""
    author_examples: tuple[str, ...] = ()

    def instructions(self) -> str:
        lines = [self._rule_and_examples()]
        if self.branch:
            lines.append(f"The branch is `{self.branch}`.")
        if self.author_examples:
            lines.append("The author's own recent subjects:\n" + "\n".join(f"  {s}" for s in self.author_examples))
        return "\n".join(line for line in lines if line).strip()

    def _rule_and_examples(self) -> str:
        if self.kind == "conventional":
            rule = ("This repository uses Conventional Commits: the subject is `type(scope): summary`, "
                    f"type one of {', '.join(self.types or CONVENTIONAL_TYPES[:6])}.")
        elif self.kind == "area":
            rule = "Subjects here start with the area they touch, like `area: summary`."
        else:
            rule = "Start the subject with a capital letter." if self.capitalized else ""
        if not self.examples:
            return rule
        shown = "\n".join(f"  {subject}" for subject in self.examples)
        return f"{rule}\nRecent subjects in this repository:\n{shown}".strip()


def recent_subjects(toplevel: str, count: int = MAX_SUBJECTS) -> list[str]:
    """Latest non-merge subjects, newest first; [] for a repository without commits."""
    command = ["git", "log", f"-n{count}", "--no-merges", "--format=%s"]
    result = subprocess.run(command, cwd=toplevel, capture_output=True)
    if result.returncode != 0:
        return []
    return [line.strip() for line in result.stdout.decode("utf-8", "replace").splitlines() if line.strip()]


def _git_text(toplevel: str, *args: str) -> str:
    try:
        result = subprocess.run(["git", *args], cwd=toplevel, capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return result.stdout.decode("utf-8", "replace").strip() if result.returncode == 0 else ""


def branch_name(toplevel: str) -> str:
    """The current branch, or "" when HEAD is detached or unborn."""
    name = _git_text(toplevel, "rev-parse", "--abbrev-ref", "HEAD")
    return "" if name in ("", "HEAD") else name[:80]


def author_subjects(toplevel: str, count: int = MAX_AUTHOR_EXAMPLES) -> list[str]:
    """The latest non-merge subjects by the configured author (user.email), newest first."""
    email = _git_text(toplevel, "config", "user.email")
    if not email:
        return []
    log = _git_text(toplevel, "log", f"-n{count}", "--no-merges", "--format=%s", f"--author=<{email}>", "--fixed-strings")
    return [line.strip() for line in log.splitlines() if line.strip() and len(line) <= 72]


def with_repository_context(style: CommitStyle, toplevel: str) -> CommitStyle:
    """The style plus the branch name and the author's own subjects (those not already shown)."""
    own = tuple(s for s in author_subjects(toplevel) if s not in style.examples)
    return dataclasses.replace(style, branch=branch_name(toplevel), author_examples=own)


def learn_style(subjects: list[str]) -> CommitStyle:
    examples = tuple(s for s in subjects if len(s) <= 72)[:MAX_EXAMPLES]
    if not subjects:
        return CommitStyle(kind="plain", capitalized=True, examples=())
    conventional = [m for m in map(CONVENTIONAL.match, subjects) if m and m["type"] in CONVENTIONAL_TYPES]
    if len(conventional) * 2 >= len(subjects):
        types = tuple(dict.fromkeys(m["type"] for m in conventional))
        return CommitStyle(kind="conventional", capitalized=False, examples=examples, types=types)
    kind = "area" if sum(bool(AREA_PREFIX.match(s)) for s in subjects) * 2 >= len(subjects) else "plain"
    capitalized = sum(s[:1].isupper() for s in subjects) * 2 >= len(subjects)
    return CommitStyle(kind=kind, capitalized=capitalized, examples=examples)


def conventional_type_for(paths: list[str], statuses: list[str]) -> str:
    """A plausible Conventional Commits type when the model forgot one."""
    lowered = [p.lower() for p in paths]
    if lowered and all(p.endswith((".md", ".rst", ".txt")) or p.startswith("docs/") for p in lowered):
        return "docs"
    if lowered and all("test" in p for p in lowered):
        return "test"
    if lowered and all(p.startswith((".github/", ".ci/", ".gitlab-ci")) for p in lowered):
        return "ci"
    if "A" in statuses:
        return "feat"
    return "chore"


def apply_style(subject: str, style: CommitStyle, paths: list[str], statuses: list[str]) -> str:
    """Bring a subject in line with the house style without rewriting its words."""
    if style.kind == "conventional":
        match = CONVENTIONAL.match(subject)
        if not (match and match["type"] in CONVENTIONAL_TYPES):
            summary = subject[:1].lower() + subject[1:] if subject[1:2].islower() else subject
            return f"{conventional_type_for(paths, statuses)}: {summary}"
        return subject
    if style.kind == "plain" and style.capitalized and subject[:1].islower():
        return subject[:1].upper() + subject[1:]
    return subject
