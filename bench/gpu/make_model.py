"""Write a random-weight GGUF of a real DeepSeek-Coder shape, for speed benchmarks.

Speed does not depend on the weight values, so a model of the real shape with
random weights and the real DeepSeek-Coder tokenizer (copied key for key from
llama.cpp's vocabulary file) measures what the real model would, without
downloading gigabytes. The output rows of control tokens are zero, so greedy
decoding never ends early and every generation runs to `max_tokens`.
Written as F16 (weights drawn from one random pool, to write gigabytes in
seconds), then quantized with llama.cpp's own quantizer when `--quant` is set.

    python3 bench/gpu/make_model.py --shape 1.3b --vocab VOCAB.gguf --out M.gguf [--quant q4_k_m]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

# name: (n_embd, n_layer, n_head, n_ff) of DeepSeek-Coder base models (llama architecture, 32256 tokens)
SHAPES = {
    "tiny": (256, 2, 4, 512),
    "1.3b": (2048, 24, 16, 5504),
    "6.7b": (4096, 32, 32, 11008),
}
QUANTS = {"q4_k_m": 15, "q8_0": 7, "f16": 1}
POOL = 1 << 26  # random values shared by every weight tensor


def copy_tokenizer(writer, vocab: Path) -> list[int]:
    import gguf

    reader = gguf.GGUFReader(vocab)
    for key, field in reader.fields.items():
        if key.startswith("tokenizer.ggml."):
            is_array = field.types[0] == gguf.GGUFValueType.ARRAY
            writer.add_key_value(key, field.contents(), field.types[0],
                                 sub_type=field.types[-1] if is_array else None)
    types = reader.fields["tokenizer.ggml.token_type"].contents()
    return [i for i, kind in enumerate(types) if kind in (3, 4)]


def write_f16(shape: str, vocab: Path, out: Path) -> None:
    import gguf
    import numpy as np

    n_embd, n_layer, n_head, n_ff = SHAPES[shape]
    n_vocab = 32256
    rng = np.random.default_rng(0)
    pool = (rng.standard_normal(POOL, dtype=np.float32) * 0.02).astype(np.float16)

    def weight(rows: int, cols: int):
        n = rows * cols
        if n <= POOL:
            start = int(rng.integers(0, POOL - n + 1))
            return pool[start : start + n].reshape(rows, cols)
        return np.resize(pool, n).reshape(rows, cols)

    writer = gguf.GGUFWriter(out, "llama")
    writer.add_string("general.name", f"deepseek-coder-{shape}-shape (random weights, coder-lsp benchmark)")
    silent = copy_tokenizer(writer, vocab)
    for key, value in {"context_length": 16384, "embedding_length": n_embd, "block_count": n_layer,
                       "feed_forward_length": n_ff, "attention.head_count": n_head,
                       "attention.head_count_kv": n_head, "rope.dimension_count": n_embd // n_head,
                       "vocab_size": n_vocab}.items():
        writer.add_uint32(f"llama.{key}", value)
    writer.add_float32("llama.rope.freq_base", 100000.0)
    writer.add_float32("llama.attention.layer_norm_rms_epsilon", 1e-6)
    writer.add_uint32("general.file_type", 1)
    for role, token in (("pre", 32016), ("suf", 32015), ("mid", 32017)):
        writer.add_uint32(f"tokenizer.ggml.fim_{role}_token_id", token)
    ones = np.ones(n_embd, np.float32)
    output = weight(n_vocab, n_embd).copy()
    output[silent] = 0
    writer.add_tensor("token_embd.weight", weight(n_vocab, n_embd))
    writer.add_tensor("output_norm.weight", ones)
    writer.add_tensor("output.weight", output)
    for i in range(n_layer):
        for name, value in {"attn_norm.weight": ones, "ffn_norm.weight": ones,
                            "attn_q.weight": weight(n_embd, n_embd), "attn_k.weight": weight(n_embd, n_embd),
                            "attn_v.weight": weight(n_embd, n_embd), "attn_output.weight": weight(n_embd, n_embd),
                            "ffn_gate.weight": weight(n_ff, n_embd), "ffn_up.weight": weight(n_ff, n_embd),
                            "ffn_down.weight": weight(n_embd, n_ff)}.items():
            writer.add_tensor(f"blk.{i}.{name}", value)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def quantize(source: Path, out: Path, quant: str, threads: int) -> None:
    import llama_cpp

    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = QUANTS[quant]
    params.nthread = threads
    code = llama_cpp.llama_model_quantize(str(source).encode(), str(out).encode(), params)
    if code != 0:
        raise RuntimeError(f"llama_model_quantize returned {code}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", default="1.3b", choices=sorted(SHAPES))
    parser.add_argument("--vocab", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--quant", default="f16", choices=sorted(QUANTS))
    parser.add_argument("--threads", type=int, default=16)
    args = parser.parse_args()
    began = time.perf_counter()
    f16 = args.out if args.quant == "f16" else args.out.with_suffix(".f16.gguf")
    write_f16(args.shape, args.vocab, f16)
    print(f"wrote {f16} ({f16.stat().st_size / 1e9:.2f} GB) in {time.perf_counter() - began:.1f} s")
    if args.quant != "f16":
        quantize(f16, args.out, args.quant, args.threads)
        f16.unlink()
        print(f"quantized to {args.quant}: {args.out} ({args.out.stat().st_size / 1e9:.2f} GB), "
              f"{time.perf_counter() - began:.1f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
