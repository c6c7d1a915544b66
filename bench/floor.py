"""The floor: the engine alone on the prompts the typing simulation produces.

No LSP, no context gathering, no post-processing: `load_engine` plus
`engine.complete()` on the `CompletionRequest` our server builds at each
keystroke of `keystrokes.typing_script()` (the same prefix and suffix
windows, no repository snippets, `maxTokens` tokens, multi-line), run one
after another to the end, so the KV cache is as warm as typing makes it.
Reports first-token and total time, and prompt tokens per keystroke split
into reused (KV cache) and newly evaluated. `overhead()` pairs these with a
typing-simulation run: our server's time to suggestion minus the engine's
time on the same keystroke.

    .venv/bin/python bench/floor.py --model fixtures/models/deepseek-tiny.gguf [--quick] [--keys pauses]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.keystrokes import TARGET_FILE, WORKSPACE, Document, initial_text, typing_script  # noqa: E402
from bench.stats import PAUSE_MS, percentile  # noqa: E402

# The server's windows (lsp_server/features/inline_completion.py); read from there when it imports.
try:
    from lsp_server.features.inline_completion import PROMPT_PREFIX_CHARS, PROMPT_SUFFIX_CHARS
except Exception:  # noqa: BLE001 - the floor must run even if the server module does not import
    PROMPT_PREFIX_CHARS, PROMPT_SUFFIX_CHARS = 12_000, 4_000


def request_at(text: str, offset: int, max_tokens: int):
    from lsp_server.model.types import CompletionRequest

    return CompletionRequest(
        prefix=text[max(0, offset - PROMPT_PREFIX_CHARS) : offset],
        suffix=text[offset : offset + PROMPT_SUFFIX_CHARS],
        path=TARGET_FILE.relative_to(WORKSPACE).as_posix(),
        language="python",
        max_tokens=max_tokens,
    )


def run(model: str, *, quick: bool = False, max_tokens: int = 32, gpu: bool = False, threads: int | None = None,
        n_ctx: int = 4096, keys: str = "all") -> dict:
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
    rows = []
    try:
        for index, key in enumerate(typing_script(quick)):
            doc.apply(key)
            if keys == "pauses" and key.pause_ms < PAUSE_MS:
                continue
            began = time.perf_counter()
            completion = engine.complete(request_at(doc.text, key.cursor, max_tokens), CancelToken())
            rows.append({"key": index, "pause_ms": key.pause_ms, "ms": (time.perf_counter() - began) * 1000,
                         "ttft_ms": completion.ttft_ms, "engine_total_ms": completion.total_ms,
                         "prompt_tokens": completion.prompt_tokens, "cached_tokens": completion.cached_tokens,
                         "generated_tokens": completion.generated_tokens})
        described = engine.describe()
    finally:
        engine.close()
    return {"summary": summarize(rows, described, Path(model).name, load_s, keys), "rows": rows}


def summarize(rows: list[dict], described: dict, model: str, load_s: float, keys: str) -> dict:
    def p(field: str, q: float, subset=rows):
        value = percentile([r[field] for r in subset], q)
        return None if value is None else round(value, 1)

    pauses = [r for r in rows if r["pause_ms"] >= PAUSE_MS]
    new = [r["prompt_tokens"] - r["cached_tokens"] for r in rows]
    return {
        "label": "engine alone (floor)", "model": model, "model_load_s": round(load_s, 2), "keys": keys,
        "requests": len(rows),
        "ms_p50": p("ms", 50), "ms_p95": p("ms", 95),
        "pause_ms_p50": p("ms", 50, pauses), "pause_ms_p95": p("ms", 95, pauses),
        "ttft_p50_ms": p("ttft_ms", 50), "ttft_p95_ms": p("ttft_ms", 95),
        "prompt_tokens_mean": round(statistics.mean(r["prompt_tokens"] for r in rows), 1) if rows else None,
        "reused_tokens_mean": round(statistics.mean(r["cached_tokens"] for r in rows), 1) if rows else None,
        "new_tokens_mean": round(statistics.mean(new), 1) if rows else None,
        "new_tokens_p50": percentile(new, 50),
        "mean_generated_tokens": round(statistics.mean(r["generated_tokens"] for r in rows), 1) if rows else None,
        "prompt_format": described.get("prompt_format"), "device": described.get("device"),
        "gpu_layers": described.get("gpu_layers"),
    }


def overhead(typing_attempts: list[dict], floor_rows: list[dict]) -> dict:
    """Our time to suggestion minus the engine's time on the same keystroke (model-made suggestions only)."""
    engine_ms = {row["key"]: row["ms"] for row in floor_rows}
    diffs = [a["ms"] - engine_ms[a["key"]] for a in typing_attempts
             if a["outcome"] == "shown" and a["key"] in engine_ms and a.get("generated_tokens") not in (None, 0)]
    if not diffs:  # without per-job token counts, every shown suggestion is taken as model-made
        diffs = [a["ms"] - engine_ms[a["key"]] for a in typing_attempts
                 if a["outcome"] == "shown" and a["key"] in engine_ms]
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
    parser.add_argument("--keys", default="all", choices=("all", "pauses"))
    args = parser.parse_args(argv)
    result = run(args.model, quick=args.quick, max_tokens=args.max_tokens, gpu=args.gpu, threads=args.threads,
                 keys=args.keys)
    print(json.dumps(result["summary"], indent=2))
    return result


if __name__ == "__main__":
    main()
