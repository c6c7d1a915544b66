"""The shared parse cache is bounded by bytes as well as by count.

A tree-sitter tree costs many times its source (a 1 MB Python file's tree is
about 55 MB of RSS), and the cache kept the last eight parses: the fuzzer's
big documents took the server from 414 to 638 MB in 2,000 cases.
"""

from __future__ import annotations

from context import syntax


def test_big_parses_are_not_kept_past_the_byte_bound(monkeypatch):
    monkeypatch.setattr(syntax, "_CACHE", syntax._ParseCache())
    small = [f"def f{n}(x):\n    return x\n" for n in range(8)]
    for text in small:
        syntax.parse("python", text)
    assert len(syntax._CACHE._items) == 8  # small parses: the count bound
    big = ["def f(x):\n    return x\n" * 40_000 + f"# {n}\n" for n in range(3)]  # 0.92 MB each
    for text in big:
        syntax.parse("python", text)
    kept = [key[1] for key in syntax._CACHE._items]
    assert kept[-2:] == big[1:] and big[0] not in kept
    assert sum(len(text) for text in kept) <= syntax.MAX_CACHED_SOURCE_BYTES
    assert syntax.parse("python", big[2]) is syntax.parse("python", big[2])  # the newest is still a hit


def test_one_parse_bigger_than_the_bound_is_still_kept(monkeypatch):
    monkeypatch.setattr(syntax, "_CACHE", syntax._ParseCache())
    huge = "x = 1\n" * 400_000
    assert syntax.parse("python", huge) is syntax.parse("python", huge)
    assert len(syntax._CACHE._items) == 1
