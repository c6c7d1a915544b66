"""Look-ahead (`model.lookahead`, `Guide._look_ahead`): whole candidate names scored by the model itself.

The scores are checked against the same sums computed by plain evaluation on the real tiny model, the
KV cache is checked to be as it was afterwards, and the choice between candidates is pinned with a
stand-in scorer (where the scores must be controlled) and on DeepSeek-tiny end to end.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import llama_cpp
from lsp_server.model import guidance, lookahead
from lsp_server.model.guidance import Guide, guide_for
from lsp_server.model.healing import PieceIndex
from lsp_server.model.pieces import token_piece, tokenize_bytes
from lsp_server.model.throughput import Throughput
from lsp_server.model.types import CancelToken, CompletionRequest

PROMPT = b"def total(cart):\n    return"


@pytest.fixture(autouse=True)
def on(monkeypatch):
    """These tests pin the limit (`guidance.LOOKAHEAD`) rather than follow its default."""
    monkeypatch.setattr(guidance, "LOOKAHEAD", 4)


def log_softmax(row) -> np.ndarray:
    row = np.asarray(row, dtype=np.float64)
    return row - (row.max() + math.log(np.exp(row - row.max()).sum()))


def evaluated(llm, tokens: list[int]) -> np.ndarray:
    """Evaluate `tokens` from an empty cache; the next-token logits (a copy)."""
    llm.reset()
    llm._ctx.kv_cache_clear()
    llm.eval(tokens)
    return np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm._ctx.ctx, -1), shape=(llm.n_vocab(),)).copy()


def test_scores_are_the_models_own_log_probabilities_and_the_cache_is_left_as_it_was(deepseek):
    llm, index = deepseek._llm, deepseek.piece_index()
    vocab, words = llm._model.vocab, lookahead.word_tokens(index, llm.n_vocab())
    prompt = list(tokenize_bytes(vocab, PROMPT, False))
    spelling = b" delegate_total"
    logits = evaluated(llm, prompt)
    [score] = lookahead.name_logprobs(llm, index, logits, (spelling,))
    assert llm.n_tokens == len(prompt)
    llm.eval([13])  # the cache holds the prompt alone: the next token's logits are as without look-ahead
    after = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm._ctx.ctx, -1), shape=(llm.n_vocab(),)).copy()
    assert np.allclose(after, evaluated(llm, prompt + [13]), atol=1e-3)

    tokens = list(tokenize_bytes(vocab, spelling, False))
    assert len(tokens) > 1 and b"".join(token_piece(vocab, t) for t in tokens) == spelling
    expected, row = 0.0, logits
    for i, token in enumerate(tokens):
        expected += log_softmax(row)[token]
        row = evaluated(llm, prompt + tokens[: i + 1])
    expected += math.log(np.exp(log_softmax(row))[~words].sum())  # and then no identifier character
    assert score == pytest.approx(expected, abs=1e-3)


def test_spellings_decoded_side_by_side_score_as_each_alone_and_the_cache_is_left_as_it_was(deepseek, monkeypatch):
    """The engine's context shares one cache between sequences (`kv_reuse.SEQUENCES`), so candidates are
    decoded in one batch, each on its own sequence over the prompt's entries; a batch holds at most
    `BATCH_TOKENS` tokens (here 8: three batches) and scores what each spelling scores alone."""
    llm, index = deepseek._llm, deepseek.piece_index()
    assert lookahead.lanes(llm) == 24
    prompt = list(tokenize_bytes(llm._model.vocab, PROMPT, False))
    spellings = (b" delegate_total", b" Archive", b" cart", b" total_price_with_tax", b" x")
    logits = evaluated(llm, prompt)
    alone = [lookahead.name_logprobs(llm, index, logits, (spelling,))[0] for spelling in spellings]
    monkeypatch.setattr(lookahead, "BATCH_TOKENS", 8)
    together = lookahead.name_logprobs(llm, index, logits, spellings)
    assert together == pytest.approx(alone, abs=1e-3) and len(set(alone)) == len(alone)
    assert llm.n_tokens == len(prompt)
    llm.eval([13])
    after = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm._ctx.ctx, -1), shape=(llm.n_vocab(),)).copy()
    assert np.allclose(after, evaluated(llm, prompt + [13]), atol=1e-3)


def test_spellings_that_cannot_be_scored_score_minus_infinity(deepseek):
    llm, index = deepseek._llm, deepseek.piece_index()
    logits = evaluated(llm, list(tokenize_bytes(llm._model.vocab, PROMPT, False)))
    scores = lookahead.name_logprobs(llm, index, logits, (b"", b"x" * 10_000, b"\xff\xfe", b" ok"))
    assert scores[:2] == [-math.inf, -math.inf] and scores[3] > -math.inf
    assert lookahead.natural_tokens(llm, b"\xff\xfe") == () == lookahead.natural_tokens(llm, b"x" * 10_000)
    assert llm.n_tokens == len(tokenize_bytes(llm._model.vocab, PROMPT, False))


def test_the_word_mask_marks_pieces_that_continue_an_identifier():
    index = PieceIndex([b"ab", b" ab", b"_x", b"(", b"\xc3\xa9", b"9", b""])
    assert lookahead.word_tokens(index, 7).tolist() == [True, False, True, False, True, True, False]


def stand_in(scores: dict[bytes, float], calls: list):
    def look(logits, spellings):
        calls.append(spellings)
        return [scores.get(s, -math.inf) for s in spellings]
    return look


def test_the_candidate_the_whole_name_favours_is_chosen_among_those_that_beat_the_model():
    index = PieceIndex([b" cookie", b" Case", b" Arc", b"jar", b"Dict", b" zzz"])
    logits = np.asarray([8.0, 6.0, 10.0, 0.0, 0.0, -30.0], dtype=np.float32)  # the model: " Arc"
    targets = (b" cookiejar", b" CaseDict", b" zzzDict")
    calls: list = []
    guide = Guide(targets, (12.0, 12.0, 12.0), index, look=stand_in({b" cookiejar": -9.0, b" CaseDict": -2.0}, calls))
    assert guide.pick(logits, 2) == 1 and guide.targets == (b" CaseDict",) and guide.steered
    assert calls == [(b" cookiejar", b" CaseDict")]  # " zzz" (-30 + 12) never beat the model: not looked at
    assert Guide(targets, (12.0, 12.0, 12.0), index).pick(logits, 2) == 0  # the first piece alone: " cookie"
    guide.advance(b" Case")
    assert guide.pick(logits, 2) == 4 and len(calls) == 1  # once, at the name's first token


def test_the_bias_counts_with_the_score_and_one_contender_needs_no_look():
    index = PieceIndex([b" cookie", b" Case", b" Arc", b"jar", b"Dict"])
    logits = np.asarray([8.0, 6.0, 10.0, 0.0, 0.0], dtype=np.float32)
    calls: list = []
    look = stand_in({b" cookiejar": -9.0, b" CaseDict": -2.0}, calls)
    assert Guide((b" cookiejar", b" CaseDict"), (24.0, 12.0), index, look=look).pick(logits, 2) == 0  # -9+24 > -2+12
    assert Guide((b" cookiejar", b" CaseDict"), (12.0, 3.0), index, look=look).pick(logits, 2) == 0  # 6+3 < 10
    assert len(calls) == 1
    nothing = Guide((b" cookiejar", b" CaseDict"), (12.0, 12.0), index, look=stand_in({}, calls))
    assert nothing.pick(logits, 2) == 0 and len(nothing.targets) == 2  # no score at all: the first piece decides


def test_look_ahead_scores_at_most_its_limit(monkeypatch):
    monkeypatch.setattr(guidance, "LOOKAHEAD", 3)
    index = PieceIndex([b"n"] + [f"n{i}".encode() for i in range(10)])
    calls: list = []
    guide = guide_for("x = ", b"", [f"n{i}x" for i in range(10)], index)
    guide.look = stand_in({}, calls)
    guide.pick(np.arange(11, dtype=np.float32), 0)
    assert calls == [(b"n0x", b"n1x", b"n2x")]  # the first three in retrieval's order, not the best first pieces
    monkeypatch.setattr(guidance, "LOOKAHEAD", 0)
    off = guide_for("x = ", b"", [f"n{i}x" for i in range(10)], index)
    off.look = stand_in({}, calls)
    off.pick(np.arange(11, dtype=np.float32), 0)
    assert len(calls) == 1


def test_the_most_biased_name_past_the_limit_joins_the_look_where_it_outranks_those_before_it(monkeypatch):
    monkeypatch.setattr(guidance, "LOOKAHEAD", 3)
    index = PieceIndex([b"n"] + [f"n{i}".encode() for i in range(10)])
    targets = tuple(f"n{i}x".encode() for i in range(10))
    logits = np.arange(11, dtype=np.float32)
    calls: list = []
    biases = (12.0, 12.0, 12.0, 5.0, 12.0, 15.0, 12.0, 20.0, 12.0, 12.0)  # n7 is the ranking's favourite
    Guide(targets, biases, index, look=stand_in({}, calls)).pick(logits, 0)
    assert calls == [(b"n0x", b"n1x", b"n2x", b"n7x")]  # n5 outranks the first three too, but one favourite joins
    level = (12.0,) * 10
    Guide(targets, level, index, look=stand_in({}, calls)).pick(logits, 0)
    assert calls[-1] == (b"n0x", b"n1x", b"n2x")  # none outranks them: retrieval's order alone
    monkeypatch.setattr(guidance, "LOOK_FAVOURITES", 0)
    Guide(targets, biases, index, look=stand_in({}, calls)).pick(logits, 0)
    assert calls[-1] == (b"n0x", b"n1x", b"n2x")


def test_on_the_real_model_look_ahead_changes_the_choice_between_candidates(deepseek, monkeypatch):
    """After `    return `, DeepSeek-tiny's own first piece ` Arc` begins `Archive`, and ` delegate` is 2.6
    logits below it: by first pieces `Archive` wins, and the model then leaves it (`Arc` + noise). Spelled
    out, ` delegate_total` then an end scores -79.96 and ` Archive` -81.55: look-ahead takes `delegate_total`."""
    monkeypatch.setattr(guidance, "BIAS", 12.0)
    monkeypatch.setattr(deepseek, "token_healing", True)  # the prompt ends at `return`; ` delegate` retypes the space

    def complete(names) -> str:
        request = CompletionRequest(prefix="def total(cart):\n    return ", suffix="\n", max_tokens=8, names=names)
        return deepseek.complete(request, CancelToken()).text

    names = ("delegate_total", "Archive")
    assert complete(names).startswith("delegate_total")
    monkeypatch.setattr(guidance, "LOOKAHEAD", 0)
    first_piece = complete(names)
    assert first_piece.startswith("Arc") and not first_piece.startswith("Archive")


def test_the_machine_decides_how_many_candidates_fit_in_the_latency_budget():
    assert Throughput(decode_tps=40.0).look_candidates(0, 12) == 12  # no budget (`latencyBudgetMs` 0): all
    assert Throughput().look_candidates(1000, 12) == 0  # speed not measured yet: no look
    assert Throughput(decode_tps=40.0).look_candidates(1000, 12) == 3  # a slow laptop (40 tokens a second): three
    assert Throughput(decode_tps=5000.0).look_candidates(1000, 12) == 12  # a GPU: the whole limit
    assert Throughput(decode_tps=-1.0).look_candidates(1000, 12) == 0


def test_on_a_slow_machine_with_a_budget_the_engine_does_not_look(deepseek, monkeypatch):
    """The same request as above, with a 1,000 ms budget: at 10 generated tokens a second no candidate fits in
    its 200 ms share, so the first piece decides again (`Arc`); at 10,000 a second the look picks the name."""
    monkeypatch.setattr(deepseek, "token_healing", True)
    request = CompletionRequest(prefix="def total(cart):\n    return ", suffix="\n", max_tokens=8,
                                names=("delegate_total", "Archive"), latency_budget_ms=1000)
    for speed, expected in ((10.0, "Arc"), (10_000.0, "delegate_total")):
        monkeypatch.setattr(deepseek.throughput, "decode_tps", speed)
        text = deepseek.complete(request, CancelToken()).text
        assert text.startswith(expected) and (expected != "Arc" or not text.startswith("Archive"))


def test_where_the_model_only_retypes_the_healed_bytes_the_look_spells_the_names_from_the_cursor():
    """No name's first piece is chosen while the model retypes a cut `[`: the first candidates in retrieval's
    order are spelled out from here, cut bytes and all, whatever their first pieces, and the look is not a
    steer (the model chose `[` itself); after the cut, only the chosen name is left to follow."""
    index = PieceIndex([b"[", b"[is", b"is", b"Origin", b"Mutable", b"Set", b"_set"])
    targets, biases = (b"[is_set", b"[OriginSet", b"[MutableSet"), (14.0, 12.0, 13.0)
    calls: list = []
    scores = {b"[OriginSet": 0.0, b"[is_set": -5.0, b"[MutableSet": -3.0}
    guide = Guide(targets, biases, index, lead=1, look=stand_in(scores, calls))
    logits = np.asarray([30.0, 0.0, 20.0, 29.0, -50.0, 0.0, 0.0], dtype=np.float32)  # `Mutable` hopeless by itself
    assert guide.pick(logits, 0) == 0 and guide.targets == (b"[OriginSet",) and not guide.steered
    assert calls == [targets]  # 0 + 2 x 12 is the best
    guide.advance(b"[")
    assert guide.pick(logits, 2) == 3 and guide.steered and len(calls) == 1  # `Origin` + 12 beats `is`


def test_on_the_real_model_a_healed_indent_is_spelled_with_each_name_from_the_cursor(deepseek, monkeypatch):
    """Healing cuts the indent the prompt ends with; DeepSeek-tiny's own first token is a longer run of
    spaces, so no name's first piece is chosen there. The look spells each name from the cursor, indent and
    all (`    Archive` scores -121.1, `    cart_items` -131.9, `    delegate_total` -147.3), and the
    completion is the best one (a bias of 40 so that the indent is steered at all on random weights)."""
    monkeypatch.setattr(guidance, "BIAS", 40.0)
    monkeypatch.setattr(deepseek, "token_healing", True)
    calls: list = []
    real = lookahead.name_logprobs

    def spy(llm, index, logits, spellings):
        calls.append(dict(zip(spellings, real(llm, index, logits, spellings))))
        return list(calls[-1].values())

    monkeypatch.setattr(lookahead, "name_logprobs", spy)
    request = CompletionRequest(prefix="def total(cart):\n    count = len(cart)\n    ", suffix="\n", max_tokens=8,
                                names=("delegate_total", "Archive", "cart_items"))
    text = deepseek.complete(request, CancelToken()).text
    [scores] = calls
    assert list(scores) == [b"    delegate_total", b"    Archive", b"    cart_items"]
    assert max(scores, key=scores.get) == b"    Archive" and text.startswith("Archive")


def test_the_chosen_name_is_followed_in_its_natural_tokens_not_in_whatever_piece_scores_best():
    """After `err := ` healing cuts the space; the look chooses ` rpad`, which the tokenizer spells ` r` `pad`.
    The lone ` ` (the cut alone, the best logit of the name's prefixes) would leave the model to spell `rpad`
    with no space, as it never saw it; the plan steers ` r`, then `pad`, and is dropped once the model strays."""
    index = PieceIndex([b" ", b" r", b" rpad", b"rpad", b"1", b" c", b"pad", b" ld"])
    logits = np.asarray([5.0, 1.0, 2.0, 0.0, 0.0, 6.0, 0.0, 1.0], dtype=np.float32)
    natural = {b" rpad": ((1, b" r"), (6, b"pad")), b" ld": ((7, b" ld"),)}
    look = stand_in({b" rpad": -3.0, b" ld": -4.0}, [])
    assert Guide((b" rpad", b" ld"), (12.0, 12.0), index, lead=1, look=look).pick(logits, 5) == 0  # no plan: ` `
    guide = Guide((b" rpad", b" ld"), (12.0, 12.0), index, lead=1, look=look, spell=natural.get)
    assert guide.pick(logits, 5) == 1 and guide.targets == (b" rpad",) and guide.plan == natural[b" rpad"]
    guide.advance(b" r")
    assert guide.boosted()[0].tolist() == [6] and guide.pick(logits, 4) == 6
    guide.advance(b"pa")  # the model's own piece, still on the name's path: the plan no longer holds
    assert guide.plan == () and guide.active
