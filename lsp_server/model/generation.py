"""The token loop over an in-process llama.cpp model, with KV reuse and cooperative cancellation.

llama-cpp-python's `create_completion` can neither stop between prompt
batches nor say how much of the prompt it found in the cache, so the engine
drives the model itself: keep the longest common prefix of the previous
sequence in the KV cache (dropping the rest), evaluate the remaining prompt
in `n_batch` chunks with a cancel check before each, then sample one token at
a time, checking the cancel token after every one. Token bytes go through a
`TextStream`, so a character split across tokens is never emitted half.
With a `Healing` (token healing), the first tokens are constrained to retype
the text cut from the prompt's end, and those bytes are left out of the output;
with a `Guide` (`guidance`), tokens spelling an identifier the context defines get a bias, and
where several would win, the model's own score of each whole name (`lookahead`) picks one
(at most `guidance.LOOKAHEAD`, as many as the latency budget affords).
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

import llama_cpp
from lsp_server.model import lookahead
from lsp_server.model.guidance import Guide
from lsp_server.model.healing import Healing
from lsp_server.model.pieces import token_piece
from lsp_server.model.repetition import Repetition
from lsp_server.model.text import TextStream
from lsp_server.model.types import CancelToken


@dataclass(frozen=True)
class Generation:
    text: str
    prompt_tokens: int
    cached_tokens: int
    generated_tokens: int
    ttft_ms: float
    total_ms: float
    finish_reason: str  # "stop" | "length" | "repetition" (the text is cut where the loop began)
    eval_ms: float = 0.0  # of total_ms, evaluating the prompt tokens not found in the cache


def reuse_prefix(llm: llama_cpp.Llama, tokens: list[int]) -> int:
    """Keep the cached tokens `tokens` starts with (never all: the last is re-evaluated for fresh logits)."""
    previous = llm.input_ids[: llm.n_tokens]
    span = min(len(previous), len(tokens) - 1)
    common = 0
    if span > 0:
        same = previous[:span] == np.asarray(tokens[:span], dtype=previous.dtype)
        common = span if bool(same.all()) else int(np.argmin(same))
    if common > 0 and llm._ctx.kv_cache_seq_rm(-1, common, -1):
        llm.n_tokens = common
        return common
    llm.reset()
    return 0


def _greedy(llm: llama_cpp.Llama) -> Callable[[], int]:
    """The most likely next token, read straight from the logits: llama.cpp's greedy sampler
    first copies all n_vocab candidates into an array, which costs more than the argmax."""
    n_vocab, ctx = llm.n_vocab(), llm._ctx.ctx

    def sample() -> int:
        logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(ctx, -1), shape=(n_vocab,))
        return int(logits.argmax())

    return sample


def _sampler(llm: llama_cpp.Llama, temperature: float) -> Callable[[], int]:
    llm._sampler = llm._init_sampler(temp=temperature, top_k=40, top_p=0.95, min_p=0.05, repeat_penalty=1.0)
    return llm.sample


def _constrained(llm: llama_cpp.Llama, sample: Callable[[], int], healing: Healing | None, guide: Guide | None,
                 greedy: bool) -> Callable[[], int]:
    """`sample`, except that while `healing` is active only tokens consistent with the cut text are
    allowed, and while `guide` is active the tokens spelling a context identifier get its bias."""
    n_vocab, ctx, vocab = llm.n_vocab(), llm._ctx.ctx, llm._model.vocab
    if guide is not None and greedy and guide.look is None:
        guide.look = functools.partial(lookahead.name_logprobs, llm, guide.index)
        guide.spell = functools.partial(lookahead.natural_tokens, llm)

    def pick() -> int:
        healing_on, guide_on = healing is not None and healing.active, guide is not None and guide.active
        if not healing_on and not guide_on:
            return sample()
        logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(ctx, -1), shape=(n_vocab,))
        if greedy:
            token = healing.pick(logits) if healing_on else int(logits.argmax())
            if guide_on and not guide.yields_to(token_piece(vocab, token)):
                token = guide.pick(logits, token)
        else:
            if healing_on:
                healing.mask(logits)
            if guide_on and not guide.yields_to(token_piece(vocab, int(logits.argmax()))):
                guide.boost(logits)
            token = sample()
        piece = token_piece(vocab, token)
        if healing_on:
            healing.advance(piece)
        if guide_on:
            guide.advance(piece)
        return token

    return pick


def generate(
    llm: llama_cpp.Llama,
    tokens: list[int],
    cancel: CancelToken,
    *,
    max_tokens: int,
    temperature: float = 0.0,
    stop_ids: frozenset[int] = frozenset(),
    stop_texts: tuple[str, ...] = (),
    on_token: Callable[[str], None] | None = None,
    stop_repeats: bool = False,
    healing: Healing | None = None,
    guide: Guide | None = None,
    reuse: Callable[[llama_cpp.Llama, list[int], CancelToken], tuple[int, int]] | None = None,
) -> Generation:
    """Run `tokens` as the prompt and sample up to `max_tokens`; raises Cancelled when `cancel` is set.

    With `stop_repeats` (chat), generation stops once the text loops, and the loop is cut off.
    `reuse` prepares the cache instead of `reuse_prefix` (kv_reuse.reuse moves chunks past an edit):
    it returns (tokens already in the cache, of those not evaluated now)."""
    start = time.perf_counter()
    cancel.raise_if_cancelled()
    first, cached = reuse(llm, tokens, cancel) if reuse is not None else (reuse_prefix(llm, tokens),) * 2
    for i in range(first, len(tokens), llm.n_batch):
        cancel.raise_if_cancelled()
        llm.eval(tokens[i : i + llm.n_batch])
    evaluated = time.perf_counter()
    sample = _greedy(llm) if temperature <= 0 else _sampler(llm, temperature)
    if healing is not None or guide is not None:
        sample = _constrained(llm, sample, healing, guide, temperature <= 0)
    vocab = llm._model.vocab
    stream = TextStream(stop_texts)
    parts: list[str] = []
    ttft = 0.0
    finish, generated = "length", 0
    repetition = Repetition() if stop_repeats else None
    while generated < max_tokens:
        cancel.raise_if_cancelled()
        token = sample()
        generated += 1
        if not ttft:
            ttft = time.perf_counter() - start
        if token in stop_ids or llama_cpp.llama_vocab_is_eog(vocab, token):
            finish = "stop"
            break
        data = token_piece(vocab, token)
        piece = stream.push(healing.strip(data) if healing is not None else data)
        if piece:
            parts.append(piece)
            if on_token is not None:
                on_token(piece)
            if repetition is not None and repetition.push(piece):
                finish = "repetition"
                break
        if stream.stopped:
            finish = "stop"
            break
        if generated < max_tokens:
            llm.eval([token])
    tail = stream.finish() if finish != "repetition" else ""
    if tail:
        parts.append(tail)
        if on_token is not None:
            on_token(tail)
    total = time.perf_counter() - start
    text = "".join(parts)
    if repetition is not None and repetition.start is not None:
        text = text[: repetition.start]
    return Generation(text, len(tokens), cached, generated, ttft * 1000, total * 1000, finish,
                      (evaluated - start) * 1000)
