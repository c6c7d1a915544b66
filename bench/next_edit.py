"""Next-edit suggestions while typing a rename: edit -> suggestion latency, silence, ghost-text cost.

`python bench/next_edit.py [--model GGUF ...] [--gap-ms 120]` starts `coder-lsp
serve` per model and, in a small file, renames a parameter used six times:
it deletes the old name at its definition and types the new one key by key,
`--gap-ms` apart (runs with next-edit off and on alternate `--repeat`
times and are pooled), sending after each key a didChange, an inline completion
and (in the "on" run) a `textDocument/copilotInlineEdit`, as an editor with
both features does. The same keystrokes are replayed with next-edit off, so
the ghost-text columns show what next-edit costs it. Reported per model:
the next-edit format, answers, suggestions shown (non-empty edits), the share
of keystrokes answered with silence, edit -> answer p50/p95 for next-edit
(all answers, and shown ones), and ghost-text p50/p95 with next-edit off and
on. Models: the Qwen2.5-Coder tiny fixture (sweep format) and the embedded
SmolLM2 (instruct format) unless --model is given. Random-weight fixtures
never write a whole window, so their "shown" is 0: the latency is the
figure.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.lsp_client import LspClient, initialize_params  # noqa: E402
from bench.stats import markdown_table, percentile  # noqa: E402

SOURCE = '''def describe(width, height):
    """A rectangle's facts."""
    area = width * height
    perimeter = 2 * (width + height)
    square = width == height
    ratio = width / height
    return {"width": width, "area": area, "perimeter": perimeter, "square": square, "ratio": ratio}
'''
OLD, NEW = "width", "side_length"
COLUMNS = [("model", "model"), ("format", "format"), ("keys", "keys"), ("answered", "answered"),
           ("shown", "shown"), ("silent_pct", "silent %"), ("ne_p50", "next-edit p50 ms"),
           ("ne_p95", "next-edit p95 ms"), ("shown_p50", "shown p50 ms"), ("ghost_off_p50", "ghost p50 (NE off)"),
           ("ghost_off_p95", "ghost p95 (NE off)"), ("ghost_on_p50", "ghost p50 (NE on)"),
           ("ghost_on_p95", "ghost p95 (NE on)")]


def keystrokes() -> list[tuple[str, int]]:
    """(text after the key, cursor offset) for deleting OLD at the definition and typing NEW."""
    start = SOURCE.index(OLD)
    steps = []
    for cut in range(len(OLD) - 1, -1, -1):
        steps.append((SOURCE[:start] + OLD[:cut] + SOURCE[start + len(OLD):], start + cut))
    for typed in range(1, len(NEW) + 1):
        steps.append((SOURCE[:start] + NEW[:typed] + SOURCE[start + len(OLD):], start + typed))
    return steps


def position(text: str, offset: int) -> dict:
    line = text.count("\n", 0, offset)
    return {"line": line, "character": offset - (text.rfind("\n", 0, offset) + 1)}


async def replay(model: str | None, next_edit_on: bool, gap_s: float, workspace: Path) -> dict:
    settings = {"speculative": False, "maxTokens": 16, "nextEdit": {"enable": next_edit_on},
                "model": {"path": model or ""}}
    client = LspClient(settings)
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("CODER_LSP_MODEL", None)
    log = tempfile.NamedTemporaryFile("w+", prefix="coder-lsp-next-edit-", suffix=".log", delete=False)
    await client.start([sys.executable, "-m", "lsp_server", "serve"], str(workspace), env, log)
    try:
        await client.request("initialize", initialize_params(str(workspace), settings))
        client.notify("initialized", {})
        await wait_ready(client)
        path = workspace / "shapes.py"
        path.write_text(SOURCE, encoding="utf-8")
        uri = path.as_uri()
        client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1,
                                                                "text": SOURCE}})
        ghost, edits = [], []
        for version, (text, offset) in enumerate(keystrokes(), start=2):
            pressed = time.perf_counter()
            client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                                     "contentChanges": [{"text": text}]})
            where = {"textDocument": {"uri": uri}, "position": position(text, offset),
                     "context": {"triggerKind": 2}}
            ghost.append((pressed, client.send("textDocument/inlineCompletion", where)))
            if next_edit_on:
                edits.append((pressed, client.send("textDocument/copilotInlineEdit", {
                    "textDocument": {"uri": uri, "version": version}, "position": position(text, offset)})))
            await asyncio.sleep(gap_s)
        replies = [reply for _, reply in ghost + edits]
        await asyncio.wait_for(asyncio.gather(*(reply.done.wait() for reply in replies)), 300)
        status = await client.request("workspace/executeCommand", {"command": "coderLsp.status", "arguments": []})
        return {"ghost": ghost, "edits": edits, "status": status}
    finally:
        await client.stop()


async def wait_ready(client: LspClient, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = await client.request("workspace/executeCommand", {"command": "coderLsp.status", "arguments": []})
        if status.get("state") in ("ready", "error"):
            return
        await asyncio.sleep(0.1)


def ms(pressed: float, reply) -> float:
    return (reply.received - pressed) * 1000


def summarize(model: str | None, off: dict, on: dict) -> dict:
    answered = [(p, r) for p, r in on["edits"] if not r.error]
    shown = [(p, r) for p, r in answered if (r.result or {}).get("edits")]
    jobs = [j for j in on["status"].get("jobs", []) if j.get("kind") == "next-edit"]
    ghost = {name: [ms(p, r) for p, r in run["ghost"] if not r.error] for name, run in (("off", off), ("on", on))}
    row = {"model": Path(model).name if model else "embedded SmolLM2", "format": jobs[0]["format"] if jobs else "-",
           "keys": len(on["edits"]), "answered": len(answered), "shown": len(shown),
           "silent_pct": 100.0 * (len(on["edits"]) - len(shown)) / max(1, len(on["edits"])),
           "ne_p50": percentile([ms(p, r) for p, r in answered], 50),
           "ne_p95": percentile([ms(p, r) for p, r in answered], 95),
           "shown_p50": percentile([ms(p, r) for p, r in shown], 50)}
    for name in ("off", "on"):
        row[f"ghost_{name}_p50"] = percentile(ghost[name], 50)
        row[f"ghost_{name}_p95"] = percentile(ghost[name], 95)
    return row


async def main_async(models: list[str | None], gap_s: float, repeat: int = 1) -> list[dict]:
    """Off and on runs alternate `repeat` times (a shared machine's load drifts), pooled per model."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="coder-lsp-next-edit-ws-") as scratch:
        for model in models:
            off = {"ghost": [], "edits": [], "status": {"jobs": []}}
            on = {"ghost": [], "edits": [], "status": {"jobs": []}}
            for _ in range(repeat):
                for pooled, enabled in ((off, False), (on, True)):
                    run = await replay(model, enabled, gap_s, Path(scratch))
                    pooled["ghost"] += run["ghost"]
                    pooled["edits"] += run["edits"]
                    pooled["status"]["jobs"] += run["status"].get("jobs", [])
            rows.append(summarize(model, off, on))
    return rows


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", action="append", help="GGUF path (repeatable); empty string: the embedded model")
    parser.add_argument("--gap-ms", type=float, default=120.0, help="time between keystrokes")
    parser.add_argument("--repeat", type=int, default=3, help="alternating off/on runs per model, pooled")
    args = parser.parse_args(argv)
    fixture = str(ROOT / "fixtures" / "models" / "qwen2.5-coder-tiny.gguf")
    models = [str(Path(m).resolve()) if m else None for m in args.model] if args.model else [fixture, None]
    rows = asyncio.run(main_async(models, args.gap_ms / 1000, args.repeat))
    print(markdown_table(rows, COLUMNS))
    return rows


if __name__ == "__main__":
    main()
