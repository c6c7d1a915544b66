"""What the language server adds on top of the engine, per inline completion.

Starts `coder-lsp serve` over stdio (a real LSP client from pygls), opens a
fixture Python file and asks for inline completions at many different line
ends, one at a time, so every request runs the model (no cache hits, no
superseding). For each request it records the end-to-end time the client
saw and the engine's own time for that same prompt (`engineMs`, measured
inside the engine and reported by `coderLsp.status`). The difference is the
server's overhead: snapshot, repository context, request building, the model
thread hand-off, post-processing and JSON-RPC both ways. Prints a markdown
table; the goal is <= 5 ms p50 and <= 15 ms p95.

    .venv/bin/python bench/lsp_overhead.py [--model PATH ...] [--requests 60]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

ROOT = Path(__file__).resolve().parent.parent
MODELS = [ROOT / "fixtures/models/deepseek-tiny.gguf", ROOT / "fixtures/models/starcoder-tiny.gguf"]
SOURCE_LINE = "    total_{0} = compute(values[{0}], weight={0}) + offset_{0}\n"


def workspace(folder: Path) -> tuple[Path, str]:
    (folder / "helpers.py").write_text(
        "def compute(value, weight=1):\n    return value * weight\n\n\noffset_0 = 0\n", encoding="utf-8"
    )
    body = "".join(SOURCE_LINE.format(i) for i in range(400))
    text = "from helpers import compute\n\n\ndef run(values):\n" + body + "    return 0\n"
    path = folder / "main.py"
    path.write_text(text, encoding="utf-8")
    return path, text


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


async def measure(model: Path, requests: int, max_tokens: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path, text = workspace(folder)
        client = LanguageClient("lsp-overhead-bench", "1")
        ready = asyncio.Event()
        client.feature("coderLsp/status")(lambda params: getattr(params, "state", None) in ("ready", "error") and ready.set())
        client.feature(types.WINDOW_WORK_DONE_PROGRESS_CREATE)(lambda params: None)
        client.feature(types.PROGRESS)(lambda params: None)
        client.feature(types.CLIENT_REGISTER_CAPABILITY)(lambda params: None)
        client.feature(types.WINDOW_SHOW_MESSAGE)(lambda params: print("server:", params.message, file=sys.stderr))
        client.feature(types.WINDOW_LOG_MESSAGE)(lambda params: None)
        await client.start_io(sys.executable, "-m", "lsp_server", "serve")
        options = {"model": {"path": str(model)}, "maxTokens": max_tokens, "speculative": False, "multiline": "never"}
        capabilities = types.ClientCapabilities(
            text_document=types.TextDocumentClientCapabilities(inline_completion=types.InlineCompletionClientCapabilities())
        )
        await client.initialize_async(
            types.InitializeParams(capabilities=capabilities, root_uri=folder.as_uri(), initialization_options=options)
        )
        client.initialized(types.InitializedParams())
        await asyncio.wait_for(ready.wait(), 120)
        uri = path.as_uri()
        client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, text)))
        lines = text.split("\n")
        pairs: list[tuple[float, float]] = []
        parts: list[dict] = []
        status_params = types.ExecuteCommandParams("coderLsp.status")
        for number in range(requests + 3):
            line = 4 + (number * 7) % 390
            params = types.InlineCompletionParams(
                context=types.InlineCompletionContext(types.InlineCompletionTriggerKind.Invoked),
                text_document=types.TextDocumentIdentifier(uri),
                position=types.Position(line, len(lines[line]) - 12),
            )
            started = time.perf_counter()
            await client.text_document_inline_completion_async(params)
            total = (time.perf_counter() - started) * 1000
            status = await client.workspace_execute_command_async(status_params)
            job = [job for job in status["jobs"] if job["kind"] == "inline"][-1]
            if number >= 3 and "engineMs" in job:  # the first requests warm caches up
                pairs.append((total, job["engineMs"]))
                parts.append({
                    "context": job["contextMs"],
                    "prompt": job["jobMs"] - job["contextMs"] - job["engineMs"],
                    "post": job.get("postMs", 0.0),
                    "rpc+loop": total - job["jobMs"] - job.get("postMs", 0.0),
                })
        await client.shutdown_async(None)
        client.exit(None)
        await client.stop()
    overhead = [total - engine for total, engine in pairs]
    return {
        "model": model.name,
        "requests": len(pairs),
        "e2e p50 ms": statistics.median(t for t, _ in pairs),
        "engine p50 ms": statistics.median(e for _, e in pairs),
        "overhead p50 ms": statistics.median(overhead),
        "overhead p95 ms": percentile(overhead, 0.95),
        **{f"{name} p50": statistics.median(p[name] for p in parts) for name in ("context", "prompt", "post", "rpc+loop")},
    }


def table(rows: list[dict]) -> str:
    header = list(rows[0])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = [f"{v:.2f}" if isinstance(v, float) else str(v) for v in row.values()]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="append", type=lambda p: Path(p).resolve(), help="GGUF to measure (repeatable)")
    parser.add_argument("--requests", type=int, default=60, help="measured requests per model")
    parser.add_argument("--max-tokens", type=int, default=16)
    args = parser.parse_args()
    rows = [asyncio.run(measure(model, args.requests, args.max_tokens)) for model in (args.model or MODELS)]
    print(table(rows))
    print("\ngoal: overhead <= 5 ms p50, <= 15 ms p95")
    return 0


if __name__ == "__main__":
    sys.exit(main())
