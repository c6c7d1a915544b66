"""One command for every benchmark: markdown tables on stdout, JSON in bench/results/.

    .venv/bin/python bench/run.py [--quick] [--gpu] [--model PATH ...] [--name NAME] [--inside Django==5.2.6]

For each model (default on a CPU: the tiny random-weight DeepSeek-Coder
fixture and the embedded SmolLM2-135M; with --gpu: the models given) it runs,
in one process and one sitting so the ratios compare like with like:
the typing simulation over real LSP (`typing_sim.py`) with local context only,
the same keystrokes against llama.cpp's `llama-server` and llama-cpp-python's
server (`peer.py`), the engine alone on the same prompts (`floor.py`), and our
server as shipped (repository context, multi-line chosen by syntax), and with
`--inside` the same again inside a copy of a large repository. Then it
runs the other helpers' benchmarks that exist (engine_cache, lsp_overhead,
context_eval, index_bench, commit_bench) as scripts and includes their
tables. The JSON holds the machine, the models, the commit and every row.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import platform
import subprocess
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
if str(BENCH) in sys.path:  # run as a script: bench/ must not shadow anything
    sys.path.remove(str(BENCH))
sys.path.insert(0, str(ROOT))

from bench import floor, peer, typing_sim  # noqa: E402
from bench.keystrokes import typing_script  # noqa: E402
from bench.stats import PAUSE_MS, markdown_table  # noqa: E402

TINY_MODEL = ROOT / "fixtures" / "models" / "deepseek-tiny.gguf"
OTHER_BENCHES = ["engine_cache.py", "lsp_overhead.py", "context_eval.py", "index_bench.py", "commit_bench.py"]
LATENCY_COLUMNS = [
    ("model", "model"), ("label", "contender"), ("tts_p50_ms", "p50 ms"), ("tts_p95_ms", "p95 ms"),
    ("pause_tts_p50_ms", "at pauses p50 ms"), ("pause_tts_p95_ms", "at pauses p95 ms"),
    ("answered_of_keys", "answered / keys"), ("shown", "with text"), ("pauses_shown", "pauses answered"),
    ("cancelled", "cancelled"), ("mean_generated_tokens", "tokens / answer"),
    ("new_tokens_mean", "prompt tokens evaluated / request"), ("reused_tokens_mean", "reused from KV cache"),
    ("model_calls", "model calls"), ("cache_hits", "calls avoided (cache)"),
]
FLOOR_COLUMNS = [
    ("model", "model"), ("prompt_format", "FIM format"), ("fim_order", "order"), ("tts_p50_ms", "engine p50 ms"),
    ("tts_p95_ms", "engine p95 ms"), ("prompt_tokens_mean", "prompt tokens / request"),
    ("reused_tokens_mean", "reused (KV cache)"), ("new_tokens_mean", "newly evaluated"),
    ("pairs", "keys both answered"), ("overhead_p50_ms", "ours minus floor p50 ms"),
    ("overhead_p95_ms", "ours minus floor p95 ms"), ("server_overhead_p50_ms", "ours minus engineMs p50"),
    ("server_overhead_p95_ms", "ours minus engineMs p95"),
]
RATIO_COLUMNS = [("model", "model"), ("peer", "peer"), ("ratio_p50", "ours / theirs p50"),
                 ("ratio_pause_p50", "ours / theirs at pauses p50"), ("ratio_p95", "ours / theirs p95"),
                 ("shown", "answered before the next key (ours vs theirs)")]


def embedded_model() -> str | None:
    try:
        from lsp_server.model.loader import embedded_model_path

        return embedded_model_path()
    except Exception:  # noqa: BLE001
        return None


def describe_model(path: str) -> dict:
    """What the tables say about a model file: its name, shape and size."""
    info = {"file": Path(path).name, "size_mb": round(Path(path).stat().st_size / 1e6, 1)}
    try:
        from lsp_server.model.gguf_file import read_gguf

        gguf = read_gguf(path)
        info.update(name=gguf.metadata.get("general.name", ""), architecture=gguf.architecture,
                    layers=gguf.arch_value("block_count"), width=gguf.arch_value("embedding_length"),
                    fim=any(k.startswith("tokenizer.ggml.fim_") for k in gguf.metadata))
    except Exception as exc:  # noqa: BLE001
        info["error"] = str(exc)
    return info


def git_commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    commit = git("rev-parse", "HEAD")
    return commit + ("-dirty" if git("status", "--porcelain", "--untracked-files=no") else "")


def machine(gpu: bool) -> dict:
    info = {"platform": platform.platform(), "python": platform.python_version(), "cpus": os.cpu_count()}
    try:
        info["cpu"] = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if "model name" in line)
        info["memory_gb"] = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (OSError, StopIteration, ValueError):
        pass
    try:
        import llama_cpp

        info["llama_cpp_python"] = llama_cpp.__version__
        info["gpu_offload"] = bool(llama_cpp.llama_supports_gpu_offload())
    except Exception:  # noqa: BLE001
        pass
    if gpu:
        query = subprocess.run(["nvidia-smi", "--query-gpu=name,memory.total,driver_version", "--format=csv,noheader"],
                               capture_output=True, text=True)
        info["gpu"] = query.stdout.strip()
    return info


def step(name: str, results: dict, call):
    """Run one benchmark; a failure is recorded and reported, never fatal to the others."""
    save(results)  # what came before survives if this step is cut short
    began = time.perf_counter()
    print(f"... {name}", file=sys.stderr, flush=True)
    try:
        value = call()
    except Exception as exc:  # noqa: BLE001
        results["errors"].append({"step": name, "error": f"{exc!r}"[:4000]})
        print(f"!!! {name} failed: {exc!r}"[:2000], file=sys.stderr, flush=True)
        traceback.print_exc(limit=3)
        return None
    print(f"    {name}: {time.perf_counter() - began:.1f} s", file=sys.stderr, flush=True)
    return value


def bench_model(model: str, args, results: dict) -> None:
    """Ours, the first peer, the floor, the other peers, ours as shipped: the most telling first."""
    common = dict(quick=args.quick, max_tokens=args.max_tokens, gpu=args.gpu, threads=args.threads)
    name = Path(model).name
    rows = results["latency"]
    ours = step(f"typing {name}", results, lambda: asyncio.run(typing_sim.run(model, context=False, **common)))
    if ours:
        rows.append(ours["summary"])
    for position, peer_name in enumerate(args.peers):
        server_name, _, client = peer_name.partition("+")
        theirs = step(f"peer {peer_name} {name}", results, lambda s=server_name, c=client: asyncio.run(
            peer.run(model, peer=s, client=c or "editor", **common)))
        if theirs:
            rows.append(theirs["summary"])
            if ours:
                results["ratios"].append(ratio(name, ours["summary"], theirs["summary"], peer_name))
        if position == 0:
            run_floor(model, name, common, ours, results)
    if not args.peers:
        run_floor(model, name, common, ours, results)
    if not args.quick or args.gpu or args.shipped:
        shipped = step(f"typing as shipped {name}", results, lambda: asyncio.run(
            typing_sim.run(model, context=True, multiline="auto", label="ours as shipped (repo context, auto)",
                           **common)))
        if shipped:
            rows.append(shipped["summary"])
        if shipped and "llama-server+llama.vim" in args.peers:
            theirs = step(f"peer llama-server+llama.vim as shipped {name}", results, lambda: asyncio.run(
                peer.run(model, peer="llama-server", client="llama.vim", shipped=True, **common)))
            if theirs:
                rows.append(theirs["summary"])
                results["ratios"].append(ratio(name, shipped["summary"], theirs["summary"],
                                               "llama-server+llama.vim, both as shipped"))
    if args.inside:
        package = args.inside.split("==")[0]
        large = step(f"typing as shipped inside {args.inside} {name}", results, lambda: asyncio.run(
            typing_sim.run(model, context=True, multiline="auto", inside=args.inside,
                           label=f"ours as shipped, inside {package}", **common)))
        if large:
            large["summary"]["label"] += f" ({large['summary'].get('workspace_files')} files)"
            rows.append(large["summary"])
    results.setdefault("attempts", {})[name] = {"ours": ours["attempts"] if ours else None}


def run_floor(model: str, name: str, common: dict, ours: dict | None, results: dict) -> None:
    base = step(f"floor {name}", results, lambda: floor.run(model, **common))
    if not base:
        return
    results["latency"].append(base["summary"])
    floor_row = {key: base["summary"].get(key) for key, _ in FLOOR_COLUMNS}
    if ours:
        floor_row.update(floor.overhead(ours["attempts"], base["attempts"]))
        floor_row.update({k: ours["summary"].get(k) for k in ("server_overhead_p50_ms", "server_overhead_p95_ms")})
    results["floor"].append(floor_row)


def ratio(model: str, ours: dict, theirs: dict, peer_name: str) -> dict:
    def divide(key: str):
        a, b = ours.get(key), theirs.get(key)
        return round(a / b, 2) if a is not None and b else None

    return {"model": model, "peer": peer_name, "ratio_p50": divide("tts_p50_ms"),
            "ratio_pause_p50": divide("pause_tts_p50_ms"), "ratio_p95": divide("tts_p95_ms"),
            "shown": f"{ours.get('answered')} vs {theirs.get('answered')}"}


def run_other(script: str, args) -> dict | None:
    path = BENCH / script
    if not path.exists():
        return None
    helptext = subprocess.run([sys.executable, str(path), "--help"], capture_output=True, text=True, timeout=120).stdout
    command = [sys.executable, str(path)] + (["--quick"] if args.quick and "--quick" in helptext else [])
    began = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=args.other_timeout)
    return {"script": f"bench/{script}", "command": " ".join(["python", f"bench/{script}", *command[2:]]),
            "returncode": done.returncode, "seconds": round(time.perf_counter() - began, 1),
            "stdout": done.stdout[-20000:], "stderr_tail": done.stderr[-2000:] if done.returncode else ""}


def render(results: dict) -> str:
    keys = typing_script(results["quick"])
    out = [f"## coder-lsp benchmarks ({results['name']}, {results['date']}, commit {results['commit'][:12]})", "",
           f"Machine: {results['machine'].get('cpu', '?')} ({results['machine'].get('cpus')} CPUs)"
           + (f", GPU {results['machine']['gpu']}" if results["machine"].get("gpu") else "")
           + f"; llama-cpp-python {results['machine'].get('llama_cpp_python', '?')}"
           + f"; llama.cpp threads: {results.get('threads') or 'default'}.", "",
           "Models: " + "; ".join(f"`{m['file']}` = {m.get('name') or '?'} ({m.get('architecture')}, "
                                  f"{m.get('layers')} layers x {m.get('width')}, {m['size_mb']} MB"
                                  f"{', FIM' if m.get('fim') else ', no FIM: prefix-only'})"
                                  for m in results["models"]) + ".", "",
           f"### Time to answer while typing ({len(keys)} keystrokes at ~100 ms/key, "
           f"{sum(1 for k in keys if k.pause_ms >= PAUSE_MS)} pauses >= {PAUSE_MS} ms; "
           f"max {results['max_tokens']} tokens, greedy)", ""]
    for row in results["latency"]:
        row["answered_of_keys"] = f"{row.get('answered')} / {row.get('keystrokes')}"
        row["pauses_shown"] = f"{row.get('pauses_answered')} / {row.get('pauses')}"
    out += [markdown_table(results["latency"], LATENCY_COLUMNS), ""]
    if results["ratios"]:
        out += ["### Ours / llama.cpp's server, same model, keystrokes and generated tokens (lower is better)", "",
                markdown_table(results["ratios"], RATIO_COLUMNS), ""]
    if results["floor"]:
        out += ["### The floor: the engine alone on the same prompts, and our overhead above it", "",
                markdown_table(results["floor"], FLOOR_COLUMNS), ""]
    for other in results["others"]:
        out += [f"### {other['script']} (`{other['command']}`, exit {other['returncode']}, {other['seconds']} s)", "",
                other["stdout"].strip() or "(no output)", ""]
    for error in results["errors"]:
        out += [f"- {error['step']} failed: `{error['error'][:300]}`"]
    return "\n".join(out).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a third of the keystrokes; skip the as-shipped run")
    parser.add_argument("--gpu", action="store_true", help="offload to the GPU (models from --model)")
    parser.add_argument("--model", action="append", help="GGUF to benchmark (repeatable)")
    parser.add_argument("--name", help="results file name (default: cpu or gpu, plus -quick)")
    parser.add_argument("--max-tokens", type=int, default=32)
    parser.add_argument("--threads", type=int, help="llama.cpp threads for every contender")
    parser.add_argument("--peers", default="llama-server,llama-server+llama.vim,llama_cpp.server",
                        help="SERVER[+llama.vim] list: llama-server, llama_cpp.server; +llama.vim = its client logic")
    parser.add_argument("--skip-others", action="store_true", help="only the latency benchmarks")
    parser.add_argument("--shipped", action="store_true",
                        help="with --quick: also ours and llama.vim each as shipped (the full run always has them)")
    parser.add_argument("--inside", metavar="NAME==VERSION",
                        help="also type, as shipped, inside a copy of this source package (e.g. Django==5.2.6)")
    parser.add_argument("--other-timeout", type=int, default=900)
    parser.add_argument("--render", metavar="JSON", help="print the tables of an earlier results file, rewrite its .md")
    args = parser.parse_args(argv)
    if args.render:
        results = json.loads(Path(args.render).read_text())
        text = render(results)
        Path(args.render).with_suffix(".md").write_text(text)
        print(text)
        return 0
    args.peers = [p for p in args.peers.split(",") if p]
    if not args.gpu and not args.threads:  # the same for every contender; half the cores avoids spin-wait stalls
        args.threads = max(1, (os.cpu_count() or 2) // 2)
    models = args.model or [str(TINY_MODEL)] + ([m] if (m := embedded_model()) else [])
    name = args.name or ("gpu" if args.gpu else "cpu") + ("-quick" if args.quick else "")
    results = {"name": name, "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
               "commit": git_commit(), "machine": machine(args.gpu), "quick": args.quick,
               "max_tokens": args.max_tokens, "threads": args.threads,
               "models": [describe_model(model) for model in models],
               "command": " ".join(["python", "bench/run.py", *(argv if argv is not None else sys.argv[1:])]),
               "latency": [], "ratios": [], "floor": [], "others": [], "errors": []}
    for model in models:
        bench_model(model, args, results)
        save(results)  # a run cut short (a device time limit) keeps what it measured
    if not args.skip_others:
        for script in OTHER_BENCHES:
            other = step(script, results, lambda s=script: run_other(s, args))
            if other:
                results["others"].append(other)
                save(results)
    print(save(results))
    return 1 if results["errors"] and not results["latency"] else 0


def save(results: dict) -> str:
    text = render(results)
    out_dir = Path(os.environ.get("BENCH_RESULTS", BENCH / "results"))
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"{results['name']}.json").write_text(json.dumps(results, indent=1, default=str))
    (out_dir / f"{results['name']}.md").write_text(text)
    return text


if __name__ == "__main__":
    sys.exit(main())
