"""Cold open: how long after opening a long file, and after its first keystroke, the first suggestion comes.

A user opens a ~1,000-line real file (jinja2's parser.py, from the installed
packages, copied alone into a fresh workspace) and looks at a line inside a
method, then types a new line there. Over real LSP (`coder-lsp serve`, the
model already loaded, settings as shipped but for the model and CPU only), the
client asks for an inline completion at once and waits, as a user who
pauses (`--keen`: again every 500 ms, cancelling the last ask, the issue's
method). Measured: didOpen -> the first answer the model finished (with
--keen, one that came before the next ask) and the first with text, at the
line's end; then the same from the keystroke (a newline and the indentation); and
for each, the prompt tokens the model evaluated until that first answer
(prompt minus cached, from `coderLsp.status`). The random-weight fixture's
text is noise that post-processing may reject, so its "first answer" is the
number to read. `--root` runs another checkout's server (the code before
a change) on the same file and keys.

    .venv/bin/python bench/cold_open.py [--model PATH ...] [--root /work/main] [--timeout 60] [--keen] [--peer]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.keystrokes import Document  # noqa: E402
from bench.lsp_client import LspClient, initialize_params  # noqa: E402
from bench.peer import LLAMA_SERVER, Peer, free_port, http_post, model_has_fim, peer_command, wait_healthy  # noqa: E402
from bench.typing_sim import inline_params, poll_jobs, suggestion_text, wait_ready  # noqa: E402

ASK_EVERY_S = 0.5  # with --keen: ask again this often, cancelling the last ask
TINY = ROOT / "fixtures" / "models" / "deepseek-tiny.gguf"


def real_file() -> Path:
    return next((ROOT / ".venv" / "lib").glob("python3*/site-packages")) / "jinja2" / "parser.py"


def cursor_line(lines: list[str]) -> int:
    """A statement line inside a method, past the middle of the file (the same one every run)."""
    for number in range(len(lines) * 6 // 10, len(lines)):
        line = lines[number]
        if line.startswith("        ") and line.rstrip().endswith(")") and not line.lstrip().startswith("#"):
            return number
    raise ValueError("no method body line found")


async def first_suggestion(client: LspClient, uri: str, line: int, column: int, since: float,
                           timeout: float, keen: bool) -> tuple[float | None, float | None]:
    """Ask once and wait (a user who pauses), or with `keen` every 500 ms, cancelling the last ask.

    Returns (ms after `since` of the first answer the model finished, that is one that came before
    the next ask; ms of the first answer with text)."""
    previous, answered = None, None
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if previous is not None:
            client.cancel(previous)
        reply = client.send("textDocument/inlineCompletion", inline_params(uri, {"line": line, "character": column}))
        previous = reply
        try:
            wait = ASK_EVERY_S if keen else max(0.0, deadline - time.perf_counter())
            await asyncio.wait_for(asyncio.shield(reply.done.wait()), wait)
        except asyncio.TimeoutError:
            continue
        if not reply.error and answered is None:
            answered = (reply.received - since) * 1000
        if not reply.error and suggestion_text(reply.result):
            return answered, (reply.received - since) * 1000
        if not keen:
            return answered, None
        await asyncio.sleep(max(0.0, reply.sent + ASK_EVERY_S - time.perf_counter()))
    return answered, None


async def evaluated_tokens(client: LspClient, version: int) -> int | None:
    """Prompt tokens evaluated (prompt minus cached) by the inline jobs for `version` up to the first that finished."""
    status = await client.request("workspace/executeCommand", {"command": "coderLsp.status", "arguments": []}, 10)
    total, seen = 0, False
    for job in (status or {}).get("jobs", []):
        if job.get("kind") != "inline" or job.get("version") != version or job.get("promptTokens") is None:
            continue
        total += job["promptTokens"] - (job.get("cachedTokens") or 0)  # cancelled jobs report none
        seen = True
        if job.get("outcome") in ("stop", "length"):
            break
    return total if seen else None


async def session(model: Path, root: Path, timeout: float, keen: bool = False) -> dict:
    settings = {"model": {"path": str(model), "nCtx": 4096, "nGpuLayers": 0}}
    source = real_file()
    text = source.read_text(encoding="utf-8")
    lines = text.split("\n")
    line = cursor_line(lines)
    with tempfile.TemporaryDirectory(prefix="coder-lsp-cold-") as workspace:
        path = Path(workspace) / source.name
        path.write_text(text, encoding="utf-8")
        uri = path.as_uri()
        client = LspClient(settings)
        env = dict(os.environ, PYTHONPATH=str(root))
        env.pop("CODER_LSP_MODEL", None)
        with open(os.environ.get("COLD_OPEN_LOG", os.devnull), "w") as quiet:
            await client.start([sys.executable, "-m", "lsp_server", "serve", "--model", str(model)], workspace, env,
                               quiet)
            try:
                await client.request("initialize", initialize_params(workspace, settings))
                client.notify("initialized", {})
                state = await wait_ready(client, 300)
                if state != "ready":
                    raise RuntimeError(f"the model did not load: {state}")
                opened = time.perf_counter()
                client.notify("textDocument/didOpen",
                              {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}})
                open_ms, open_text_ms = await first_suggestion(client, uri, line, len(lines[line]), opened, timeout, keen)
                open_tokens = await evaluated_tokens(client, 1)
                indent = lines[line][: len(lines[line]) - len(lines[line].lstrip())]
                typed = time.perf_counter()
                client.notify("textDocument/didChange", {
                    "textDocument": {"uri": uri, "version": 2},
                    "contentChanges": [{"range": {"start": {"line": line, "character": len(lines[line])},
                                                  "end": {"line": line, "character": len(lines[line])}},
                                        "text": "\n" + indent}]})
                key_ms, key_text_ms = await first_suggestion(client, uri, line + 1, len(indent), typed, timeout, keen)
                key_tokens = await evaluated_tokens(client, 2)
            finally:
                await client.stop()
    return {"model": model.name, "root": str(root), "open_ms": open_ms, "open_text_ms": open_text_ms,
            "open_tokens": open_tokens, "key_ms": key_ms, "key_text_ms": key_text_ms, "key_tokens": key_tokens}


async def peer_session(model: Path, timeout: float) -> dict:
    """The same open and keystroke against llama-server, asked as llama.vim asks right after opening a
    file: `/infill` with 256 lines before and 64 after (its ring buffer is still empty then: a chunk
    picked on BufEnter is queued, and sent only after `ring_update_ms` of idle time), one line."""
    text = real_file().read_text(encoding="utf-8")
    lines = text.split("\n")
    line = cursor_line(lines)
    indent = lines[line][: len(lines[line]) - len(lines[line].lstrip())]
    port = free_port()
    command = peer_command("llama-server", str(model), port, n_ctx=4096, threads=None, gpu=False,
                           server_bin=LLAMA_SERVER)
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peer = Peer("llama-server", port, model_has_fim(str(model)), 48, stream=False)

    async def ask(doc_text: str, row: int, column: int, since: float) -> tuple[float, dict]:
        cursor = sum(len(part) + 1 for part in doc_text.split("\n")[:row]) + column
        path, body = peer.request(Document(doc_text), cursor)
        status, data = await asyncio.wait_for(http_post(port, path, {**body, "stop": ["\n"]}), timeout)
        reply = peer.parse(data) if status == 200 else {}
        return (time.perf_counter() - since) * 1000, reply

    try:
        await wait_healthy(port, process, 120)
        opened = time.perf_counter()
        open_ms, first = await ask(text, line, len(lines[line]), opened)
        typed_text = "\n".join([*lines[: line + 1], indent, *lines[line + 1 :]])
        typed = time.perf_counter()
        key_ms, second = await ask(typed_text, line + 1, len(indent), typed)
    finally:
        process.terminate()
        process.wait(timeout=30)

    def evaluated(reply: dict):
        prompt, cached = reply.get("prompt_tokens"), reply.get("cached_tokens")
        return None if prompt is None else prompt - (cached or 0)

    return {"model": model.name, "root": "llama-server (llama.vim's request)", "open_ms": open_ms,
            "open_text_ms": open_ms if first.get("text") else None, "open_tokens": evaluated(first),
            "key_ms": key_ms, "key_text_ms": key_ms if second.get("text") else None, "key_tokens": evaluated(second)}


def _ms(value) -> str:
    return "none in time" if value is None else f"{value:.0f}"


def main() -> None:
    from lsp_server.model.loader import embedded_model_path

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", action="append", help="GGUF file (default: the DeepSeek fixture and SmolLM2)")
    parser.add_argument("--root", action="append", help="checkout whose server to run (default: this one)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for each first suggestion")
    parser.add_argument("--keen", action="store_true", help="ask every 500 ms, cancelling the last ask (the issue's method)")
    parser.add_argument("--peer", action="store_true", help="also llama-server, asked as llama.vim asks "
                        "(bench/build_llama_server.sh builds it)")
    args = parser.parse_args()
    models = [Path(m).resolve() for m in args.model or [TINY, embedded_model_path()]]
    roots = [Path(r).resolve() for r in args.root or [ROOT]]
    asking = f"asking every {ASK_EVERY_S * 1000:.0f} ms" if args.keen else "asking once and waiting"
    print(f"file: {real_file().name} ({len(real_file().read_text().splitlines())} lines), {asking}\n")
    print("| model | server | didOpen -> first answer ms | -> first with text ms | prompt tokens evaluated "
          "| keystroke -> first answer ms | -> first with text ms | prompt tokens evaluated |")
    print("|---|---|---|---|---|---|---|---|")
    for model in models:
        rows = [lambda root=root: session(model, root, args.timeout, args.keen) for root in roots]
        rows += [lambda: peer_session(model, args.timeout)] if args.peer else []
        for make in rows:
            row = asyncio.run(make())
            root = Path(row["root"])
            print(f"| {row['model']} | {root.name} | {_ms(row['open_ms'])} | {_ms(row['open_text_ms'])} "
                  f"| {row['open_tokens']} | {_ms(row['key_ms'])} | {_ms(row['key_text_ms'])} | {row['key_tokens']} |",
                  flush=True)


if __name__ == "__main__":
    main()
