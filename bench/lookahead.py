"""What look-ahead costs: `lookahead.name_logprobs` for 2 to 24 candidate names, per model and prompt length.

Evaluates a prompt of N tokens of real code (this repository's own sources),
then times scoring K candidate spellings after it, decoded side by side (one
sequence each, `lookahead.BATCH_TOKENS` tokens a batch, as the engine's
context allows) and one at a time (a batch each: what a context with one
sequence does), then removed from the KV cache, as `guidance.Guide` does at the
first token of an identifier when several candidates beat the model's own
choice (at most `guidance.LOOKAHEAD`, fewer where `Throughput.look_candidates`
says so). Median of 5 runs, after one warm-up. The spellings are context
names of the kind guidance offers (8 to 24 bytes). Prints a Markdown table.

    .venv/bin/python bench/lookahead.py [--model GGUF ...] [--prompt-tokens 500 2000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SPELLINGS = (b" CaseInsensitiveDict", b" cookiejar_from_dict", b" hashQueryKeyByOptions", b" formatPrice",
             b" readDirFile", b" createProxy", b" parse_options", b" SyntaxError", b" TemplateSyntaxError",
             b" Float64SliceFlag", b" newWatcher", b" buildWindowEventHandler", b" ObservableNotification",
             b" GetFileInfo", b" POST_DUMP", b" split_arg_string", b" EnableCaseInsensitive", b" isObservableObject",
             b" ErrMethodMismatch", b" aggregationFns", b" requote_uri", b" to_native_string", b" AsciiJSON", b" Router")


def main() -> int:
    import numpy as np

    import llama_cpp
    from lsp_server.model import lookahead
    from lsp_server.model.llama_engine import LlamaEngine
    from lsp_server.model.loader import embedded_model_path
    from lsp_server.model.pieces import tokenize_bytes
    from lsp_server.model.settings import ModelSettings

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", nargs="*", default=[str(ROOT / "fixtures/models/deepseek-tiny.gguf"), embedded_model_path()])
    parser.add_argument("--prompt-tokens", nargs="*", type=int, default=[500, 2000])
    args = parser.parse_args()
    source = b"".join(p.read_bytes() for p in sorted((ROOT / "lsp_server").rglob("*.py")))
    print("| model | prompt tokens | candidates | side by side ms (median of 5) | one at a time ms | one generated token ms |")
    print("|---|---|---|---|---|---|")
    batched = lookahead.lanes
    for path in args.model:
        engine = LlamaEngine(path, ModelSettings(n_ctx=4096, n_gpu_layers=0))
        llm, index = engine._llm, engine.piece_index()
        tokens = list(tokenize_bytes(llm._model.vocab, source[:200_000], False))
        for n in args.prompt_tokens:
            llm.reset()
            llm._ctx.kv_cache_clear()
            for i in range(0, n, llm.n_batch):
                llm.eval(tokens[i:min(n, i + llm.n_batch)])
            logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm._ctx.ctx, -1), shape=(llm.n_vocab(),)).copy()
            step = []
            for _ in range(5):
                started = time.perf_counter()
                llm.eval([tokens[n]])
                step.append((time.perf_counter() - started) * 1000)
                llm.n_tokens -= 1
            for k in (2, 4, 8, 24):
                medians = []
                for lanes in (batched, lambda llm: 1):
                    lookahead.lanes = lanes
                    lookahead.name_logprobs(llm, index, logits, SPELLINGS[:k])
                    runs = []
                    for _ in range(5):
                        started = time.perf_counter()
                        lookahead.name_logprobs(llm, index, logits, SPELLINGS[:k])
                        runs.append((time.perf_counter() - started) * 1000)
                    medians.append(statistics.median(runs))
                lookahead.lanes = batched
                print(f"| {engine.name} | {n} | {k} | {medians[0]:.1f} | {medians[1]:.1f} | {statistics.median(step):.1f} |")
        engine.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
