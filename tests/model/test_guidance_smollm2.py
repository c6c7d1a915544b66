"""Context guidance on the real embedded model (SmolLM2-135M, greedy: pinned), through the pipeline.

A Go package whose other file defines `formatPrice`; the cursor is in a loop over prices at
`append(out, `. Retrieval offers `formatPrice`; the bias overrides the model's own choice (a
string literal) for its first piece `fo`, and on its own the model then leaves the name
(`fo{`). A name the bias led the model into is finished (`guidance.FINISH_BIAS`), so the
completion calls the package's function. Marked slow: it loads the real model.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from context.index import RepositoryIndex
from lsp_server.assist.pipeline import CompletionPipeline, TextSnapshot
from lsp_server.config import Settings
from lsp_server.model import guidance

pytestmark = pytest.mark.slow

CART = """package shop

// Item is one line of a cart.
type Item struct {
\tName  string
\tPrice float64
}

func formatPrice(p float64) string {
\treturn fmt.Sprintf("$%.2f", p)
}
"""
DESCRIBE = """package shop

func describe(prices []float64) []string {
\tvar out []string
\tfor _, price := range prices {
\t\tout = append(out, """


@pytest.fixture
def shop(tmp_path) -> Path:
    root = tmp_path / "ws"
    (root / "shop").mkdir(parents=True)
    (root / "go.mod").write_text("module example.com/shop\n\ngo 1.21\n")
    (root / "shop" / "cart.go").write_text(CART)
    (root / "shop" / "describe.go").write_text(DESCRIBE)
    return root


def complete(engine, root: Path, guided: bool = True) -> str:
    index = RepositoryIndex(str(root), watch=False, cache_dir=str(root.parent / "cache")).start()
    assert index.wait_ready(60)
    try:
        path = root / "shop" / "describe.go"
        snapshot = TextSnapshot(path.as_uri(), str(path), "go", None, DESCRIBE, len(DESCRIBE))
        settings = dataclasses.replace(Settings(), max_tokens=16, latency_budget_ms=0, context_guidance=guided)
        engine._llm.reset()  # cold: the completion depends on this prompt alone
        outcome = CompletionPipeline().complete(snapshot, settings, engine, index, str(root))
        assert "formatPrice" in outcome.request.names or not guided
        return outcome.text
    finally:
        index.stop()


def test_a_name_the_bias_began_is_finished(smollm2, shop, monkeypatch):
    # The name is pinned, not the rest: `prices[i]` or `prices[0]` after it depends on the CPU's kernels.
    assert complete(smollm2, shop).startswith("formatPrice(prices[")
    assert not complete(smollm2, shop, guided=False).startswith("format")  # plain decoding: a literal
    monkeypatch.setattr(guidance, "LOOKAHEAD", 0)  # the first piece alone leads the model into the name
    assert complete(smollm2, shop).startswith("formatPrice(prices[")
    monkeypatch.setattr(guidance, "FINISH_BIAS", 0.0)
    assert complete(smollm2, shop) == "fo{"  # left half-spelled without it
