"""The token memo holds at most its budget in bytes, whatever the size of the texts it sees."""

from __future__ import annotations

import random
import sys
from array import array

from lsp_server.model.tokens import CHUNKS_BYTES, TEXTS_BYTES, LruMemo, TokenMemo


def _plain(text: str) -> list[int]:
    return [ord(c) for c in text]  # one token a character: every newline is a token boundary


def _held(memo: LruMemo) -> int:
    return sum(sys.getsizeof(key) + sys.getsizeof(value) for key, value in memo._items.items())


def _code(rng: random.Random, lines: int, width: int) -> str:
    return "".join("".join(rng.choice("abcdefgh =+()") for _ in range(width)) + "x\n" for _ in range(lines))


def test_large_texts_stay_within_the_byte_budget():
    memo = TokenMemo(_plain, split_lines=True, piece_length=lambda token: 1)
    rng = random.Random(7)
    for _ in range(300):  # 300 distinct 20,000-character windows: 6M characters seen
        text = _code(rng, 100, 198)
        assert list(memo.tokens(text)) == _plain(text)
    assert _held(memo._texts) <= TEXTS_BYTES and _held(memo._chunks) <= CHUNKS_BYTES
    assert memo._texts.bytes <= TEXTS_BYTES and memo._chunks.bytes <= CHUNKS_BYTES


def test_many_small_chunks_stay_within_the_byte_budget():
    memo = TokenMemo(_plain, split_lines=True, piece_length=lambda token: 1)
    rng = random.Random(8)
    for _ in range(3000):  # a keystroke's worth of new lines each time, as a long typing session
        memo.tokens(_code(rng, 8, 40))
    assert _held(memo._chunks) <= CHUNKS_BYTES < 8192 * 300  # an 8,192-entry cap held ~2.5 MB of these


def test_lru_keeps_what_is_used_and_accounts_replacements():
    memo = LruMemo(10_000)
    hot = array("i", range(100))
    memo.put("hot", hot)
    for number in range(200):
        memo.put(number, array("i", range(50)))
        assert memo.get("hot") is hot  # used every time: never the oldest
        assert memo.bytes <= 10_000
    memo.put("hot", array("i", range(10)))
    memo.put("hot", array("i", range(10)))
    assert memo.bytes == sum(sys.getsizeof(k) + sys.getsizeof(v) + 120 for k, v in memo._items.items())


def test_an_entry_larger_than_the_memo_is_not_kept_and_evicts_nothing():
    memo = LruMemo(4_000)
    memo.put("small", array("i", range(10)))
    memo.put("huge", array("i", range(10_000)))
    assert memo.get("huge") is None and memo.get("small") is not None
