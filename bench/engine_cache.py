"""Cold vs warm completion latency on a ~2,000-token FIM prompt, in both FIM orders.

"Cold" evaluates the whole prompt (empty KV cache); "warm" is the next
keystroke: the same prompt with one more character typed at the cursor, so
llama.cpp keeps the common prefix of the previous prompt in its cache. With
prefix-suffix-middle order the suffix comes after the cursor and is evaluated
again; with suffix-prefix-middle order only the last few tokens are. Each
number is the median of several runs. Prints a markdown table.

    .venv/bin/python bench/engine_cache.py                       # the DeepSeek-Coder fixture
    .venv/bin/python bench/engine_cache.py --shape 768x12 --runs 3  # a GPT-2-small-sized random model
    .venv/bin/python bench/engine_cache.py --model path/to/model.gguf --runs 5

`--shape WIDTHxLAYERS` writes a random-weight model of that shape with the
DeepSeek-Coder tokenizer to .cache/bench-models/ (once), so that prompt
evaluation costs what a real model of that size costs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lsp_server.model.llama_engine import LlamaEngine  # noqa: E402
from lsp_server.model.settings import ModelSettings  # noqa: E402
from lsp_server.model.types import CancelToken, CompletionRequest  # noqa: E402


def code(lines: int, start: int = 0) -> str:
    return "".join(
        f"def compute_{i}(values, scale={i % 9}):\n    total = sum(v * scale for v in values)\n    return total + {i}\n\n"
        for i in range(start, start + lines)
    )


def sized_text(engine: LlamaEngine, target_tokens: int, start: int) -> str:
    lines = 8
    while engine.count_tokens(code(lines, start)) < target_tokens:
        lines += 8
    return code(lines, start)


def measure(engine: LlamaEngine, order: str, prefix: str, suffix: str, max_tokens: int, runs: int) -> dict:
    cold, warm, warm_total, cached, prompt_tokens = [], [], [], [], 0
    for run in range(runs):
        engine._llm.reset()  # empty cache: the next request evaluates everything
        typed = prefix + "result = compute_1(data)\n" * run + "r"
        first = engine.complete(CompletionRequest(prefix=typed, suffix=suffix, max_tokens=max_tokens),
                                CancelToken(), order=order)
        second = engine.complete(CompletionRequest(prefix=typed + "e", suffix=suffix, max_tokens=max_tokens),
                                 CancelToken(), order=order)
        cold.append(first.ttft_ms)
        warm.append(second.ttft_ms)
        warm_total.append(second.total_ms)
        cached.append(second.cached_tokens)
        prompt_tokens = second.prompt_tokens
    cold_ms, warm_ms = statistics.median(cold), statistics.median(warm)
    return {"order": order, "prompt": prompt_tokens, "cold": cold_ms, "warm": warm_ms,
            "ratio": warm_ms / cold_ms if cold_ms else 0.0, "cached": int(statistics.median(cached)),
            "warm_total": statistics.median(warm_total)}


def shaped_model(spec: str) -> str:
    """A random-weight DeepSeek-Coder-tokenizer model of shape WIDTHxLAYERS, built once."""
    sys.path.insert(0, str(ROOT / "fixtures"))
    import make_models

    width, layers = (int(n) for n in spec.lower().split("x"))
    out = ROOT / ".cache" / "bench-models" / f"deepseek-{width}x{layers}.gguf"
    if not out.is_file():
        out.parent.mkdir(parents=True, exist_ok=True)
        shape = make_models.Shape(n_embd=width, n_head=max(1, width // 64), n_layer=layers, n_ff=4 * width)
        make_models.build_model("deepseek-tiny.gguf", make_models.SPECS["deepseek-tiny.gguf"], shape, out)
    return str(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(ROOT / "fixtures/models/deepseek-tiny.gguf"))
    parser.add_argument("--shape", metavar="WIDTHxLAYERS", help="bench a random model of this shape instead")
    parser.add_argument("--prompt-tokens", type=int, default=2000)
    parser.add_argument("--max-tokens", type=int, default=16)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--gpu-layers", type=int, default=None)
    args = parser.parse_args()
    if args.shape:
        args.model = shaped_model(args.shape)
    engine = LlamaEngine(args.model, ModelSettings(n_ctx=4096, threads=args.threads, n_gpu_layers=args.gpu_layers))
    prefix = sized_text(engine, args.prompt_tokens * 3 // 4, 0)
    suffix = sized_text(engine, args.prompt_tokens // 4, 10_000)
    rows = [measure(engine, order, prefix, suffix, args.max_tokens, args.runs) for order in ("psm", "spm")]
    info = engine.describe()
    print(f"model: {Path(args.model).name} ({info['prompt_format']}, {info['device']}, "
          f"n_ctx {info['n_ctx']}), median of {args.runs} runs, {args.max_tokens} tokens generated\n")
    print("| FIM order | prompt tokens | cold TTFT ms | warm TTFT ms | warm / cold | reused tokens (warm) | warm total ms |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    names = {"psm": "prefix-suffix-middle", "spm": "suffix-prefix-middle"}
    for row in rows:
        print(f"| {names[row['order']]} | {row['prompt']} | {row['cold']:.1f} | {row['warm']:.1f} | "
              f"{row['ratio']:.0%} | {row['cached']} | {row['warm_total']:.1f} |")
    engine.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
