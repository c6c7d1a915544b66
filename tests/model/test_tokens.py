"""Prompt tokens are memoized (per text, and per chunk of lines) without changing a single token."""

from __future__ import annotations

import pytest

from lsp_server.model.prompts import Special
from lsp_server.model.tokens import line_chunks
from lsp_server.model.types import CompletionRequest

from tests.conftest import ROOT

from .conftest import code_lines

TRICKY = [
    "a  \n\n  b", "x = 1\r\ny = 2\r\n", "tab\t\n\tz\n", "é\n😀 x\nü  \n", "12345\n678\n", "it's\n'll go\n",
    "<｜fim▁hole｜>\n<fim_prefix>x\n", "\n\n\n", "  \n \n", "a\n", "):\n    pass\n", "foo(\n  bar,\n)  \n",
]


def _texts() -> list[str]:
    sources = sorted((ROOT / "lsp_server").rglob("*.py"))[:40] + sorted((ROOT / "fixtures").rglob("*.py"))[:20]
    texts = [path.read_text(encoding="utf-8") for path in sources]
    return texts + [text[len(text) // 3 : 2 * len(text) // 3] for text in texts] + TRICKY


@pytest.mark.parametrize("engine_name", ["deepseek", "starcoder"])
def test_chunked_tokens_equal_whole_text_tokens(engine_name, request):
    engine = request.getfixturevalue(engine_name)
    assert engine._memo.split_lines  # both fixture tokenizers keep newlines after code as boundaries
    for text in _texts():
        whole = engine._llm.tokenize(text.encode("utf-8"), add_bos=False, special=False)
        assert list(engine._memo.tokens(text)) == whole, text[:80]
        assert engine.count_tokens(text) == len(whole)


def test_chunks_join_back_and_depend_only_on_their_lines():
    text = code_lines(60)
    assert "".join(line_chunks(text)) == text
    later = text[text.index("\n", 500) :]  # the same lines, starting elsewhere
    assert set(list(line_chunks(text))[2:-1]) & set(line_chunks(later))


@pytest.mark.parametrize("engine_name", ["deepseek", "starcoder"])
def test_a_prompt_tokenizes_each_chunk_once_and_matches_per_part_tokens(engine_name, request, monkeypatch):
    engine = request.getfixturevalue(engine_name)
    tokenized: list[str] = []
    plain = engine._tokenize_plain
    monkeypatch.setattr(engine._memo, "_tokenize", lambda text: tokenized.append(text) or plain(text))
    prefix = code_lines(300, start=7000) + "def total(items):\n    "  # long enough to be fitted to the window
    request_ = CompletionRequest(prefix=prefix, suffix="\n" + code_lines(30, start=9000), max_tokens=8)
    prompt = engine.build_prompt(request_)
    tokens = engine.prompt_tokens(prompt)
    assert len(tokenized) == len(set(tokenized))  # nothing tokenized twice
    expected = engine._llm.tokenize(b"", add_bos=True, special=False)
    for part in prompt.parts:
        if isinstance(part, Special):
            expected.append(engine.format.ids[part.role])
        else:
            expected += engine._llm.tokenize(part.encode("utf-8"), add_bos=False, special=False)
    assert tokens == expected
    tokenized.clear()
    assert engine.prompt_tokens(engine.build_prompt(request_)) == tokens and not tokenized  # all remembered


def test_huge_texts_are_counted_but_not_remembered(deepseek):
    text = code_lines(3000)
    assert deepseek.count_tokens(text) == len(deepseek._llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))
    assert deepseek._memo._texts.get(text) is None
