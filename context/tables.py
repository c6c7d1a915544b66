"""The index's in-memory tables: files, definitions by name, files by stem and folder.

`FileTable` is written by the indexing thread and read by retrieval on other
threads; a lock guards every change and every lookup, and lookups return
fresh tuples so readers never see a table mid-update. It holds only compact
records (definition headers and line ranges, import records), never file
text, so memory grows with the number of definitions, not with bytes.
"""

from __future__ import annotations

import posixpath
import sys
import threading
from array import array

from context.imports import ImportRecord
from context.syntax import Definition


KINDS = ("function", "method", "class", "interface", "struct", "enum", "type", "constant", "variable",
         "field", "module", "impl", "trait", "macro", "other")
_KIND_CODES = {kind: code for code, kind in enumerate(KINDS)}

# A file's parse as plain values (what the on-disk cache stores): language, definition names,
# parents (both newline-joined), kind codes, line numbers (start, end, header end; uint32),
# and import records as tuples. A few objects per file instead of dozens per definition.
Record = tuple[str, str, str, bytes, bytes, tuple]


def pack_record(language: str, definitions, imports) -> Record:
    numbers = array("I")
    for d in definitions:
        numbers.extend((d.start_line, d.end_line, d.header_end_line))
    return (
        language,
        "\n".join(d.name for d in definitions),
        "\n".join(d.parent for d in definitions),
        bytes(_KIND_CODES.get(d.kind, len(KINDS) - 1) for d in definitions),
        numbers.tobytes(),
        tuple(tuple(r) for r in imports),
    )


class FileEntry:
    """One indexed file; its definitions and imports are unpacked on first use."""

    __slots__ = ("rel", "language", "digest", "size", "mtime_ns", "record", "from_document", "_definitions",
                 "_imports", "names", "_parents")

    def __init__(self, rel: str, digest: str, size: int, mtime_ns: int, record: Record,
                 from_document: bool = False) -> None:
        self.rel, self.digest, self.size, self.mtime_ns = rel, digest, size, mtime_ns
        self.record, self.from_document = record, from_document
        self.language = record[0]
        self.names: list[str] = record[1].split("\n") if record[3] else []
        self._definitions: tuple[Definition, ...] | None = None
        self._imports: tuple[ImportRecord, ...] | None = None
        self._parents: list[str] | None = None

    def definition(self, position: int) -> Definition:
        if self._definitions is not None:
            return self._definitions[position]
        _, _, _, kinds, numbers, _ = self.record
        start, end, header_end = array("I", numbers[position * 12:position * 12 + 12])
        return Definition(self.names[position], KINDS[kinds[position]], start, end, "", self.parent(position),
                          header_end)

    def parent(self, position: int) -> str:
        # Split once, not per lookup: a file of 100,000 `def f` made every lookup of `f` quadratic.
        if self._parents is None:
            parents = self.record[2]
            self._parents = parents.split("\n") if parents.strip("\n") else []
        return self._parents[position] if self._parents else ""

    @property
    def definitions(self) -> tuple[Definition, ...]:
        if self._definitions is None:
            _, _, parents, kinds, numbers, _ = self.record
            lines = array("I", numbers)
            parent_names = parents.split("\n") if kinds else []
            self._definitions = tuple(
                Definition(name, KINDS[kinds[i]], lines[3 * i], lines[3 * i + 1], "", parent_names[i], lines[3 * i + 2])
                for i, name in enumerate(self.names)
            )
        return self._definitions

    @property
    def imports(self) -> tuple[ImportRecord, ...]:
        if self._imports is None:
            self._imports = tuple(map(ImportRecord._make, self.record[5]))
        return self._imports


def stem_of(rel: str) -> str:
    name = posixpath.basename(rel)
    if name.endswith(".d.ts"):
        return name[:-5]
    return posixpath.splitext(name)[0]


class FileTable:
    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._files: dict[str, FileEntry] = {}
        self._by_name: dict[str, list[tuple[str, int]]] = {}  # name -> (path, position in its file)
        self._by_stem: dict[str, set[str]] = {}
        self._by_dir: dict[str, set[str]] = {}
        self._dirs_by_name: dict[str, set[str]] = {}
        self.definition_count = 0
        self.layout_version = 0  # changes when a path appears or disappears, not when content does
        self.go_module = ""  # the root go.mod's module path, for Go imports of the module's own packages
        self.content_version = 0  # changes with every put or remove: memos of what files define

    def __len__(self) -> int:
        return len(self._files)

    def put(self, entry: FileEntry) -> None:
        with self._lock:
            self.content_version += 1
            if not self._remove_locked(entry.rel):
                self.layout_version += 1
            self._files[entry.rel] = entry
            by_name, rel = self._by_name, entry.rel
            for position, name in enumerate(entry.names):
                by_name.setdefault(sys.intern(name), []).append((rel, position))
            self.definition_count += len(entry.names)
            self._by_stem.setdefault(stem_of(entry.rel), set()).add(entry.rel)
            folder = posixpath.dirname(entry.rel)
            if folder not in self._by_dir:
                self._by_dir[folder] = set()
                self._dirs_by_name.setdefault(posixpath.basename(folder), set()).add(folder)
            self._by_dir[folder].add(entry.rel)

    def remove(self, rel: str) -> bool:
        with self._lock:
            self.content_version += 1
            removed = self._remove_locked(rel)
            self.layout_version += removed
            return removed

    def _remove_locked(self, rel: str) -> bool:
        old = self._files.pop(rel, None)
        if old is None:
            return False
        for name in set(old.names):
            kept = [item for item in self._by_name.get(name, ()) if item[0] != rel]
            if kept:
                self._by_name[name] = kept
            else:
                self._by_name.pop(name, None)
        self.definition_count -= len(old.names)
        _discard(self._by_stem, stem_of(rel), rel)
        folder = posixpath.dirname(rel)
        if _discard(self._by_dir, folder, rel):
            _discard(self._dirs_by_name, posixpath.basename(folder), folder)
        return True

    def get(self, rel: str) -> FileEntry | None:
        return self._files.get(rel)

    def has(self, rel: str) -> bool:
        return rel in self._files

    def paths(self) -> tuple[str, ...]:
        with self._lock:
            return tuple(self._files)

    def entries(self) -> tuple[FileEntry, ...]:
        with self._lock:
            return tuple(self._files.values())

    def definitions_named(self, name: str, limit: int | None = None, top_level: bool = False,
                          besides: str = "") -> tuple[tuple[str, Definition], ...]:
        """Definitions of `name` (only top-level ones, none in `besides`), the first `limit` of them."""
        found = []
        with self._lock:
            for rel, position in self._by_name.get(name, ()):
                entry = self._files[rel]
                if rel == besides or (top_level and entry.parent(position)):
                    continue
                found.append((rel, entry.definition(position)))
                if limit is not None and len(found) >= limit:
                    break
        return tuple(found)

    def files_with_stem(self, stem: str) -> tuple[str, ...]:
        with self._lock:
            return tuple(sorted(self._by_stem.get(stem, ())))

    def files_in_dir(self, folder: str) -> tuple[str, ...]:
        with self._lock:
            return tuple(sorted(self._by_dir.get(folder, ())))

    def dirs_named(self, name: str) -> tuple[str, ...]:
        with self._lock:
            return tuple(sorted(self._dirs_by_name.get(name, ())))


def _discard(table: dict[str, set[str]], key: str, value: str) -> bool:
    """Remove `value` from `table[key]`; True when that emptied the key."""
    values = table.get(key)
    if values is None:
        return False
    values.discard(value)
    if not values:
        del table[key]
        return True
    return False
