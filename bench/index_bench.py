"""Benchmark the repository index on a large real workspace (the Django source package).

Measures cold indexing throughput (files/s, empty cache), warm restart from
the on-disk cache, the delay until one edit is visible (through
`file_changed`, through watchdog alone, and through `set_document`),
retrieval latency p50/p95 at a 1,024-token budget on cursors mined like
`bench/context_eval.py` (with their recall, as a held-out check: Django is
not in the dev set), and resident memory. The sdist is fetched with `pip
download --no-deps --no-binary :all:` into `.cache/bench-src/` and copied to a
temporary folder, so edits never touch the cache. Prints a markdown table.

    .venv/bin/python bench/index_bench.py [--package Django==5.2.6] [--cursors 200]
"""

from __future__ import annotations

import argparse
import gc
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from context_eval import Package, fetch_sources, hit, masked, percentile, sample  # noqa: E402

from context.cache import content_hash  # noqa: E402
from context.index import RepositoryIndex  # noqa: E402
from context.syntax import encode  # noqa: E402
from context.retrieval import retrieve  # noqa: E402


OPEN_TABS = 16


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def timed_index(root: Path, cache: Path, watch: bool = False) -> tuple[RepositoryIndex, float, float]:
    """The index once ready, with the wall and the process CPU seconds it took."""
    started, cpu_started = time.perf_counter(), time.process_time()
    index = RepositoryIndex(str(root), cache_dir=str(cache), watch=watch).start()
    index.wait_ready()
    return index, time.perf_counter() - started, time.process_time() - cpu_started


def wait_for(condition, timeout: float = 30.0) -> float:
    started = time.perf_counter()
    while not condition():
        if time.perf_counter() - started > timeout:
            return float("nan")
        time.sleep(0.001)
    return time.perf_counter() - started


def edit_delays(index: RepositoryIndex, root: Path, target: str) -> dict[str, float]:
    path = root / target
    original = path.read_text()
    delays = {}
    path.write_text(original + "\n\ndef bench_edit_one():\n    return 1\n")
    started = time.perf_counter()
    index.file_changed(str(path))
    wait_for(lambda: index.table.definitions_named("bench_edit_one"))
    delays["one edit via file_changed"] = time.perf_counter() - started
    time.sleep(1.0)  # let watchdog's events for that write drain, so the next one is timed alone
    path.write_text(original + "\n\ndef bench_edit_two():\n    return 2\n")  # no notice: watchdog must see it
    delays["one edit via watchdog alone"] = wait_for(lambda: index.table.definitions_named("bench_edit_two"))
    time.sleep(1.0)
    started = time.perf_counter()
    index.set_document(str(path), original + "\n\ndef bench_edit_three():\n    return 3\n")
    wait_for(lambda: index.table.definitions_named("bench_edit_three"))
    delays["one keystroke via set_document"] = time.perf_counter() - started
    return delays


def retrieval_latency(index: RepositoryIndex, root: Path, tasks: list):
    """Per cursor, as in an editor: open the file (`set_document`, indexed in the background), then
    the first completion request, then the same again (the next keystroke). The last 16 files stay
    open, like editor tabs, and feed similar code."""
    first: tuple[list[float], list[float]] = ([], [])
    again: tuple[list[float], list[float]] = ([], [])
    hits = 0
    opened: list[str] = []
    for task in tasks:
        text, offset = masked(root, task)
        index.set_document(str(root / task.file), text)
        digest = content_hash(encode(text))
        wait_for(lambda: getattr(index.table.get(task.file), "digest", None) == digest)
        time.sleep(0.01)  # the indexing thread warms caches right after
        for wall, cpu in (first, again):
            started, cpu_started = time.perf_counter(), time.thread_time()
            snippets = retrieve(index, task.file, text, offset, 1024)
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.thread_time() - cpu_started) * 1000)
        hits += hit([(s.file, s.start_line, s.end_line) for s in snippets], task)
        opened.append(str(root / task.file))
        if len(opened) > OPEN_TABS:
            index.forget_document(opened.pop(0))
    return first, again, hits / max(len(tasks), 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--package", default="Django==5.2.6", help="NAME==VERSION of a source package")
    parser.add_argument("--cursors", type=int, default=200, help="retrieval cursors to time")
    args = parser.parse_args()
    name, version = args.package.split("==")
    source = fetch_sources({name: version})[name]
    with tempfile.TemporaryDirectory(prefix="coder-lsp-index-bench-") as scratch:
        root, cache = Path(scratch) / "workspace", Path(scratch) / "cache"
        shutil.copytree(source, root)
        baseline_rss = rss_mib()
        index, cold_s, cold_cpu = timed_index(root, cache)
        stats = index.stats()
        indexed_rss = rss_mib()
        index.stop()
        del index
        gc.collect()
        warm, warm_s, warm_cpu = timed_index(root, cache, watch=True)
        warm_stats = warm.stats()
        wait_for(lambda: warm.stats()["watching"])
        time.sleep(0.5)  # let inotify watches settle before editing
        target = sorted(p for p in warm.table.paths() if p.endswith("/models/base.py"))[:1] or [warm.table.paths()[0]]
        delays = edit_delays(warm, root, target[0])
        tasks = sample(Package(root).tasks(), args.cursors)  # mining cursors parses all of Django: not ours
        gc.collect()
        before_retrieval_rss = rss_mib()
        first, again, recall = retrieval_latency(warm, root, tasks)
        gc.collect()
        final_rss = rss_mib()
        warm.stop()
    rows = [
        ("files indexed", f"{stats['files']} ({stats['definitions']} definitions; skipped {stats['skipped'] or 'none'})"),
        ("cold index", f"{cold_s:.2f} s = {stats['files'] / cold_s:.0f} files/s ({stats['parsed']} parsed; "
                       f"{cold_cpu:.2f} s CPU)"),
        ("warm restart from cache", f"{warm_s:.3f} s, {warm_cpu:.3f} s CPU ({warm_stats['from_cache']} from cache, "
                                    f"{warm_stats['parsed']} parsed)"),
        *((label, f"{seconds * 1000:.1f} ms") for label, seconds in delays.items()),
        *((f"retrieval p50 / p95, {label} ({kind})", f"{statistics.median(values):.2f} / {percentile(values, 0.95):.2f} ms")
          for label, timings in (("first request after opening", first), ("next keystroke", again))
          for kind, values in zip(("wall", "thread CPU"), timings)),
        ("retrieval cursors", f"{len(first[0])} (budget 1,024 tokens)"),
        (f"held-out recall @1024 ({name}, not in the dev set)", f"{recall:.1%}"),
        ("resident memory of the index", f"+{indexed_rss - baseline_rss:.0f} MiB ({baseline_rss:.0f} MiB before, "
                                         f"{indexed_rss:.0f} MiB indexed)"),
        ("resident memory added by retrieval (caches, 16 open files)",
         f"{final_rss - before_retrieval_rss:+.0f} MiB over the {len(tasks)} cursors (the process: {final_rss:.0f} MiB, "
         "most of it this benchmark's own cursor mining)"),
    ]
    print(f"Index benchmark on {name} {version}\n\n| measure | value |\n|---|---|")
    for label, value in rows:
        print(f"| {label} | {value} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
