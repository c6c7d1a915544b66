"""Context-guided decoding over stdio: after `alias.`, the completion names a member the context defines.

The real server and the real embedded model (SmolLM2-135M, greedy, so deterministic: pinned).
On its own, after `pricing.` it writes `get_total(cart)`, a name the module does not have; the
index knows `shop/pricing.py`, the import binds `pricing` to it, so with guidance (the default)
the completion spells that module's `discounted_total`, and with `contextGuidance: false` it
does not. Marked slow: it loads the real model.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import start_server

pytestmark = pytest.mark.slow

MAIN = "from shop import pricing\n\n\ndef checkout(cart):\n    return pricing."


@pytest.fixture
def shop(tmp_path, isolated_home) -> Path:
    folder = tmp_path / "ws"
    (folder / "shop").mkdir(parents=True)
    (folder / "shop" / "__init__.py").write_text("")
    (folder / "shop" / "pricing.py").write_text(
        "RATE = 0.2\n\n\ndef discounted_total(cart):\n    return sum(cart) * RATE\n")
    return folder


async def completion_text(workspace: Path, settings: dict) -> str:
    async with start_server(workspace, settings=settings) as lsp:
        uri = lsp.open("main.py", MAIN)
        await lsp.wait_status(lambda status: (status.get("index") or {}).get("ready"))
        result = await lsp.inline(uri, 4, len("    return pricing."))
        return result.items[0].insert_text if result is not None and result.items else ""


async def test_a_member_of_the_module_behind_the_alias_is_named(shop):
    real = {"model": {}, "maxTokens": 16}
    assert await completion_text(shop, real) == "discounted_total(cart)"
    assert await completion_text(shop, {**real, "contextGuidance": False}) == "get_total(cart)"
