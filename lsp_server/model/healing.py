"""Token healing: end the prompt on a token boundary, and make the model retype what was cut.

A prompt that ends inside a token (`    return ` ends in a lone space; `val`
is half of ` value`) shows the model a token split it rarely saw in
training, and it answers badly (digits after a lone space) or types the
space again. As llama.cpp's and guidance's token healing do, `back_off`
removes the prompt's last token when longer vocabulary pieces extend it, and
a `Healing` constrains the first generated tokens to ones consistent with the
removed text (each piece either starts with what is left of it or is a
prefix of it), so the model chooses the whole token. `Healing.strip` then
drops the removed bytes from the output, so nothing before the cursor is
typed twice. The vocabulary's pieces are read once per model (`PieceIndex`):
sorted, the pieces that start with some bytes are one contiguous range.
"""

from __future__ import annotations

import bisect
import dataclasses
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

TAIL_CHARS = 256  # the last token is found by tokenizing the last lines only (bounded, per keystroke)


class PieceIndex:
    """Every token's text bytes (control tokens have none), searchable by prefix."""

    def __init__(self, pieces: Sequence[bytes]) -> None:
        order = sorted((p, t) for t, p in enumerate(pieces) if p)
        self._pieces = [p for p, _ in order]
        self._ids = np.asarray([t for _, t in order], dtype=np.int64)
        self._exact: dict[bytes, list[int]] = {}
        for piece, token in order:
            self._exact.setdefault(piece, []).append(token)

    def starting_with(self, head: bytes) -> np.ndarray:
        lo = bisect.bisect_left(self._pieces, head)
        bound = _next_prefix(head)
        hi = bisect.bisect_left(self._pieces, bound) if bound is not None else len(self._pieces)
        return self._ids[lo:hi]

    def prefixes_of(self, rest: bytes, shortest: int = 1) -> list[int]:
        """Tokens whose piece is a prefix of `rest` (`rest` itself included) of `shortest` bytes or more."""
        return [t for n in range(max(1, shortest), len(rest) + 1) for t in self._exact.get(rest[:n], ())]

    def consistent_with(self, rest: bytes) -> np.ndarray:
        """Tokens whose piece starts with `rest`, or is a non-empty proper prefix of it."""
        shorter = self.prefixes_of(rest[:-1])
        longer = self.starting_with(rest)
        return np.concatenate([np.asarray(shorter, dtype=np.int64), longer]) if shorter else longer


def _next_prefix(head: bytes) -> bytes | None:
    """The least byte string above every string that starts with `head` (None: there is none)."""
    head = head.rstrip(b"\xff")
    return head[:-1] + bytes([head[-1] + 1]) if head else None


@dataclass
class Healing:
    """The text cut from the prompt's end, and the state of retyping it."""

    removed: bytes
    index: PieceIndex
    _rest: bytes = b""
    _to_strip: int = 0
    _allowed: dict[bytes, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._rest, self._to_strip = self.removed, len(self.removed)

    @property
    def active(self) -> bool:
        return bool(self._rest)

    def allowed(self) -> np.ndarray:
        if self._rest not in self._allowed:
            self._allowed[self._rest] = self.index.consistent_with(self._rest)
        return self._allowed[self._rest]

    def mask(self, logits: np.ndarray) -> None:
        """Leave only the consistent tokens' logits (in place, so any sampler sees the mask)."""
        allowed = self.allowed()
        kept = logits[allowed].copy()
        logits[:] = -np.inf
        logits[allowed] = kept

    def pick(self, logits: np.ndarray) -> int:
        """The greedy choice among the consistent tokens (no full-vocabulary write)."""
        allowed = self.allowed()
        return int(allowed[int(logits[allowed].argmax())])

    def advance(self, piece: bytes) -> None:
        self._rest = self._rest[len(piece):] if len(piece) < len(self._rest) else b""

    def strip(self, piece: bytes) -> bytes:
        """`piece` without the bytes that retype the removed text (they are already in the document)."""
        cut = min(self._to_strip, len(piece))
        self._to_strip -= cut
        return piece[cut:]


def back_off(prefix: str, tokenize: Callable[[str], Sequence[int]], piece: Callable[[int], bytes],
             index: PieceIndex) -> tuple[str, bytes]:
    """(`prefix` without its last token, the removed bytes), or (`prefix`, b"") when no longer
    vocabulary piece extends the last token (then the split is one the model knows)."""
    start = max(prefix.rfind("\n", 0, max(0, prefix.rfind("\n"))), len(prefix) - TAIL_CHARS, 0)
    tail = prefix[start:]
    tokens = tokenize(tail) if tail else ()
    if len(tokens) < 2:  # the tail is one token: cutting it could cut more than a token
        return prefix, b""
    last = piece(tokens[-1])
    try:
        text = last.decode("utf-8")
    except UnicodeDecodeError:  # a token ending inside a character: not a text boundary
        return prefix, b""
    if not text or not prefix.endswith(text) or len(index.starting_with(last)) < 2:
        return prefix, b""
    return prefix[: len(prefix) - len(text)], last


def heal(request, clean: Callable[[str], str], tokenize: Callable[[str], Sequence[int]],
         piece: Callable[[int], bytes], index: PieceIndex):
    """(`request` with its prefix's partial last token cut off, its `Healing`), or (`request`, None)."""
    if not request.prefix:
        return request, None
    prefix, removed = back_off(clean(request.prefix), tokenize, piece, index)
    if not removed:
        return request, None
    return dataclasses.replace(request, prefix=prefix), Healing(removed, index)


def vocabulary_pieces(llm) -> PieceIndex:
    """Every ordinary token's text in `llm`'s vocabulary (control, user-defined and end tokens
    left out: healing must never pick a FIM marker); about 0.2 s for 50,000 tokens, once a model."""
    import llama_cpp

    from lsp_server.model.pieces import token_piece

    vocab, model = llm._model.vocab, llm._model
    skip = llama_cpp.LLAMA_TOKEN_ATTR_CONTROL | llama_cpp.LLAMA_TOKEN_ATTR_USER_DEFINED
    return PieceIndex([b"" if model.token_get_attr(t) & skip or llama_cpp.llama_vocab_is_eog(vocab, t)
                       else token_piece(vocab, t) for t in range(llm.n_vocab())])
