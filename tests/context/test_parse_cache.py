"""Caches that hold file texts or trees are bounded by size, not only by count.

A tree-sitter tree costs many times its source (a 1 MB Python file's tree is
about 55 MB of RSS), and the parse cache kept the last eight parses; the
split-lines and similar-code caches kept 128 and 64 texts, every edited
version of a big document among them: the fuzzer's big documents took the
server from 414 to 638 MB in 2,000 cases. And a snippet too long to fit the
budget is dropped before it is tokenized (a megabyte line took seconds).
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


def test_text_caches_keep_one_version_of_a_file_and_a_bounded_total(monkeypatch):
    from collections import OrderedDict

    from context import similar

    monkeypatch.setattr(similar, "MAX_CACHED_TEXT_CHARS", 3_000_000)
    items: OrderedDict = OrderedDict()
    for version in range(50):  # a megabyte document edited fifty times
        text = "x = 1\n" * 170_000 + f"# {version}\n"
        similar.put_bounded(items, ("big.py", hash(text)), (text, None), 64)
    assert [value[0][-5:] for value in items.values()] == ["# 49\n"]
    for number in range(5):
        text = "y = 2\n" * 170_000 + f"# {number}\n"
        similar.put_bounded(items, (f"other{number}.py", hash(text)), (text, None), 64)
    assert [key[0] for key in items] == ["other3.py", "other4.py"]
    assert sum(len(value[0]) for value in items.values()) <= 3_000_000


def test_a_snippet_that_cannot_fit_is_not_tokenized():
    from context.packing import Packer
    from context.snippet import Snippet

    counted = []
    packer = Packer(100, lambda text: counted.append(len(text)) or len(text) // 4)
    assert not packer.add(Snippet("big.js", 1, 1, "similar", "w1 " * 400_000))
    assert counted == []
    assert packer.add(Snippet("small.js", 1, 1, "similar", "w1 " * 10)) and counted == [30]
