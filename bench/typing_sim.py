"""Typing simulation over real LSP: `coder-lsp serve` on stdio, keystroke by keystroke.

Starts the server as an editor would (initialize with inline-completion
capability, settings in `initializationOptions` and `workspace/configuration`),
opens `bench/workspace/inventory/report.py`, waits for the model, then replays
`keystrokes.typing_script()` in real time: for every key a `didChange`, a
`$/cancelRequest` for the previous inline request if it is still open, and a
new `textDocument/inlineCompletion`. A suggestion counts as shown when it
arrives before the next key. At each longer pause the client reads
`coderLsp.status` (model jobs, tokens, cache hits), so model calls and calls
avoided by the completion cache come from the server's own counters.

    .venv/bin/python bench/typing_sim.py --model fixtures/models/deepseek-tiny.gguf [--quick]
        [--context --multiline auto] [--inside Django==5.2.6]

`--inside NAME==VERSION` types the same file inside a large repository: the
package's source (fetched like `index_bench.py` does) with `inventory/`
copied in, and waits for the index to be ready before the first key.

(Named typing_sim.py, not typing.py: a bench/typing.py would shadow the
standard library's `typing` for any script run from bench/.)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.keystrokes import TARGET_FILE, WORKSPACE, Document, initial_text, typing_script  # noqa: E402
from bench.lsp_client import LspClient, initialize_params  # noqa: E402
from bench.stats import Attempt, attempts_json, percentile, summarize  # noqa: E402

REQUEST_CANCELLED = -32800
STATUS_POLL_PAUSE_MS = 400  # the server keeps its last 50 jobs; read them often enough


def server_settings(model: str, *, max_tokens: int, context: bool, multiline: str, gpu: bool,
                    threads: int | None, n_ctx: int) -> dict:
    model_settings: dict = {"path": model, "nCtx": n_ctx}
    if not gpu:
        model_settings["nGpuLayers"] = 0
    else:
        model_settings["flashAttention"] = True  # as the peer's `-fa on`
    if threads:
        model_settings["threads"] = threads
    return {"maxTokens": max_tokens, "contextBudget": 1024 if context else 0, "multiline": multiline,
            "model": model_settings}


async def wait_ready(client: LspClient, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for _, method, params in client.notifications:
            if method == "coderLsp/status" and isinstance(params, dict) and params.get("state") in ("ready", "error"):
                return params["state"]
        await asyncio.sleep(0.05)
    return "timeout"


def inline_params(uri: str, position: dict) -> dict:
    return {"textDocument": {"uri": uri}, "position": position, "context": {"triggerKind": 2}}


def suggestion_text(result) -> str:
    items = result.get("items", []) if isinstance(result, dict) else (result or [])
    if not items:
        return ""
    text = items[0].get("insertText", "")
    return text if isinstance(text, str) else text.get("value", "")


async def replay(client: LspClient, uri: str, doc: Document, keys, jobs: dict) -> list[Attempt]:
    sent = []
    previous = None
    start = time.perf_counter()
    for index, key in enumerate(keys):
        await asyncio.sleep(max(0.0, start + key.at_ms / 1000 - time.perf_counter()))
        change = doc.apply(key)
        pressed = time.perf_counter()
        client.notify("textDocument/didChange",
                      {"textDocument": {"uri": uri, "version": doc.version}, "contentChanges": [change]})
        if previous is not None:
            client.cancel(previous)
        previous = client.send("textDocument/inlineCompletion", inline_params(uri, doc.position(key.cursor)))
        sent.append((index, pressed, previous, doc.version))
        if key.pause_ms >= STATUS_POLL_PAUSE_MS:
            asyncio.get_running_loop().call_later(0.3, lambda: asyncio.ensure_future(poll_jobs(client, jobs)))
    await asyncio.wait_for(asyncio.gather(*(reply.done.wait() for _, _, reply, _ in sent)), 60)
    await poll_jobs(client, jobs)
    return [classify(keys[index], index, pressed, reply, jobs.get(version)) for index, pressed, reply, version in sent]


def classify(key, index: int, pressed: float, reply, job: dict | None) -> Attempt:
    ms = (reply.received - pressed) * 1000
    job = job or {}
    attempt = Attempt(index, key.pause_ms, "empty", ms, generated_tokens=job.get("tokens"),
                      prompt_tokens=job.get("promptTokens"), cached_tokens=job.get("cachedTokens"),
                      engine_ms=job.get("engineMs"))
    if reply.error:
        attempt.outcome = "cancelled" if reply.error.get("code") == REQUEST_CANCELLED else "error"
        return attempt
    text = suggestion_text(reply.result)
    in_time = ms <= key.pause_ms
    if text:
        attempt.text = text
        attempt.outcome = "shown" if in_time else "stale"
    elif not in_time:
        attempt.outcome = "cancelled"  # superseded by the next key: the server answered None
    return attempt


def server_overhead(attempts: list[Attempt]) -> dict:
    """Time to answer minus the engine's own time for that job (`engineMs` from coderLsp.status)."""
    diffs = [a.ms - a.engine_ms for a in attempts if a.outcome in ("shown", "empty") and a.engine_ms is not None]
    return {"engine_timed": len(diffs), "server_overhead_p50_ms": _round(percentile(diffs, 50)),
            "server_overhead_p95_ms": _round(percentile(diffs, 95))}


def _round(value):
    return None if value is None else round(value, 1)


async def poll_jobs(client: LspClient, jobs: dict) -> dict:
    """Merge the server's recent model jobs (by document version) into `jobs`; return the status."""
    try:
        status = await client.request("workspace/executeCommand", {"command": "coderLsp.status", "arguments": []}, 10)
    except Exception:
        return {}
    for job in (status or {}).get("jobs", []):
        if job.get("kind") == "inline" and "version" in job:
            jobs[job["version"]] = job
    jobs["_status"] = status
    return status


@contextlib.contextmanager
def large_workspace(package: str):
    """A temporary copy of a source package (NAME==VERSION) with `inventory/` in it."""
    from bench.context_eval import fetch_sources

    name, version = package.split("==")
    source = fetch_sources({name: version})[name]
    with tempfile.TemporaryDirectory(prefix="coder-lsp-typing-") as scratch:
        root = Path(scratch) / name.lower()
        shutil.copytree(source, root)
        shutil.copytree(TARGET_FILE.parent, root / TARGET_FILE.parent.name)
        yield root


async def wait_indexed(client: LspClient, timeout: float) -> int | None:
    """Files in the server's index once it is ready (None if it never got ready)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = await client.request("workspace/executeCommand", {"command": "coderLsp.status", "arguments": []}, 10)
        index = (status or {}).get("index") or {}
        if index.get("ready"):
            return index.get("files")
        await asyncio.sleep(0.2)
    return None


async def run(model: str, *, quick: bool = False, max_tokens: int = 32, context: bool = False,
              multiline: str = "always", gpu: bool = False, threads: int | None = None, n_ctx: int = 4096,
              label: str = "", inside: str | None = None) -> dict:
    model = str(Path(model).resolve())
    settings = server_settings(model, max_tokens=max_tokens, context=context, multiline=multiline, gpu=gpu,
                               threads=threads, n_ctx=n_ctx)
    with large_workspace(inside) if inside else contextlib.nullcontext(WORKSPACE) as workspace:
        client = LspClient(settings)
        env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        env.pop("CODER_LSP_MODEL", None)
        log = tempfile.NamedTemporaryFile("w+", prefix="coder-lsp-bench-", suffix=".log", delete=False)
        await client.start([sys.executable, "-m", "lsp_server", "serve", "--model", model], str(workspace), env, log)
        try:
            return await _session(client, settings, model, quick, label, context, workspace)
        except Exception as exc:
            log.flush()
            tail = Path(log.name).read_text()[-3000:]
            raise RuntimeError(f"typing simulation failed: {exc!r}\nserver stderr ({log.name}):\n{tail}") from exc
        finally:
            await client.stop()


async def _session(client: LspClient, settings: dict, model: str, quick: bool, label: str, context: bool,
                   workspace: Path) -> dict:
    await client.request("initialize", initialize_params(str(workspace), settings))
    client.notify("initialized", {})
    loaded = time.perf_counter()
    state = await wait_ready(client, 300)
    load_s = time.perf_counter() - loaded
    if state != "ready":
        raise RuntimeError(f"server state {state!r}")
    indexed = await wait_indexed(client, 300) if context else None
    text, start = initial_text()
    doc, uri = Document(text), (workspace / TARGET_FILE.relative_to(WORKSPACE)).as_uri()
    client.notify("textDocument/didOpen",
                  {"textDocument": {"uri": uri, "languageId": "python", "version": doc.version, "text": text}})
    warm = await client.request("textDocument/inlineCompletion", inline_params(uri, doc.position(start)), 120)
    keys = typing_script(quick)
    jobs: dict = {}
    attempts = await replay(client, uri, doc, keys, jobs)
    status = jobs.get("_status") or {}
    outcomes = status.get("jobOutcomes", {})
    model_calls = sum(count for name, count in outcomes.items() if name.startswith("inline:"))
    summary = summarize(attempts)
    summary.update(server_overhead(attempts))
    summary.update({
        "label": label or ("ours, repository context" if context else "ours, local context"),
        "workspace_files": indexed,
        "model": Path(model).name,
        "model_load_s": round(load_s, 2),
        "warmup_suggestion": bool(suggestion_text(warm)),
        "model_calls": model_calls,
        "speculative_calls": sum(c for n, c in outcomes.items() if n.startswith("speculative:")),
        "cache_hits": (status.get("cache") or {}).get("hits"),
        "job_outcomes": outcomes,
        "server_latency_ms": status.get("latencyMs"),
        "memory_rss_mb": status.get("memoryRssMb"),
        "device": status.get("device"),
        "prompt_format": status.get("promptFormat"),
        "settings": settings,
    })
    return {"summary": summary, "attempts": attempts_json(attempts)}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--max-tokens", type=int, default=32)
    parser.add_argument("--context", action="store_true", help="repository context on (contextBudget 1024)")
    parser.add_argument("--multiline", default="always", choices=("auto", "always", "never"))
    parser.add_argument("--gpu", action="store_true")
    parser.add_argument("--threads", type=int)
    parser.add_argument("--inside", metavar="NAME==VERSION", help="type inside a copy of this source package")
    args = parser.parse_args(argv)
    result = asyncio.run(run(args.model, quick=args.quick, max_tokens=args.max_tokens, context=args.context,
                             multiline=args.multiline, gpu=args.gpu, threads=args.threads, inside=args.inside))
    print(json.dumps(result["summary"], indent=2))
    return result


if __name__ == "__main__":
    main()
