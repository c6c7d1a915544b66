"""Looking up a name that 100,000 definitions share is linear, and a bounded lookup stops early.

The fuzzer's one hang: a Python document of 100,000 `def f` lines was open,
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
