"""Idle unload: the server's RSS with the model loaded, after `model.keepAliveMinutes` unloads it,
and the time from the next request to its first suggestion (reload included), over real LSP.

One `coder-lsp serve` on the embedded SmolLM2 (or --model), a keep-alive of a few seconds. Each
round: a completion (model warm), wait for the "unloaded" status, read RSS (coderLsp.status
memoryRssMb, the server's /proc/self/statm), then one completion timed from send to answer
(the reload plus the first suggestion), one more with the model loaded, and RSS again. Every
request is for a new text, so no cache answers it. Prints a markdown table.

    .venv/bin/python bench/idle_unload.py                # SmolLM2-135M, 3 rounds
    .venv/bin/python bench/idle_unload.py --model fixtures/models/qwen2.5-coder-tiny.gguf
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.lsp_client import LspClient, initialize_params  # noqa: E402

SOURCE = "def area(width, height):\n    return "


async def wait_state(client: LspClient, state: str, since: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not any(m == "coderLsp/status" and (p or {}).get("state") == state for _, m, p in client.notifications[since:]):
        if time.monotonic() > deadline:
            raise TimeoutError(f"no {state} status")
        await asyncio.sleep(0.02)


VERSIONS = iter(range(2, 10_000))


async def completion(client: LspClient, uri: str) -> tuple[float, str]:
    """One suggestion for a new text (a new name: no cache can answer it), timed from the request."""
    version = next(VERSIONS)
    text = f"def area_{version}(width, height):\n    return "
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                              "contentChanges": [{"text": text}]})
    started = time.perf_counter()
    result = await client.request("textDocument/inlineCompletion", {
        "textDocument": {"uri": uri}, "position": {"line": 1, "character": 11}, "context": {"triggerKind": 2}})
    items = (result or {}).get("items") or []
    return (time.perf_counter() - started) * 1000, items[0]["insertText"] if items else ""


async def rss(client: LspClient) -> float:
    return (await client.request("workspace/executeCommand", {"command": "coderLsp.status"}))["memoryRssMb"]


async def run(model: str, keep_alive_s: float, rounds: int) -> list[dict]:
    with tempfile.TemporaryDirectory() as home:
        workspace = Path(home, "ws")
        workspace.mkdir()
        (workspace / "geometry.py").write_text(SOURCE)
        settings = {"model": {"path": model, "keepAliveMinutes": keep_alive_s / 60}, "speculative": False, "maxTokens": 16}
        env = {**os.environ, "HOME": home, "XDG_CONFIG_HOME": f"{home}/.config", "XDG_STATE_HOME": f"{home}/.state",
               "PYTHONPATH": str(ROOT)}
        env.pop("CODER_LSP_MODEL", None)
        client = LspClient(settings)
        await client.start([sys.executable, "-m", "lsp_server", "serve"], str(workspace), env, asyncio.subprocess.DEVNULL)
        await client.request("initialize", initialize_params(str(workspace), settings))
        client.notify("initialized", {})
        await wait_state(client, "ready", 0)
        uri = (workspace / "geometry.py").as_uri()
        client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": SOURCE}})
        rows = []
        for _ in range(rounds):
            await completion(client, uri)
            loaded = await rss(client)
            mark = len(client.notifications)
            await wait_state(client, "unloaded", mark)
            unloaded = await rss(client)
            reload_ms, text = await completion(client, uri)
            warm_ms, _ = await completion(client, uri)
            rows.append({"loaded": loaded, "unloaded": unloaded, "reloaded": await rss(client),
                         "reload_ms": reload_ms, "warm_ms": warm_ms, "text": text})
        await client.stop()
        return rows


def main() -> int:
    from lsp_server.model.loader import embedded_model_path

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=embedded_model_path())
    parser.add_argument("--keep-alive-s", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    rows = asyncio.run(run(args.model, args.keep_alive_s, args.rounds))
    print(f"model: {Path(args.model).name}, keep-alive {args.keep_alive_s:g} s, {len(rows)} rounds\n")
    print("| round | RSS loaded (MB) | RSS unloaded (MB) | freed (MB) | RSS after reload (MB) | reload -> first suggestion (ms) | suggestion, model loaded (ms) |")
    print("|---|---|---|---|---|---|---|")
    for i, r in enumerate(rows, 1):
        print(f"| {i} | {r['loaded']:.0f} | {r['unloaded']:.0f} | {r['loaded'] - r['unloaded']:.0f} | {r['reloaded']:.0f} "
              f"| {r['reload_ms']:.0f} | {r['warm_ms']:.0f} |")
    print(f"\nmedian reload -> first suggestion: {statistics.median(r['reload_ms'] for r in rows):.0f} ms; "
          f"suggestion after the last reload: {rows[-1]['text']!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
