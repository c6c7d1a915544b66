"""Definitions by name per indexed file, and following an import to what it names.

`lookup(index, path)` gives one file's definitions arranged for retrieval
(top-level names, members by owner and by name, names by subword), cached
per content hash. `find` resolves a name reached through an import record to
top-level definitions, following re-exports (`from .x import Name` in a
package `__init__`, JS `export ... from`) a couple of hops deep.
"""

from __future__ import annotations

import re
import threading
from array import array
from collections import OrderedDict, defaultdict
from functools import lru_cache

from context.imports import WILDCARD, ImportRecord
from context.resolve import import_files
from context.syntax import Definition
from context.tables import KINDS

_SUBWORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_CACHE_LOCK = threading.Lock()
_LOOKUP_CACHE_SIZE = 512
INCLUDES = frozenset({"c", "cpp"})
MAX_REEXPORT_HOPS = 3  # barrels of barrels: index.ts -> internal/index.ts -> the file
MAX_REEXPORT_FILES = 200
_FIND_MEMO: dict[tuple, list] = {}
_FIND_MEMO_SIZE = 8192


@lru_cache(maxsize=2048)  # names typed are new each keystroke: 8192 filled over ~11,000 keys (RSS +3 MB)
def subwords(name: str) -> frozenset[str]:
    """`TextDocumentEdit` -> {"text", "document", "edit"}."""
    return frozenset(word.lower() for word in _SUBWORD.findall(name))


def find(index, language: str, importer: str, record: ImportRecord, name: str, depth: int = 0, seen=None):
    """`_find`, remembered until any file changes: following a barrel web costs up to
    MAX_REEXPORT_FILES lookups, and every keystroke asks again for the same imports."""
    if depth:
        return _find(index, language, importer, record, name, depth, seen)
    table = index.table
    key = (id(table), table.content_version, language, importer, tuple(record), name)
    found = _FIND_MEMO.get(key)
    if found is None:
        found = _find(index, language, importer, record, name)
        with _CACHE_LOCK:
            if len(_FIND_MEMO) >= _FIND_MEMO_SIZE:
                _FIND_MEMO.clear()
            _FIND_MEMO[key] = found
    return list(found)


def _find(index, language: str, importer: str, record: ImportRecord, name: str, depth: int = 0, seen=None):
    """Top-level definitions of `name` reached through `record`, following re-exports
    (each file once, at most MAX_REEXPORT_FILES of them: a crafted barrel web cannot stall a keystroke)."""
    seen = set() if seen is None else seen
    files = [f for f in import_files(language, importer, record, index.table) if f not in seen]
    if len(seen) + len(files) > MAX_REEXPORT_FILES:
        files = files[:max(MAX_REEXPORT_FILES - len(seen), 0)]
    seen.update(files)
    if record.name and record.name != WILDCARD and name != record.name:
        # `name` is an attribute of the imported thing, which must then be a module.
        files = [f for f in files if module_name(f) == record.name]
    found = top_level(index, files, name)
    if found or depth >= MAX_REEXPORT_HOPS:
        return found
    for rel in files:
        entry = index.table.get(rel)
        for forwarded in entry.imports if entry else ():
            if forwarded.local == name:
                found += _find(index, entry.language, rel, forwarded, forwarded.name or name, depth + 1, seen)
            elif forwarded.name == WILDCARD and forwarded.source and (depth == 0 or entry.language not in INCLUDES):
                # a barrel (`export * from`, `from x import *`); #include chains fan out too fast to follow far
                found += _find(index, entry.language, rel, forwarded, name, depth + 1, seen)
            if len(found) >= 2:
                return found
        if found:
            return found
    return found


def module_name(rel: str) -> str:
    parts = rel.rsplit("/", 2)
    stem = parts[-1].split(".", 1)[0]
    return parts[-2] if stem in ("__init__", "index", "mod") and len(parts) > 1 else stem


class _DefinitionsBy:
    """name -> definitions, built from positions in the packed record only when asked for."""

    def __init__(self, positions: dict[str, list[int]], make) -> None:
        self._positions, self._make = positions, make

    def __contains__(self, key: str) -> bool:
        return key in self._positions

    def __iter__(self):
        return iter(self._positions)

    def names(self):
        """The names, as a set-like view (intersections run at C speed)."""
        return self._positions.keys()

    def __getitem__(self, key: str) -> list[Definition]:
        return [self._make(position) for position in self._positions[key]]

    def get(self, key: str, default=()):
        positions = self._positions.get(key)
        return default if positions is None else [self._make(position) for position in positions]


class FileLookup:
    """One file's definitions by name: top-level ones, members by owner, members by name.

    Built from the index's packed record (names, parents, kinds, line numbers) without
    making a `Definition` for each of a big module's thousands of names up front.
    """

    def __init__(self, entry) -> None:
        names, record = entry.names, entry.record
        self.size = len(names)  # for the memo's bound
        parents = record[2].split("\n") if names else []
        kinds, numbers = record[3], array("I", record[4])
        made: dict[int, Definition] = {}

        def make(i: int) -> Definition:
            if i not in made:
                made[i] = Definition(names[i], KINDS[kinds[i]], numbers[3 * i], numbers[3 * i + 1], "", parents[i],
                                     numbers[3 * i + 2])
            return made[i]

        top: dict[str, list[int]] = defaultdict(list)
        members_of: dict[str, list[int]] = defaultdict(list)
        members_named: dict[str, list[int]] = defaultdict(list)
        for position, (name, parent) in enumerate(zip(names, parents)):
            if parent:
                members_of[parent].append(position)
                members_named[name].append(position)
            else:
                top[name].append(position)
        self.top = _DefinitionsBy(top, make)
        self.members_of = _DefinitionsBy(members_of, make)
        self.members_named = _DefinitionsBy(members_named, make)
        self._names_with_word: dict[str, list[str]] | None = None

    def names_with_word(self) -> dict[str, list[str]]:
        """Top-level names by the subwords of their name (`TextEdit` under "text" and "edit")."""
        if self._names_with_word is None:
            table: dict[str, list[str]] = defaultdict(list)
            for name in self.top:
                for word in subwords(name):
                    table[word].append(name)
            self._names_with_word = table
        return self._names_with_word


_LOOKUPS: OrderedDict[tuple[str, str], FileLookup] = OrderedDict()
_LOOKUP_MAX_NAMES = 400_000  # about 25 MB of lookups


def lookup(index, rel: str) -> FileLookup | None:
    entry = index.table.get(rel)
    if entry is None:
        return None
    key = (rel, entry.digest)
    found = _LOOKUPS.get(key)
    if found is None:
        found = FileLookup(entry)
        with _CACHE_LOCK:  # retrieval may run on more than one thread
            # An edited file's older versions are never asked for again: drop them now; and keep the
            # memo under a total of names, since one big module's lookup costs megabytes.
            for stale in [k for k in _LOOKUPS if k[0] == rel]:
                del _LOOKUPS[stale]
            _LOOKUPS[key] = found
            names = sum(kept.size for kept in _LOOKUPS.values())
            while len(_LOOKUPS) > 1 and (len(_LOOKUPS) > _LOOKUP_CACHE_SIZE or names > _LOOKUP_MAX_NAMES):
                names -= _LOOKUPS.popitem(last=False)[1].size
    return found


def top_level(index, files, name: str) -> list[tuple[str, Definition]]:
    found = []
    for rel in dict.fromkeys(files):
        file_lookup = lookup(index, rel)
        if file_lookup is not None and name in file_lookup.top:
            found += [(rel, d) for d in file_lookup.top[name]]
    return found


