"""A seeded fuzz run over real stdio: every request answered once, no crash, no hang, JSON only.

`bench/fuzz.py` drives `coder-lsp serve` on the tiny DeepSeek model with
framing junk, JSON garbage, broken envelopes, every method and coderLsp.*
command with mutated params, odd and large documents, wild positions and
incremental edits; this is a short run of it (the long one is a benchmark).
"""

from __future__ import annotations

import asyncio

import pytest

from bench.fuzz import fuzz

CASES = 250
SEED = 20261201


@pytest.fixture(scope="module")
def fuzz_result():
    # Smaller documents than the benchmark's, so the run stays well under a minute.
    return asyncio.run(fuzz(CASES, SEED, timeout=10, probe_every=20, run_cap=5_000, size_cap=5_000))


@pytest.mark.timeout(240)
def test_every_request_is_answered_once_and_the_server_survives(fuzz_result):
    result = fuzz_result
    failures = [f for f in result["failures"] if f["failure"] != "desync"]
    assert failures == []
    assert (result["crashes"], result["hangs"], result["answeredTwice"]) == (0, 0, 0)
    assert (result["badFrames"], result["errorPopups"]) == (0, 0)
    assert result["responsiveAtEnd"]
    assert result["requests"] >= CASES // 2
    assert set(result["kinds"]) == {"framing", "garbage", "envelope", "params", "document", "edits"}


def test_fuzzed_edits_keep_the_document_in_step(fuzz_result):
    assert fuzz_result["probesChecked"] >= 20
    assert [f for f in fuzz_result["failures"] if f["failure"] == "desync"] == []
