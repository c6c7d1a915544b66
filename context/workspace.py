"""Which workspace files are worth indexing, and reading them safely.

`IgnoreRules` combines `.gitignore` files (root, nested, `.git/info/exclude`)
with the project's exclude patterns, a fixed list of vendored and build
folders, and secret files by name (`context.secrets`, extended by the
`secretFiles` setting). `walk` lists indexable source files without
following directory symlinks (so symlink loops cannot trap it) or file
symlinks that lead out of the root, and reports every skip with a reason.
`read_source` reads one file and refuses binary, oversized, minified or
unreadable ones, and, given the root, anything whose real path is outside
it, again with a reason instead of an exception.
"""

from __future__ import annotations

import logging
import os
import stat
from dataclasses import dataclass
from typing import Callable, Iterator

import pathspec

from context.languages import supported_suffixes
from context.secrets import inside, is_secret_file

log = logging.getLogger("coder_lsp.context")

SKIP_DIRS = frozenset({
    ".git", ".hg", ".svn", ".jj", "node_modules", "bower_components", "__pycache__", ".venv", "venv",
    ".venvs", "site-packages", "target", "build", "dist", ".tox", ".nox", ".mypy_cache", ".pytest_cache",
    ".ruff_cache", ".cache", "vendor", ".gradle", ".idea", ".next", ".nuxt", "coverage", ".eggs",
})
BINARY_PROBE_BYTES = 8192
MINIFIED_LINE_CHARS = 5000


@dataclass(frozen=True)
class FoundFile:
    rel: str
    path: str
    size: int
    mtime_ns: int


class IgnoreRules:
    """gitignore semantics: deeper `.gitignore` files and later patterns win."""

    def __init__(self, root: str, exclude: tuple[str, ...] | list[str] = (),
                 secret_files: tuple[str, ...] | list[str] = ()) -> None:
        self.root = root
        self.secret_files = tuple(secret_files)
        self._specs: dict[str, pathspec.GitIgnoreSpec | None] = {}
        lines = list(exclude)
        info_exclude = os.path.join(root, ".git", "info", "exclude")
        lines += _read_lines(info_exclude)
        self._base = pathspec.GitIgnoreSpec.from_lines(lines) if lines else None

    def _spec_for(self, rel_dir: str) -> pathspec.GitIgnoreSpec | None:
        if rel_dir not in self._specs:
            lines = _read_lines(os.path.join(self.root, rel_dir, ".gitignore"))
            self._specs[rel_dir] = pathspec.GitIgnoreSpec.from_lines(lines) if lines else None
        return self._specs[rel_dir]

    def forget(self, rel_dir: str) -> None:
        """Drop a cached `.gitignore` after it changed."""
        self._specs.pop(rel_dir, None)

    def is_secret(self, rel: str) -> bool:
        return is_secret_file(rel, self.secret_files)

    def ignored(self, rel: str, is_dir: bool) -> bool:
        parts = rel.split("/")
        if is_dir and parts[-1] in SKIP_DIRS:
            return True
        if not is_dir and self.is_secret(rel):
            return True
        probe = rel + "/" if is_dir else rel
        verdict = False
        if self._base is not None:
            result = self._base.check_file(probe)
            if result.include is not None:
                verdict = result.include
        for depth in range(len(parts)):
            spec = self._spec_for("/".join(parts[:depth]))
            if spec is None:
                continue
            result = spec.check_file("/".join(parts[depth:]) + ("/" if is_dir else ""))
            if result.include is not None:
                verdict = result.include
        return verdict


def _read_lines(path: str) -> list[str]:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read().splitlines()
    except OSError:
        return []


def is_virtualenv(path: str) -> bool:
    return os.path.exists(os.path.join(path, "pyvenv.cfg"))


def walk(root: str, rules: IgnoreRules, on_skip: Callable[[str, str], None],
         start: str = "") -> Iterator[FoundFile]:
    """Indexable files under `root/start`, in a stable (sorted, depth-first) order."""
    suffixes = supported_suffixes()
    pending = [start]
    while pending:
        rel_dir = pending.pop()
        directory = os.path.join(root, rel_dir) if rel_dir else root
        try:
            with os.scandir(directory) as entries:
                listing = sorted(entries, key=lambda e: e.name)
        except OSError as error:
            on_skip(rel_dir or ".", f"unreadable directory ({error.strerror or error})")
            continue
        subdirs = []
        for entry in listing:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    if rules.ignored(rel, True) or is_virtualenv(entry.path):
                        continue
                    subdirs.append(rel)
                    continue
                if os.path.splitext(entry.name)[1].lower() not in suffixes or rules.ignored(rel, False):
                    continue
                info = entry.stat(follow_symlinks=True)
            except OSError as error:
                on_skip(rel, f"cannot stat ({error.strerror or error})")
                continue
            if entry.is_symlink() and (stat.S_ISDIR(info.st_mode) or not inside(root, rel) or rules.is_secret(
                    os.path.relpath(os.path.realpath(entry.path), os.path.realpath(root)))):
                continue  # links never lead out of the root, into directories (loops) or to a secret file
            if stat.S_ISREG(info.st_mode):
                yield FoundFile(rel, entry.path, info.st_size, info.st_mtime_ns)
        pending.extend(reversed(subdirs))


def read_source(path: str, max_bytes: int, root: str | None = None) -> tuple[bytes | None, str]:
    """The file's bytes, or None and why it was skipped; given `root`, nothing from outside it."""
    if root is not None and not inside(root, path):
        return None, "outside the workspace (a link)"
    try:
        size = os.stat(path).st_size
        if size > max_bytes:
            return None, "too large"
        with open(path, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        return None, "deleted"
    except PermissionError:
        return None, "unreadable (permission denied)"
    except OSError as error:
        return None, f"unreadable ({error.strerror or error})"
    if len(data) > max_bytes:
        return None, "too large"
    if b"\0" in data[:BINARY_PROBE_BYTES]:
        return None, "binary"
    if len(data) > MINIFIED_LINE_CHARS and _looks_minified(data):
        return None, "minified"
    return data, ""


def _looks_minified(data: bytes) -> bool:
    lines = data.count(b"\n") + 1
    return len(data) / lines > 1000 or max(map(len, data[:200_000].split(b"\n"))) > MINIFIED_LINE_CHARS * 4
