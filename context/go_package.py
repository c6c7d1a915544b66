"""Go's package is the namespace: which files a Go file sees without an import.

A Go file sees every top-level declaration of the other files in its folder
that open with the same `package` clause (build constraints are not evaluated:
the alternatives they select between all count). A `_test.go` file also sees
the package's other test files; a non-test file sees none of them. The clause is
read from the head of each file once per content hash, so a request costs a
dict lookup per file. Import paths name their package by the last element,
except a major-version suffix (`/v2`, `gopkg.in/yaml.v3`), which names it by
the element before. The root `go.mod` maps the module's own import paths to
folders, as the go tool does (the root package included).
"""

from __future__ import annotations

import os
import posixpath
import re
import stat
import threading

_CLAUSE = re.compile(r"^package[ \t]+([A-Za-z_]\w*)", re.MULTILINE)
_MODULE = re.compile(r'^module[ \t]+(\S+)', re.MULTILINE)
GO_MOD_HEAD_BYTES = 4096
_MAJOR = re.compile(r"^v\d+$")
_DOTTED_MAJOR = re.compile(r"^(.+)\.v\d+$")
HEAD_CHARS = 8192  # license headers and build lines come first; the clause is near the top
_MEMO: dict[tuple[str, str], str] = {}
_MEMO_SIZE = 50_000
MAX_PACKAGE_FILES = 1000  # a generated folder of thousands: the first request reads no more than this
_LOCK = threading.Lock()


def package_clause(text: str) -> str:
    """The name in the first `package` clause of Go source (comments before it do not match `^package`)."""
    found = _CLAUSE.search(text, 0, HEAD_CHARS)
    return found.group(1) if found else ""


def _clause_of(index, rel: str) -> str:
    entry = index.table.get(rel)
    if entry is None:
        return ""
    key = (rel, entry.digest)
    name = _MEMO.get(key)
    if name is None:
        text = index.text(rel)
        name = package_clause(text) if text is not None else ""
        with _LOCK:
            if len(_MEMO) >= _MEMO_SIZE:
                _MEMO.clear()
            _MEMO[key] = name
    return name


def package_files(index, rel: str, text: str) -> list[str]:
    """The other files of `rel`'s package (same folder, same clause), non-test files first."""
    own = package_clause(text)
    testing = rel.endswith("_test.go")
    found, tests = [], []
    for other in index.table.files_in_dir(posixpath.dirname(rel))[:MAX_PACKAGE_FILES]:
        if other == rel or not other.endswith(".go"):
            continue
        is_test = other.endswith("_test.go")
        if is_test and not testing:
            continue
        if own and _clause_of(index, other) not in (own, ""):
            continue
        (tests if is_test else found).append(other)
    return found + tests


def module_path(root: str) -> str:
    """The module path in `root/go.mod` ("" without one). Only a plain file is read (a FIFO or a
    symlink named go.mod could block or point outside), and only its head."""
    path = os.path.join(root, "go.mod")
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return ""
        with open(path, "rb") as handle:
            head = handle.read(GO_MOD_HEAD_BYTES).decode("utf-8", "replace")
    except OSError:
        return ""
    found = _MODULE.search(head)
    return found.group(1).strip('"') if found else ""


def module_folder(module: str, import_path: str) -> str | None:
    """The workspace folder of an import path inside the root module ("" for the root), else None."""
    if not module:
        return None
    if import_path == module:
        return ""
    if import_path.startswith(module + "/"):
        return import_path[len(module) + 1:]
    return None


def package_name(import_path: str) -> str:
    """The name an import path binds by default: `example.com/x/v2` -> x, `gopkg.in/yaml.v3` -> yaml."""
    parts = [p for p in import_path.strip("/").split("/") if p]
    if not parts:
        return ""
    last = parts[-1]
    if _MAJOR.match(last) and len(parts) > 1:
        last = parts[-2]
    dotted = _DOTTED_MAJOR.match(last)
    if dotted:
        last = dotted.group(1)
    # By convention a repository named go-x or x-go holds package x.
    last = last.removeprefix("go-").removesuffix("-go").removesuffix(".go")
    return last.rsplit("-", 1)[-1].replace(".", "_")
