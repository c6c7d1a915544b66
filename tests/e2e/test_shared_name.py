"""Over stdio: a Rust completion while documents holding 344,000 `def f` are open is answered.

Fuzz case 1586 (`bench/fuzz.py --seed 12`): the server was silent for 14 s
on a small binary `.rs` document's inline completion, because Rust looks up
names with no import across the whole index and the lookup of `f` was
quadratic in the number of definitions named `f` (see
tests/context/test_same_name.py). Eight open documents just under the
index's 1 MB file limit, 43,000 `def f` each. Generous timeouts: a slow
machine passes, the quadratic lookup (over a minute at this size) fails.
"""

from __future__ import annotations

import asyncio

from lsprotocol import types

from tests.e2e.conftest import start_server


FILES, PER_FILE = 8, 43_000


async def test_a_rust_completion_beside_many_same_named_definitions(workspace):
    async with start_server(workspace, settings={"maxTokens": 8}) as lsp:
        for number in range(FILES):
            lsp.open(f"many{number}.py", "def f(x):\n    return x\n" * PER_FILE)
        await lsp.wait_status(lambda status: (status.get("index") or {}).get("definitions", 0) >= FILES * PER_FILE,
                              180)
        uri = lsp.open("sub dir/main.rs", "fn main() {\n    f(1);\n    f(\n}\n", language="rust")
        result = await asyncio.wait_for(lsp.inline(uri, 2, 6), 45)
        assert isinstance(result, (list, types.InlineCompletionList))
        status = await asyncio.wait_for(lsp.status(), 30)
        assert [job["offset"] for job in status["jobs"] if job.get("uri") == uri] == [len("fn main() {\n    f(1);\n    f(")]
