"""Finding the parse error near a cursor in a big non-ASCII document is linear in its size.

Fuzz case 3418 (`bench/fuzz.py --cases 10000`, seed 12): "Fix this error" on a
72,000-line document holding a few non-ASCII characters (also 3676, 3690 and
7184: explain and fix) was not answered in 10 s. Each of its thousands of
tree-sitter ERROR nodes had its byte offset turned into a character offset by
decoding the whole prefix, and each was tested for nearness by counting the
newlines before it: quadratic, in a worker thread that held the GIL, so the
event loop stalled too. And a document over 1 MB is not parsed for a finding, nor one over
300,000 characters for a fix's enclosing function or a signature fact (seconds of a request;
fuzz cases 3418, 7184).
"""

from __future__ import annotations

import random

import pytest

from lsp_server.assist.tree_syntax import error_nodes, finding


def _binary(size: int) -> str:
    rng = random.Random(3418)
    return "".join(chr(rng.randrange(0, 256)) for _ in range(size))


@pytest.mark.timeout(60)  # the quadratic code took minutes at this size
def test_a_fix_finding_in_a_big_binary_document():
    assert len(error_nodes("python", _binary(400_000))) > 1_000
    text = _binary(250_000)  # under the finding's bound
    found = finding("python", text, len(text) // 2)
    assert found is not None and "line" in found.problem


def test_error_nodes_use_character_offsets():
    text = "é = (\nx = 1\n"
    assert [(kind, start) for kind, start, _end, _token in error_nodes("python", text)] == \
        [(kind, start) for kind, start, _end, _token in error_nodes("python", "e" + text[1:])]


def test_a_document_over_the_bound_is_not_parsed_for_a_finding(monkeypatch):
    from lsp_server.assist import tree_syntax

    parsed = []
    monkeypatch.setattr(tree_syntax, "error_nodes", lambda language, text: parsed.append(len(text)) or [])
    assert finding("python", "x = (\n" * 200_000, 3) is None  # 1.2 MB
    assert parsed == []
    assert finding("python", "x = (\n", 3) is None and parsed == [6]


def test_a_fix_in_a_big_document_takes_the_lines_around_the_error(monkeypatch):
    import context.syntax
    from lsp_server.assist.fix import region_for

    monkeypatch.setattr(context.syntax, "enclosing_scope", lambda *args: pytest.fail("parsed a 400 KB file"))
    text = "def f(x):\n    return x\n" * 17_500
    region = region_for(text, "python", 200_000, 200_001)
    assert region.kind == "lines" and region.start < 200_000 < region.end


def test_a_signature_fact_does_not_parse_a_big_file(monkeypatch):
    import context.syntax
    from lsp_server.assist.index_facts import signature_of

    monkeypatch.setattr(context.syntax, "definitions", lambda *args: pytest.fail("parsed a 400 KB file"))
    assert signature_of(None, "f", "def f(x):\n    return x\n" * 17_500, "python") == ""
