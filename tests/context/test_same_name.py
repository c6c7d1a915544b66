"""Big tables stay cheap: a name 100,000 definitions share is looked up in linear time, a bounded
lookup stops early, and the per-file lookup memo holds one version of a file and a bounded total.

The fuzzer's one hang: Python documents of tens of thousands of `def f` lines were open,
and a Rust completion (Rust resolves names with no import across the whole
index) looked up `f`: every definition it built split the file's whole
parents string again, so the lookup was quadratic (80,000 definitions: 32 s)
and the completion was not answered for 14 s.
"""

from __future__ import annotations

import pytest

from context.syntax import Definition
from context.tables import FileEntry, FileTable, pack_record

COUNT = 100_000


def _table() -> FileTable:
    table = FileTable()
    big = [Definition("f", "function", 2 * i, 2 * i + 1, "", "", 2 * i) for i in range(COUNT)]
    table.put(FileEntry("big.py", "d1", 1, 1, pack_record("python", big, [])))
    methods = [Definition("run", "class", 0, 9, "", ""), Definition("f", "method", 1, 2, "", "run", 1)]
    table.put(FileEntry("cls.py", "d2", 1, 1, pack_record("python", methods, [])))
    table.put(FileEntry("main.rs", "d3", 1, 1, pack_record("rust", [Definition("f", "function", 0, 1, "", "")], [])))
    return table


@pytest.mark.timeout(30)  # the quadratic lookup took minutes here
def test_every_definition_of_a_shared_name_is_found_with_its_parent():
    found = _table().definitions_named("f")
    assert len(found) == COUNT + 2
    assert found[COUNT - 1] == ("big.py", Definition("f", "function", 2 * COUNT - 2, 2 * COUNT - 1, "", "",
                                                      2 * COUNT - 2))
    assert ("cls.py", Definition("f", "method", 1, 2, "", "run", 1)) in found


def test_a_bounded_lookup_of_top_level_definitions_elsewhere():
    table = _table()
    assert table.definitions_named("f", limit=3, besides="big.py") == (
        ("cls.py", Definition("f", "method", 1, 2, "", "run", 1)), ("main.rs", Definition("f", "function", 0, 1, "", "")))
    assert table.definitions_named("f", limit=2, top_level=True, besides="big.py") == (
        ("main.rs", Definition("f", "function", 0, 1, "", "")),)
    assert [rel for rel, _ in table.definitions_named("f", limit=3, top_level=True)] == ["big.py"] * 3
    assert table.definitions_named("nothing", limit=1) == ()


class _Index:
    """Just what `lookup` reads: a table of entries."""

    def __init__(self) -> None:
        self.table = FileTable()


def _entry(rel: str, version: int, count: int) -> FileEntry:
    definitions = [Definition(f"f{i}", "function", 2 * i, 2 * i + 1, "", "", 2 * i) for i in range(count)]
    return FileEntry(rel, f"digest-{version}", 1, 1, pack_record("python", definitions, []))


def test_the_lookup_memo_keeps_one_version_of_a_file_and_a_bounded_total(monkeypatch):
    from context import lookup as lookup_module

    monkeypatch.setattr(lookup_module, "_LOOKUPS", type(lookup_module._LOOKUPS)())
    monkeypatch.setattr(lookup_module, "_LOOKUP_MAX_NAMES", 10_000)
    index = _Index()
    for version in range(20):  # one big document, edited: each version has a new digest
        index.table.put(_entry("big.py", version, 3_000))
        assert "f7" in lookup_module.lookup(index, "big.py").top
    assert list(lookup_module._LOOKUPS) == [("big.py", "digest-19")]
    for number in range(10):  # ten other big files: the oldest are dropped past 10,000 names
        index.table.put(_entry(f"other{number}.py", 0, 3_000))
        lookup_module.lookup(index, f"other{number}.py")
    assert sum(found.size for found in lookup_module._LOOKUPS.values()) <= 10_000
    assert [rel for rel, _ in lookup_module._LOOKUPS] == ["other7.py", "other8.py", "other9.py"]
