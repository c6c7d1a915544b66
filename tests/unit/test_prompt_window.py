"""The prompt's prefix starts at a line that stays put while the user types (so llama.cpp keeps its cache)."""

from __future__ import annotations

from lsp_server.assist.prompt_window import PREFIX_CHARS as PROMPT_PREFIX_CHARS, prefix_start

TEXT = "".join(f"    total_{i} = compute(values[{i}], weight={i})\n" for i in range(600))


def test_short_documents_start_at_the_top():
    assert prefix_start(TEXT, PROMPT_PREFIX_CHARS - 1) == 0


def test_the_start_is_a_line_start_within_the_window():
    for offset in range(PROMPT_PREFIX_CHARS + 10, len(TEXT), 997):
        start = prefix_start(TEXT, offset)
        assert TEXT[start - 1] == "\n" and offset - PROMPT_PREFIX_CHARS <= start < offset


def test_typing_keeps_the_start_until_the_window_passes_it():
    offset = TEXT.index("\n", 15_000)
    typed = ".append(x) + more(y)"
    starts = set()
    for count in range(len(typed) + 1):
        text = TEXT[:offset] + typed[:count] + TEXT[offset:]
        starts.add(prefix_start(text, offset + count))
    assert len(starts) == 1


def test_one_enormous_line_is_cut_by_characters():
    line = "x" * (3 * PROMPT_PREFIX_CHARS)
    assert prefix_start(line, len(line)) == len(line) - PROMPT_PREFIX_CHARS
