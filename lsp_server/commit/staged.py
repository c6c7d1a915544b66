"""What is staged in a repository, read with git plumbing as bytes.

`read_staged_changes` returns one `StagedFile` per entry of
`git diff --cached --raw -z` (renames and mode changes included), each with
its patch text split into hunks. File names travel as bytes (`-z`, no
quoting) and are decoded with `surrogateescape` for the API and with
replacement characters for the prompt, so names that are not UTF-8 work.
The patch is streamed and capped per file and in total, so a huge diff costs
bounded memory; the line counts still come from `--numstat`. A file that
holds secrets by its name (`context.secrets`: `.env`, keys, credentials)
(or by the user's or project's `secretFiles`) keeps its name and line
counts but never its hunks, so its content cannot reach a prompt.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field

import git

from context.secrets import is_secret_file
from lsp_server.config import layered_settings

# Options that make the output independent of the user's diff configuration.
_DIFF_OPTIONS = [
    "--no-color", "--no-ext-diff", "--no-textconv", "--no-relative",
    "--src-prefix=a/", "--dst-prefix=b/", "-M",
]
_GIT_ENV_CONFIG = ["-c", "core.quotePath=true", "-c", "diff.noprefix=false"]
MAX_FILE_PATCH_BYTES = 512 * 1024
MAX_TOTAL_PATCH_BYTES = 8 * 1024 * 1024
_HUNK_HEADER = re.compile(rb"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@ ?(.*)$")


class NothingStaged(Exception):
    """No staged changes: there is nothing to describe (the model is never called)."""


class NotARepository(Exception):
    """The folder is not inside a git work tree."""


@dataclass
class Hunk:
    old_start: int
    old_count: int
    new_start: int
    new_count: int
    section: str  # git's function context after the second @@
    text: str  # header line and body, decoded


@dataclass
class StagedFile:
    status: str  # A, M, D, R, C, T
    path: str  # new path (surrogateescape-decoded)
    old_path: str
    old_mode: str
    new_mode: str
    old_blob: str
    new_blob: str
    similarity: int = 100
    added: int = 0
    removed: int = 0
    binary: bool = False
    hunks: list[Hunk] = field(default_factory=list)
    patch_truncated: bool = False
    symbols: list[str] | None = None  # filled once by fitting.changed_symbols
    secret: bool = False  # named like a secret file (either path): no hunks are kept

    @property
    def display_path(self) -> str:
        return printable_path(self.path)

    @property
    def display_old_path(self) -> str:
        return printable_path(self.old_path)


@dataclass
class StagedChanges:
    toplevel: str
    files: list[StagedFile]
    has_head: bool


def printable_path(path: str) -> str:
    """A path decoded with surrogateescape, shown with U+FFFD for undecodable bytes."""
    return os.fsencode(path).decode("utf-8", errors="replace")


def open_repository(repo_dir: str) -> git.Repo:
    try:
        return git.Repo(repo_dir, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError) as error:
        raise NotARepository(f"{repo_dir} is not inside a git repository") from error


def git_env(index_file: str | None) -> dict[str, str] | None:
    """The environment for git reading `index_file` (the temporary index of `git commit -a`)."""
    return {**os.environ, "GIT_INDEX_FILE": index_file} if index_file else None


def git_bytes(toplevel: str, *args: str, index_file: str | None = None) -> bytes:
    """Run git in `toplevel` and return stdout; raises CalledProcessError."""
    command = ["git", *_GIT_ENV_CONFIG, *args]
    return subprocess.run(command, cwd=toplevel, check=True, capture_output=True, env=git_env(index_file)).stdout


def read_staged_changes(repo_dir: str, *, index_file: str | None = None) -> StagedChanges:
    """Everything staged in the repository holding `repo_dir`; raises NothingStaged.

    `index_file` names another index to read, as git's GIT_INDEX_FILE does:
    `git commit -a` and `git commit PATH` stage into a temporary index.
    """
    repo = open_repository(repo_dir)
    if repo.bare:
        raise NotARepository(f"{repo_dir} is a bare repository")
    toplevel = str(repo.working_tree_dir)
    has_head = repo.head.is_valid()
    raw = git_bytes(toplevel, "diff", "--cached", "--raw", "-z", "--no-abbrev", *_DIFF_OPTIONS, index_file=index_file)
    files = _parse_raw(raw, layered_settings(toplevel)[0].secret_files)
    if not files:
        raise NothingStaged("Nothing is staged: stage changes with `git add` first.")
    numstat = git_bytes(toplevel, "diff", "--cached", "--numstat", "-z", *_DIFF_OPTIONS, index_file=index_file)
    _add_numstat(files, numstat)
    _add_hunks(files, toplevel, index_file)
    return StagedChanges(toplevel=toplevel, files=files, has_head=has_head)


def _decode(name: bytes) -> str:
    return os.fsdecode(name)


def _parse_raw(raw: bytes, secret_files: tuple[str, ...] = ()) -> list[StagedFile]:
    fields = raw.split(b"\0")
    files, i = [], 0
    while i < len(fields) and fields[i].startswith(b":"):
        old_mode, new_mode, old_blob, new_blob, status = fields[i][1:].decode().split(" ")
        letter, score = status[0], status[1:]
        if letter in "RC":
            old_path, path, i = _decode(fields[i + 1]), _decode(fields[i + 2]), i + 3
        else:
            old_path = path = _decode(fields[i + 1])
            i += 2
        files.append(StagedFile(
            status=letter, path=path, old_path=old_path, old_mode=old_mode, new_mode=new_mode,
            old_blob=old_blob, new_blob=new_blob, similarity=int(score) if score else 100,
            secret=is_secret_file(path, secret_files) or is_secret_file(old_path, secret_files),
        ))
    return files


def _add_numstat(files: list[StagedFile], numstat: bytes) -> None:
    """Line counts per file; `-` counts mean git considers the file binary."""
    fields, i, entries = numstat.split(b"\0"), 0, []
    while i < len(fields) and fields[i]:
        added, removed, name = fields[i].split(b"\t", 2)
        # A rename has an empty name here, then the old and new names as fields.
        i += 3 if name == b"" else 1
        entries.append((added, removed))
    for staged_file, (added, removed) in zip(files, entries, strict=False):
        staged_file.binary = added == b"-"
        staged_file.added = 0 if staged_file.binary else int(added)
        staged_file.removed = 0 if staged_file.binary else int(removed)


def _section_owner(header: bytes, files: list[StagedFile], index: int) -> int:
    """Which file a `diff --git` section belongs to; a type change yields two sections."""
    if index < len(files) and header.startswith(b"diff --git " + _quoted(b"a/", files[index].old_path)):
        return index
    if index > 0 and header.startswith(b"diff --git " + _quoted(b"a/", files[index - 1].old_path)):
        return index - 1
    return min(index, len(files) - 1)


def _quoted(prefix: bytes, path: str) -> bytes:
    """git's C-style quoting of `prefix + path` under core.quotePath=true."""
    raw = prefix + os.fsencode(path)
    if not any(b < 0x20 or b >= 0x7F or b in b'"\\' for b in raw):
        return raw
    escapes = {0x07: b"\\a", 0x08: b"\\b", 0x09: b"\\t", 0x0A: b"\\n", 0x0B: b"\\v",
               0x0C: b"\\f", 0x0D: b"\\r", 0x22: b'\\"', 0x5C: b"\\\\"}
    body = b"".join(
        escapes.get(b) or (b"\\%03o" % b if b < 0x20 or b >= 0x7F else bytes([b])) for b in raw
    )
    return b'"' + body + b'"'


def _add_hunks(files: list[StagedFile], toplevel: str, index_file: str | None) -> None:
    """Stream the patch once and attach each file's hunks, within the byte caps."""
    command = ["git", *_GIT_ENV_CONFIG, "diff", "--cached", "--patch", *_DIFF_OPTIONS]
    process = subprocess.Popen(command, cwd=toplevel, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               env=git_env(index_file))
    owner, next_index, total, kept = -1, 0, 0, 0
    current: list[bytes] | None = None
    try:
        for line in process.stdout:
            if line.startswith(b"diff --git "):
                _close_hunk(files, owner, current)
                current = None
                owner = _section_owner(line, files, next_index)
                next_index = owner + 1
                kept = 0
                continue
            if owner < 0:
                continue
            if line.startswith(b"@@ "):
                _close_hunk(files, owner, current)
                current = [line]
            elif current is not None:
                if kept + len(line) > MAX_FILE_PATCH_BYTES or total + len(line) > MAX_TOTAL_PATCH_BYTES:
                    files[owner].patch_truncated = True
                    continue
                current.append(line)
            kept += len(line)
            total += len(line)
        _close_hunk(files, owner, current)
    finally:
        process.stdout.close()
        process.wait()


def _close_hunk(files: list[StagedFile], owner: int, lines: list[bytes] | None) -> None:
    if owner < 0 or not lines or files[owner].secret:
        return
    match = _HUNK_HEADER.match(lines[0].rstrip(b"\r\n"))
    if not match:
        return
    old_start, old_count, new_start, new_count, section = match.groups()
    files[owner].hunks.append(Hunk(
        old_start=int(old_start), old_count=int(old_count or 1),
        new_start=int(new_start), new_count=int(new_count or 1),
        section=section.decode("utf-8", errors="replace").strip(),
        text=b"".join(lines).decode("utf-8", errors="replace"),
    ))


def read_blob(toplevel: str, blob: str, max_bytes: int = 1_000_000) -> str | None:
    """A blob's text, or None when it is missing, too large or not text."""
    if not blob or set(blob) == {"0"}:
        return None
    try:
        size = int(git_bytes(toplevel, "cat-file", "-s", blob))
        if size > max_bytes:
            return None
        data = git_bytes(toplevel, "cat-file", "blob", blob)
    except (subprocess.CalledProcessError, ValueError):
        return None
    if b"\0" in data[:8000]:
        return None
    return data.decode("utf-8", errors="replace")
