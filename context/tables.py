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
from dataclasses import dataclass

from context.imports import ImportRecord
from context.syntax import Definition


@dataclass(frozen=True, slots=True)
class FileEntry:
    rel: str
    language: str
    digest: str
    size: int
    mtime_ns: int
    definitions: tuple[Definition, ...]
    imports: tuple[ImportRecord, ...]
    from_document: bool = False


def stem_of(rel: str) -> str:
    name = posixpath.basename(rel)
    if name.endswith(".d.ts"):
        return name[:-5]
    return posixpath.splitext(name)[0]


class FileTable:
    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._files: dict[str, FileEntry] = {}
        self._by_name: dict[str, list[tuple[str, Definition]]] = {}
        self._by_stem: dict[str, set[str]] = {}
        self._by_dir: dict[str, set[str]] = {}
        self._dirs_by_name: dict[str, set[str]] = {}
        self.definition_count = 0
        self.layout_version = 0  # changes when a path appears or disappears, not when content does

    def __len__(self) -> int:
        return len(self._files)

    def put(self, entry: FileEntry) -> None:
        with self._lock:
            if not self._remove_locked(entry.rel):
                self.layout_version += 1
            self._files[entry.rel] = entry
            for definition in entry.definitions:
                self._by_name.setdefault(sys.intern(definition.name), []).append((entry.rel, definition))
            self.definition_count += len(entry.definitions)
            self._by_stem.setdefault(stem_of(entry.rel), set()).add(entry.rel)
            folder = posixpath.dirname(entry.rel)
            if folder not in self._by_dir:
                self._by_dir[folder] = set()
                self._dirs_by_name.setdefault(posixpath.basename(folder), set()).add(folder)
            self._by_dir[folder].add(entry.rel)

    def remove(self, rel: str) -> bool:
        with self._lock:
            removed = self._remove_locked(rel)
            self.layout_version += removed
            return removed

    def _remove_locked(self, rel: str) -> bool:
        old = self._files.pop(rel, None)
        if old is None:
            return False
        for name in {d.name for d in old.definitions}:
            kept = [item for item in self._by_name.get(name, ()) if item[0] != rel]
            if kept:
                self._by_name[name] = kept
            else:
                self._by_name.pop(name, None)
        self.definition_count -= len(old.definitions)
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

    def definitions_named(self, name: str) -> tuple[tuple[str, Definition], ...]:
        with self._lock:
            return tuple(self._by_name.get(name, ()))

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
