"""Finding the parse error near a cursor in a big binary document is linear in its size.

Fuzz case 3418 (`bench/fuzz.py --cases 10000`, seed 12): "Fix this error" on a
document of random bytes was not answered in 10 s. Each of its thousands of
tree-sitter ERROR nodes had its byte offset turned into a character offset by
decoding the whole prefix, and each was tested for nearness by counting the
newlines before it: quadratic, in a worker thread that held the GIL, so the
event loop stalled too.
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
    text = _binary(400_000)
    nodes = error_nodes("python", text)
    assert len(nodes) > 1_000
    offset = len(text) // 2
    found = finding("python", text, offset)
    assert found is not None and "line" in found.problem


def test_error_nodes_use_character_offsets():
    text = "é = (\nx = 1\n"
    assert [(kind, start) for kind, start, _end, _token in error_nodes("python", text)] == \
        [(kind, start) for kind, start, _end, _token in error_nodes("python", "e" + text[1:])]
