"""Token healing on the real tiny models: the prompt ends on a token boundary, and the output retypes nothing."""

from __future__ import annotations

import numpy as np
import pytest

from lsp_server.model.pieces import token_piece
from lsp_server.model.healing import Healing, PieceIndex, back_off
from lsp_server.model.types import CancelToken, CompletionRequest

RETURN = "def total(cart):\n    return "
SUFFIX = "\n\nprint(total)\n"


@pytest.fixture
def healing_on(request):
    """Each test leaves the shared engines as it found them."""
    engines = []

    def use(engine, on=True):
        engines.append((engine, engine.token_healing))
        engine.token_healing = on
        return engine

    yield use
    for engine, before in reversed(engines):  # the first setting recorded is the one found
        engine.token_healing = before


def cut(engine, prefix):
    vocab = engine._llm._model.vocab
    return back_off(prefix, engine._tokenize_plain, lambda t: token_piece(vocab, t), engine.piece_index())


def complete(engine, prefix, **kw):
    return engine.complete(CompletionRequest(prefix=prefix, suffix=SUFFIX, max_tokens=6, **kw), CancelToken())


def test_piece_index_finds_pieces_by_prefix():
    index = PieceIndex([b"", b" ", b" max", b" m", b"x", b" mi", b"max"])
    assert sorted(index.starting_with(b" m").tolist()) == [2, 3, 5]
    assert sorted(index.consistent_with(b" ma").tolist()) == [1, 2, 3]  # " max" extends it; " ", " m" start it
    assert index.starting_with(b"\xff").tolist() == []


def test_healing_retypes_then_strips_the_cut_text():
    index = PieceIndex([b" ", b" max", b"(", b"m"])
    healing = Healing(b" m", index)
    logits = np.asarray([0.0, 1.0, 9.0, 5.0], dtype=np.float32)
    assert healing.pick(logits) == 1  # "(" scores higher but cannot start " m"
    healing.advance(b" max")
    assert not healing.active and healing.strip(b" max") == b"ax" and healing.strip(b"(") == b"("


@pytest.mark.parametrize("model", ["deepseek", "starcoder"])
def test_back_off_cuts_a_partial_last_token(model, request):
    engine = request.getfixturevalue(model)
    assert cut(engine, "    return ") == ("    return", b" ")
    assert cut(engine, "items = cart.it") == ("items = cart.", b"it")
    assert cut(engine, "x") == ("x", b"")  # one token: nothing to heal against
    assert cut(engine, "y = 😀") == ("y = 😀", b"")  # no piece extends it


def test_deepseek_healed_completions_are_pinned(deepseek, healing_on):
    healing_on(deepseek, False)
    assert complete(deepseek, RETURN).text == " Arc子的inatedonut包含满意"  # the lone-space prompt: a space typed twice
    healing_on(deepseek, True)
    assert complete(deepseek, RETURN).text == "Arc която designers structure库ende"
    assert complete(deepseek, "items = cart.it").text == "chfeltilitation monitorsORS Enter"


def test_starcoder_healed_completions_are_pinned(starcoder, healing_on):
    healing_on(starcoder, True)
    assert complete(starcoder, RETURN).text == "に其实fin BreakSupportWinner"
    assert complete(starcoder, "items = cart.it").text == "terィHer setuptemp об"


@pytest.mark.parametrize("model", ["deepseek", "starcoder"])
@pytest.mark.parametrize("temperature", [0.0, 0.8])
def test_no_completion_after_return_space_starts_with_a_space(model, temperature, request, healing_on):
    engine = healing_on(request.getfixturevalue(model))
    for body in ("def f(a):\n    return ", "    return ", "class A:\n    def g(self):\n        return "):
        text = complete(engine, body, temperature=temperature).text
        assert text and not text.startswith(" "), (body, text)


def test_single_line_stop_applies_after_the_cut_text(starcoder, healing_on):
    healing_on(starcoder)
    assert cut(starcoder, "a = 1\n") == ("a = 1", b"\n")  # the cut text is the stop string itself
    result = starcoder.complete(CompletionRequest(prefix="if a:\n", max_tokens=8, stop=("\n",)), CancelToken())
    assert result.text == "\t\t\t\t" and result.finish_reason == "stop"


def test_healing_never_picks_a_fim_marker(deepseek):
    index = deepseek.piece_index()
    for marker in deepseek.format.ids.values():
        assert marker not in index.starting_with(b"<").tolist()
