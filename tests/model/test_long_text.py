"""Very long lines never reach llama.cpp's tokenizer whole (one ~30,000-letter match crashes it).

The crash is a segfault, so each risky call runs in a child process: a crash
fails the test instead of killing pytest.
"""

from __future__ import annotations

import subprocess
import textwrap

import pytest

from lsp_server.model.text import MAX_TOKENIZER_LINE, shorten_long_lines, tokenizer_pieces
from tests.conftest import DEEPSEEK_MODEL, PYTHON, ROOT, STARCODER_MODEL

from .conftest import code_lines

MODELS = {"deepseek": DEEPSEEK_MODEL, "starcoder": STARCODER_MODEL}


def run_child(model, body: str) -> str:
    """Run `body` with `engine` loaded on `model` in a fresh interpreter; its stdout."""
    script = textwrap.dedent("""
        from lsp_server.model.llama_engine import LlamaEngine
        from lsp_server.model.settings import ModelSettings
        from lsp_server.model.types import CancelToken, ChatMessage, CompletionRequest
        engine = LlamaEngine({model!r}, ModelSettings(n_ctx=2048, n_gpu_layers=0))
    """).format(model=str(model)) + textwrap.dedent(body)
    result = subprocess.run([PYTHON, "-c", script], capture_output=True, text=True, timeout=240, cwd=ROOT)
    assert result.returncode == 0, f"child exited {result.returncode}: {result.stderr[-2000:]}"
    return result.stdout


@pytest.mark.parametrize("name", sorted(MODELS))
def test_count_tokens_of_long_runs(name):
    out = run_child(MODELS[name], """
        for text in ["a" * 30000, "a" * 100000, "." * 60000, "中" * 40000, "x = '" + "A" * 40000 + "'\\n"]:
            print(engine.count_tokens(text))
    """)
    counts = [int(line) for line in out.split()]
    assert len(counts) == 5 and all(count > 0 for count in counts)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_completion_and_chat_with_long_lines(name):
    out = run_child(MODELS[name], """
        line = "data = '" + "A" * 40000 + "'\\n"
        request = CompletionRequest(prefix=line + "def f():\\n    return ", suffix="\\n" + line,
                                    path="untitled:" + "a" * 100000, max_tokens=4)
        completion = engine.complete(request, CancelToken())
        print(completion.prompt_tokens <= engine.n_ctx)
        reply = engine.chat([ChatMessage("user", "Explain:\\n" + line)], CancelToken(), max_tokens=4)
        print(reply.prompt_tokens <= engine.n_ctx)
    """)
    assert out.split() == ["True", "True"]


def test_pieces_join_back_and_bound_every_line():
    texts = ["a" * 10000, "x = 1\n" + "a" * 9000 + "\nend\n", "a." * 6000, "ab " * 5000, "中" * 9000,
             ("word" * 30 + ".") * 2000, "\n" * 20000 + "b" * 5000]
    for text in texts:
        pieces = tokenizer_pieces(text)
        assert "".join(pieces) == text
        assert all(len(line) <= MAX_TOKENIZER_LINE for piece in pieces for line in piece.split("\n"))
        assert len(pieces) > 1


def test_pieces_leave_ordinary_text_whole(deepseek):
    text = code_lines(400)  # far longer than one limit, every line short
    assert tokenizer_pieces(text) == [text]
    whole = deepseek._llm.tokenize(text.encode("utf-8"), add_bos=False, special=False)
    assert list(deepseek._memo.tokens(text)) == whole


def test_cuts_prefer_spaces_then_word_edges():
    words = tokenizer_pieces(("abc " * 2000))
    assert all(piece.endswith(" ") for piece in words[:-1])
    dotted = tokenizer_pieces("a" * 3000 + "." * 3000)
    assert dotted[0] == "a" * 3000


def test_text_for_a_model_server_has_long_lines_shortened():
    text = "head\n" + "a" * 10_000 + "b" * 10_000 + "\ntail"
    short = shorten_long_lines(text)
    lines = short.split("\n")
    assert lines[0] == "head" and lines[2] == "tail" and max(map(len, lines)) <= MAX_TOKENIZER_LINE
    assert lines[1].startswith("aaa") and lines[1].endswith("bbb") and " … " in lines[1]
    ordinary = code_lines(300)
    assert shorten_long_lines(ordinary) is ordinary
