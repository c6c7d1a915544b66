"""Context for a cursor on a huge line reads a bounded neighbourhood, and still finds what it did.

The after-dot regex used to be tried from every start of the cursor's line
(quadratic: seconds at 16,000 letters, no end at 40,000); these run in
milliseconds now, and bench/long_lines.py prints the times per line length.
"""

from __future__ import annotations

from context.retrieval import retrieve
from context.similar import QUERY_CHARS, query
from context.sticky import NAMES_SPAN, StickyRetrieval, cursor_names
from tests.context.conftest import WORKSPACES

FILE = "shop/services/checkout.py"
SOURCE = (WORKSPACES / "python" / FILE).read_text()


def test_cursor_names_read_near_the_cursor_only():
    line = "first = " + "x" * 100_000 + " + near_name + f(  ) + tail"
    offset = line.index("(  )") + 2
    names = cursor_names(line, 0, len(line), offset)
    assert "near_name" in names and "first" not in names and "tail" in names
    assert cursor_names("a = b + c", 0, 9, 9) == {"a", "b"}
    assert NAMES_SPAN < 100_000


def test_similar_query_reads_at_most_its_chars():
    text = "far_away = 1\n" + "w " * QUERY_CHARS + "close_by"
    assert query(text, len(text)) == {"w", "close_by"}
    assert query("a\nb\nc", 5) == {"a", "b", "c"}


def test_retrieval_at_the_end_of_huge_lines_still_ranks_the_imports(make_index):
    index = make_index(WORKSPACES / "python")
    plain = retrieve(index, FILE, SOURCE, len(SOURCE), 1024)
    assert plain
    for tail in ("a" * 40_000, "b" * 5_000_000, "os." * 20_000, "x." + "y" * 40_000 + ".", "::" * 30_000):
        text = SOURCE + "\nvalue = " + tail
        snippets = retrieve(index, FILE, text, len(text), 1024)
        assert {s.file for s in snippets} >= {s.file for s in plain if s.kind != "similar"}, tail[:10]
        sticky = StickyRetrieval()
        assert sticky(index, FILE, text, len(text), 1024)[0] == tuple(snippets)
