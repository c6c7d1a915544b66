"""Positions and edits by LSP's line-break rules, checked against a plain-string reference.

LSP breaks lines at `\\n`, `\\r\\n` and `\\r` only. The reference below walks
the string character by character and measures columns by encoding, sharing
no code with `lsp_server.positions`; random edit sequences (form feeds,
U+2028, NEL, surrogate pairs, lone surrogates, CRLFs split and joined by
edits, positions past every end) must give the same text through the server's
document (`LspTextDocument`, what pygls holds for an open document) as
through the reference.
"""

from __future__ import annotations

import ast
import random
from pathlib import Path

import pytest
from lsprotocol import types

from lsp_server import positions
from lsp_server.features.documents import LspTextDocument, offset_at

ALPHABET = ["a", "b", "x", " ", "\t", "\n", "\r", "\r\n", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85",
            "\u2028", "\u2029", "é", "中", "😀", "\ud800", "\udfff"]
ENCODINGS = ["utf-16", "utf-8", "utf-32"]


def ref_lines(text: str) -> list[tuple[int, str]]:
    """(start offset, content) of each line, breaking at \\r\\n, \\r, \\n only."""
    result, start, i = [], 0, 0
    while i < len(text):
        if text[i] in "\r\n":
            result.append((start, text[start:i]))
            i += 2 if text[i] == "\r" and text[i + 1 : i + 2] == "\n" else 1
            start = i
        else:
            i += 1
    result.append((start, text[start:]))
    return result


def ref_units(text: str, encoding: str) -> int:
    if encoding == "utf-32":
        return len(text)
    return len(text.encode("utf-16-le" if encoding == "utf-16" else "utf-8", "surrogatepass")) // (
        2 if encoding == "utf-16" else 1)


def ref_offset(text: str, line: int, character: int, encoding: str) -> int:
    lines = ref_lines(text)
    if line >= len(lines):
        return len(text)
    start, content = lines[line]
    index = 0
    while index < len(content) and ref_units(content[: index + 1], encoding) <= character:
        index += 1
    return start + index


def random_text(rng: random.Random, size: int) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(size))


def random_position(rng: random.Random, text: str, encoding: str) -> tuple[int, int]:
    lines = ref_lines(text)
    line = rng.choice([rng.randrange(len(lines)), len(lines), len(lines) + 3, 2**31 - 1])
    width = ref_units(lines[min(line, len(lines) - 1)][1], encoding)
    return line, rng.choice([rng.randint(0, width), width + 1, width + 7, 2**31 - 1])


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_random_edit_sequences_agree_with_the_reference(encoding):
    rng = random.Random(f"positions-{encoding}")
    for case in range(300):
        reference = random_text(rng, rng.randint(0, 30))
        document = LspTextDocument("file:///t.py", source=reference, version=1,
                                   position_codec=_codec(encoding))
        for _ in range(8):
            start, end = random_position(rng, reference, encoding), random_position(rng, reference, encoding)
            start, end = sorted([start, end])
            new_text = random_text(rng, rng.randint(0, 4))
            first, last = ref_offset(reference, *start, encoding), ref_offset(reference, *end, encoding)
            reference = reference[:first] + new_text + reference[last:]
            document.apply_change(types.TextDocumentContentChangePartial(
                range=types.Range(types.Position(*start), types.Position(*end)), text=new_text))
            assert document.source == reference, (case, start, end, new_text)
        line, character = random_position(rng, reference, encoding)
        offset, clamped = offset_at(reference, types.Position(line, character), encoding)
        assert offset == ref_offset(reference, line, character, encoding)
        assert ref_offset(reference, clamped.line, clamped.character, encoding) == offset


def _codec(encoding: str):
    from pygls.workspace.position_codec import PositionCodec

    return PositionCodec(encoding=encoding)


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_offsets_and_positions_round_trip(encoding):
    rng = random.Random(f"round-trip-{encoding}")
    for _ in range(200):
        text = random_text(rng, rng.randint(0, 40))
        for offset in range(len(text) + 1):
            line, character = positions.position_at(text, offset, encoding)
            expected = offset - 1 if 0 < offset < len(text) and text[offset - 1 : offset + 1] == "\r\n" else offset
            assert positions.offset_at(text, line, character, encoding)[0] == expected, (text, offset)
        assert [content for _, content in ref_lines(text)] == positions.lines(text)
        assert "".join(positions.lines_with_ends(text)) == text


def test_the_reported_cases():
    text = "a = 1\x0cb = 2\nc = 3\n"  # the form feed is inside line 0
    assert positions.apply_change(text, (1, 0), (1, 0), "Q") == "a = 1\x0cb = 2\nQc = 3\n"
    assert positions.apply_change("abc", (0, 10), (0, 10), "X") == "abcX"
    assert positions.apply_change("abc", (5, 0), (5, 0), "X") == "abcX"
    bare_cr = "one\rtwo\rthree"
    assert positions.offset_at(bare_cr, 1, 0) == (4, 1, 0)
    assert positions.offset_at(bare_cr, 2, 99) == (len(bare_cr), 2, 5)
    assert positions.offset_at("a😀b", 0, 2) == (1, 0, 1)  # inside the pair: rounds down
    assert positions.position_at("a\r\nb", 2) == (0, 1)  # between \r and \n: the end of line 0


def test_the_server_document_is_our_document_type():
    document = LspTextDocument("file:///t.py", source="x\x0cy\u2028z\r\nw", version=1)
    assert document.lines == ("x\x0cy\u2028z\r\n", "w")


def test_positions_module_is_protocol_free():
    tree = ast.parse(Path(positions.__file__).read_text())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module}
    assert not imported & {"pygls", "lsprotocol", "lsp_server"}
