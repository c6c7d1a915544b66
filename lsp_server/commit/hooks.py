"""Install, uninstall and inspect the `prepare-commit-msg` hook.

The hook goes in the folder git really runs hooks from
(`git rev-parse --git-path hooks`, so `core.hooksPath` and worktrees are
respected). A hook that is already there is moved aside, byte for byte, to
`prepare-commit-msg.coder-lsp-orig` and still runs first from ours;
uninstall moves it back exactly. Installing twice only refreshes our script.
The script is plain POSIX sh calling the Python it was installed from, and
always exits 0 for our part: a failing original hook keeps its own status.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

HOOK_NAME = "prepare-commit-msg"
ORIGINAL_SUFFIX = ".coder-lsp-orig"
MARKER = "# coder-lsp prepare-commit-msg hook"

HOOK_TEMPLATE = """#!/bin/sh
{marker} (`coder-lsp hook uninstall` removes it and restores any hook it chained).
# It never blocks a commit: every failure leaves the message alone and exits 0.
original="$(dirname "$0")/{hook}{suffix}"
if [ -x "$original" ]; then
    "$original" "$@" || exit $?
fi
python={python}
if [ -x "$python" ]; then
    "$python" -m lsp_server hook run "$@" </dev/null || true
else
    echo "coder-lsp: $python is gone; skipping the commit message (reinstall the hook)" >&2
fi
exit 0
"""


class HookError(Exception):
    """A hook folder we cannot manage safely; the message is for users."""


@dataclass(frozen=True)
class HookStatus:
    hooks_dir: Path
    installed: bool
    chained: bool  # an original hook runs before ours
    foreign: bool  # a hook that is not ours occupies the path
    python: str  # the interpreter our installed hook calls ("" if not installed)

    def describe(self) -> str:
        hook = self.hooks_dir / HOOK_NAME
        if self.installed:
            chained = f"; runs the original hook {hook}{ORIGINAL_SUFFIX} first" if self.chained else ""
            missing = "" if os.access(self.python, os.X_OK) else " (that Python is missing: reinstall)"
            return f"installed: {hook} -> {self.python}{missing}{chained}"
        if self.foreign:
            return f"not installed: {hook} is another hook (install chains it)"
        return f"not installed (hooks folder: {self.hooks_dir})"


def hooks_dir(repo_dir: str) -> Path:
    """The folder git runs hooks from for the repository holding `repo_dir`."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--path-format=absolute", "--git-path", "hooks"],
            cwd=repo_dir, check=True, capture_output=True, text=True,
        ).stdout
    except (subprocess.CalledProcessError, FileNotFoundError, NotADirectoryError) as error:
        raise HookError(f"{repo_dir} is not inside a git repository") from error
    return Path(out.strip())


def hook_script(python: str | None = None) -> str:
    return HOOK_TEMPLATE.format(marker=MARKER, hook=HOOK_NAME, suffix=ORIGINAL_SUFFIX,
                                python=shlex.quote(python or sys.executable))


def is_ours(path: Path) -> bool:
    try:
        return path.is_file() and not path.is_symlink() and MARKER in path.read_text(errors="replace")
    except OSError:
        return False


def status(repo_dir: str) -> HookStatus:
    folder = hooks_dir(repo_dir)
    hook = folder / HOOK_NAME
    ours = is_ours(hook)
    python = ""
    if ours:
        for line in hook.read_text(errors="replace").splitlines():
            if line.startswith("python="):
                python = (shlex.split(line[len("python="):]) or [""])[0]
    original = folder / (HOOK_NAME + ORIGINAL_SUFFIX)
    return HookStatus(hooks_dir=folder, installed=ours,
                      chained=ours and (original.exists() or original.is_symlink()),
                      foreign=not ours and (hook.exists() or hook.is_symlink()), python=python)


def install(repo_dir: str, python: str | None = None) -> str:
    """Install (or refresh) our hook, chaining whatever hook was there; returns what happened."""
    folder = hooks_dir(repo_dir)
    hook, original = folder / HOOK_NAME, folder / (HOOK_NAME + ORIGINAL_SUFFIX)
    folder.mkdir(parents=True, exist_ok=True)
    already = is_ours(hook)
    occupied = hook.exists() or hook.is_symlink()
    if occupied and not already:
        if original.exists() or original.is_symlink():
            raise HookError(f"{original} already exists; move it or {hook} away first")
        os.rename(hook, original)  # a rename keeps content, mode and symlinks exactly
    _write_executable(hook, hook_script(python))
    chained = f", chaining the existing hook (kept as {original.name})" if original.exists() else ""
    verb = "refreshed" if already else "installed"
    return f"{verb} {hook}{chained}"


def uninstall(repo_dir: str) -> str:
    """Remove our hook and put back the hook it chained, if any; returns what happened."""
    folder = hooks_dir(repo_dir)
    hook, original = folder / HOOK_NAME, folder / (HOOK_NAME + ORIGINAL_SUFFIX)
    if not is_ours(hook):
        return f"not installed in {folder}; nothing to do"
    hook.unlink()
    if original.exists() or original.is_symlink():
        os.rename(original, hook)
        return f"removed the coder-lsp hook and restored the original {hook}"
    return f"removed {hook}"


def _write_executable(path: Path, text: str) -> None:
    temporary = path.with_name(path.name + ".coder-lsp-tmp")
    temporary.write_text(text)
    temporary.chmod(0o755)
    os.replace(temporary, path)
