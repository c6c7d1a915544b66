"""The floor: the engine alone, typed at in real time, on the prompts our server builds.

No LSP, no JSON-RPC, no context gathering, no post-processing: `load_engine`
plus `engine.complete()` on one worker thread, fed the `CompletionRequest` our
server builds at each keystroke of `keystrokes.typing_script()` (the same
prefix and suffix windows, no repository snippets, `maxTokens` tokens,
multi-line), at the keystrokes' own times. A newer key cancels the running
generation through its `CancelToken` and replaces any request still waiting,
as the server's runner does. So the figures are what a server with zero
overhead would achieve with this engine, under the same typing; `overhead()`
subtracts them from a typing-simulation run, key by key. Also reports prompt
tokens per request, split into reused (KV cache) and newly evaluated.

    .venv/bin/python bench/floor.py --model fixtures/models/deepseek-tiny.gguf [--quick]
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.keystrokes import TARGET_FILE, WORKSPACE, Document, initial_text, typing_script  # noqa: E402
from bench.stats import Attempt, attempts_json, percentile, summarize  # noqa: E402

from lsp_server.assist.prompt_window import window  # noqa: E402 - the server's own prompt window


def request_at(text: str, offset: int, max_tokens: int):
    from lsp_server.model.types import CompletionRequest

    prefix, suffix = window(text, offset)
    fields = dict(
        prefix=prefix,
        suffix=suffix,
        path=TARGET_FILE.relative_to(WORKSPACE).as_posix(),
        language="python",
        max_tokens=max_tokens,
    )
    if "repo" in CompletionRequest.__dataclass_fields__:  # the server names the workspace folder
        fields["repo"] = WORKSPACE.name
    return CompletionRequest(**fields)


class LatestOnlyWorker:
    """One model thread; a new job cancels the running one and replaces a waiting one."""

    def __init__(self, engine) -> None:
        from lsp_server.model.types import CancelToken

        self.engine, self._token_type = engine, CancelToken
        self._lock = threading.Condition()
        self._waiting = None
        self._running = None
        self._stopped = False
        self.results: dict[int, tuple] = {}  # key -> (finished at, Completion or None)
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def submit(self, key: int, request) -> None:
        with self._lock:
            if self._running is not None:
                self._running.cancel()
            if self._waiting is not None:
                self.results[self._waiting[0]] = (time.perf_counter(), None)
            self._waiting = (key, request, self._token_type())
            self._lock.notify()

    def _loop(self) -> None:
        from lsp_server.model.types import Cancelled

        while True:
            with self._lock:
                while self._waiting is None and not self._stopped:
                    self._lock.wait()
                if self._stopped:
                    return
                key, request, token = self._waiting
                self._waiting, self._running = None, token
            try:
                completion = self.engine.complete(request, token)
                if completion.finish_reason == "cancelled":
                    completion = None
            except Cancelled:
                completion = None
            self.results[key] = (time.perf_counter(), completion)
            with self._lock:
                self._running = None

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            if self._running is not None:
                self._running.cancel()
            self._lock.notify()
        self._thread.join(30)


def run(model: str, *, quick: bool = False, max_tokens: int = 32, gpu: bool = False, threads: int | None = None,
        n_ctx: int = 4096) -> dict:
    from lsp_server.model.loader import load_engine
    from lsp_server.model.settings import ModelSettings
    from lsp_server.model.types import CancelToken

    model = str(Path(model).resolve())
    settings = ModelSettings(path=model, n_ctx=n_ctx, n_gpu_layers=None if gpu else 0, threads=threads,
                             flash_attention=gpu)
    loaded = time.perf_counter()
    engine = load_engine(settings)
    load_s = time.perf_counter() - loaded
    text, start = initial_text()
    doc = Document(text)
    engine.complete(request_at(text, start, max_tokens), CancelToken())  # warm-up, as the other runs do
    keys = typing_script(quick)
    worker = LatestOnlyWorker(engine)
    pressed_at = []
    try:
        began = time.perf_counter()
        for index, key in enumerate(keys):
            time.sleep(max(0.0, began + key.at_ms / 1000 - time.perf_counter()))
            doc.apply(key)
            pressed_at.append(time.perf_counter())
            worker.submit(index, request_at(doc.text, key.cursor, max_tokens))
        deadline = time.perf_counter() + 60
        while len(worker.results) < len(keys) and time.perf_counter() < deadline:
            time.sleep(0.01)
        described = engine.describe()
    finally:
        worker.stop()
        engine.close()
    attempts = [attempt(keys[i], i, pressed_at[i], worker.results.get(i)) for i in range(len(keys))]
    summary = summarize(attempts)
    summary.update({"label": "engine alone (floor)", "model": Path(model).name, "model_load_s": round(load_s, 2),
                    "prompt_format": described.get("prompt_format"), "fim_order": described.get("fim_order"),
                    "device": described.get("device"), "gpu_layers": described.get("gpu_layers")})
    return {"summary": summary, "attempts": attempts_json(attempts)}


def attempt(key, index: int, pressed: float, result) -> Attempt:
    if result is None:
        return Attempt(index, key.pause_ms, "cancelled")
    finished, completion = result
    ms = (finished - pressed) * 1000
    if completion is None:
        return Attempt(index, key.pause_ms, "cancelled", ms)
    outcome = "stale" if ms > key.pause_ms else ("shown" if completion.text else "empty")
    return Attempt(index, key.pause_ms, outcome, ms, completion.text, completion.generated_tokens,
                   completion.prompt_tokens, completion.cached_tokens)


def overhead(ours: list[dict], floor: list[dict]) -> dict:
    """Our time to answer minus the engine's, on the keys both answered before the next key."""
    engine_ms = {a["key"]: a["ms"] for a in floor if a["outcome"] in ("shown", "empty")}
    diffs = [a["ms"] - engine_ms[a["key"]] for a in ours if a["outcome"] in ("shown", "empty")
             and a["key"] in engine_ms]
    return {"pairs": len(diffs), "overhead_p50_ms": _r(percentile(diffs, 50)),
            "overhead_p95_ms": _r(percentile(diffs, 95))}


def _r(value):
    return None if value is None else round(value, 1)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--max-tokens", type=int, default=32)
    parser.add_argument("--gpu", action="store_true")
    parser.add_argument("--threads", type=int)
    args = parser.parse_args(argv)
    result = run(args.model, quick=args.quick, max_tokens=args.max_tokens, gpu=args.gpu, threads=args.threads)
    print(json.dumps(result["summary"], indent=2))
    return result


if __name__ == "__main__":
    main()
