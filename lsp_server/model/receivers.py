"""Which module's names follow `alias.`: the receiver an import binds, and the names its snippets define.

Right after `alias.` (or `alias.partial`) at the cursor, context-guided
decoding (`guidance`) gives the stronger `MEMBER_BIAS` to the names of the
module `alias` stands for, when the retrieved snippets show that module: an
import in the file's first `MAX_HEAD_CHARS` binds it (Python's `import a.b as
x` and `from a import b as x`, TypeScript's `import * as x from './b'` and
`import x from`, Go's `x "path/b"` with a major-version suffix skipped), or
`alias` is the module's own name. A snippet belongs to a module by its file:
its stem, and for a Go file or a package's index (`__init__`, `index`, `mod`)
its folder too; and a Go file belongs to every module another file of its
folder does (a Go package is its folder: `entry.go` beside `logrus.go`).
Where a Go file's imports bring the package in, only its exported names
(capitalised) are members: `token.tokens` does not compile outside `token`.
Only a plain name resolves (`a.b.|` does not), on the cursor's line alone.
"""

from __future__ import annotations

import re
from typing import Iterable

from lsp_server.model.snippet_names import NAME, context_names

MAX_HEAD_CHARS = 8_000  # of the file's start searched for the import that binds a receiver
_RECEIVER = re.compile(rf"({NAME})\.(?:{NAME})?$")
_GO_PACKAGE = re.compile(r"^package\s+\w+", re.M)
_GO_IMPORT = re.compile(r'^[ \t]*(?:import[ \t]+)?(?:(\w+)[ \t]+)?"([^"\n]+)"', re.M)  # in a block or alone


def receiver_members(prefix: str, head: str, snippets: Iterable) -> tuple[str, ...]:
    """At `alias.` (or `alias.partial`): the names defined by the snippets of `alias`'s module, when
    an import in `head` (the file's start) binds `alias` to that module, or `alias` is its name."""
    line = prefix[prefix.rfind("\n") + 1:][-400:]
    match = _RECEIVER.search(line)
    if match is None or (match.start() and (line[match.start() - 1] == "." or line[match.start() - 1].isalnum())):
        return ()  # `a.b.|`: only a plain name resolves here
    alias, head = match.group(1), head[:MAX_HEAD_CHARS]
    module = _imported_as(head, alias) or alias
    snippets = list(snippets)
    files = [str(getattr(s, "file", "")).replace("\\", "/") for s in snippets]
    named = [module in _module_names(file) for file in files]
    # A Go package is its folder: one of its files named for the module (`logrus/logrus.go`) brings in the rest
    packages = {file.rpartition("/")[0] for file, hit in zip(files, named) if hit and file.endswith(".go")}
    own = [s for s, file, hit in zip(snippets, files, named)
           if hit or (file.endswith(".go") and file.rpartition("/")[0] in packages)]
    if not own:
        return ()
    names = context_names(own)
    return tuple(n for n in names if n[:1].isupper()) if _go_imported(head, alias) else names


def _imported_as(head: str, alias: str) -> str:
    """The last component of the module an import in `head` binds to `alias` ("" if none does)."""
    name = re.escape(alias)
    for pattern in (rf"\b(\w+)\s+as\s+{name}\b",  # Python `import a.b as x`, `from a import b as x`
                    rf"import\s+(?:\*\s+as\s+)?{name}\s+from\s+['\"]([^'\"]+)['\"]",  # TS/JS
                    rf"^\s*{name}\s+\"([^\"]+)\"", rf"\bimport\s+{name}\s+\"([^\"]+)\""):  # Go
        found = re.search(pattern, head, re.M)
        if found:
            return _last_component(found.group(1))
    return ""


def _go_imported(head: str, alias: str) -> bool:
    """Whether `head` is a Go file's and one of its imports names its package `alias`."""
    if not _GO_PACKAGE.search(head):
        return False
    return any((found.group(1) or _last_component(found.group(2))) == alias for found in _GO_IMPORT.finditer(head))


def _last_component(path: str) -> str:
    """A module path's name: its last part, a major-version suffix (`/v2`) and a `.v2` skipped."""
    parts = [p for p in re.split(r"[/\\]", path) if p and not re.fullmatch(r"v\d+", p)]
    return parts[-1].split(".")[0] if parts else ""


def _module_names(file: str) -> set[str]:
    """What a file's module is called: its stem; for a Go file or a package's index, its folder."""
    parts = file.replace("\\", "/").split("/")
    stem = parts[-1].split(".")[0]
    folder = parts[-2] if len(parts) > 1 else ""
    package = file.endswith(".go") or stem in ("__init__", "index", "mod")
    return {stem, folder} if package else {stem}
