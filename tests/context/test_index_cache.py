"""The index cache file is input too: a well-formed file with wrong-shaped entries is repaired, not trusted."""

from __future__ import annotations

import marshal
import shutil

import pytest

from context.cache import valid_record, valid_stat
from context.index import RepositoryIndex
from context.retrieval import retrieve
from context.tables import pack_record
from tests.context.conftest import WORKSPACES

FILE, MARKER, GOLD = "shop/services/checkout.py", "discounted = ", ("shop/services/pricing.py", 4)

# Each turns a good record into a wrong-shaped one that still marshals.
BREAKERS = [
    lambda r: r[:5],  # a column missing
    lambda r: (r[0], r[1], r[2], r[3], r[4][:-4], r[5]),  # line numbers short of the definitions
    lambda r: (r[0], r[1], r[2], bytes([200]) * len(r[3]), r[4], r[5]),  # kind codes out of range
    lambda r: (r[0], r[1] + "\nextra", r[2], r[3], r[4], r[5]),  # more names than definitions
    lambda r: (r[0], r[1], r[2], r[3], r[4], (("a", "b"),)),  # an import record of the wrong arity
    lambda r: (r[0], r[1], r[2], r[3], r[4], ((1, 2, 3, "4"),)),  # import fields of the wrong types
    lambda r: ("klingon", *r[1:]),  # a language we do not have
    lambda r: [*r],  # a list, not a tuple
    lambda r: None,
]


def covers(snippets, file, line):
    return any(s.file == file and s.start_line <= line <= s.end_line for s in snippets)


def index_of(root, cache):
    index = RepositoryIndex(str(root), cache_dir=cache, watch=False).start()
    assert index.wait_ready(60)
    return index


def test_checks_accept_what_the_index_writes():
    assert valid_record(pack_record("python", [], []))
    assert valid_stat((10, 123, "abc"))
    assert not valid_stat((10, "123", "abc")) and not valid_stat([10, 123, "abc"]) and not valid_stat(None)


@pytest.mark.parametrize("breaker", range(len(BREAKERS)))
def test_wrong_shaped_cache_entries_are_dropped_and_the_files_parsed_again(tmp_path, breaker):
    root, cache = tmp_path / "ws", str(tmp_path / "cache")
    shutil.copytree(WORKSPACES / "python", root)
    first = index_of(root, cache)
    total = first.stats()["files"]
    first.stop()
    cache_file = first.stats()["cache_file"]
    with open(cache_file, "rb") as handle:
        payload = marshal.load(handle)
    broken = {digest for digest, record in payload["records"].items() if BREAKERS[breaker](record) != record}
    payload["records"] = {digest: BREAKERS[breaker](record) for digest, record in payload["records"].items()}
    payload["stats"]["shop/models/cart.py"] = ("big", 0, 7)  # a stat of the wrong shape, too
    reparsed = {path for path, stat in payload["stats"].items() if stat[2] in broken} | {"shop/models/cart.py"}
    assert len(reparsed) >= 2
    with open(cache_file, "wb") as handle:
        marshal.dump(payload, handle)

    again = index_of(root, cache)
    try:
        assert again.stats()["files"] == total and again.stats()["parsed"] == len(reparsed)
        text = (root / FILE).read_text()
        assert covers(retrieve(again, FILE, text, text.index(MARKER), 1024), *GOLD)
    finally:
        again.stop()
    third = index_of(root, cache)  # the rebuilt cache is good again
    try:
        assert third.stats()["from_cache"] == total
    finally:
        third.stop()
