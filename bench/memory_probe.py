"""Run `coder-lsp serve` with a memory probe: on SIGUSR1 it appends where its memory is to a JSONL file.

For `bench/soak.py --memory-probe FILE` and `bench/fuzz.py --memory-probe FILE`:
each line has glibc's heap figures (`mallinfo2`: in use, free, mmapped),
Python's allocated block count, the sizes of the bounded memos (token texts
and chunks, subwords, saved KV document states, the retrieval caches'
texts and lines, the parse cache), llama_decode calls by batch size since
the last line, idle heap trims so far, and the RSS of the largest mappings
from /proc/self/smaps (a thread's malloc arena, a llama.cpp buffer first
touched page by page, the brk heap), so RSS growth can be told apart: a
memo filling to its cap, pages of a preallocated buffer touched late,
fragmentation, or a leak. Bench only: the server never imports it.

    CODER_LSP_MEMORY_PROBE=out.jsonl python bench/memory_probe.py

With CODER_LSP_MEMORY_PROBE_TRIM=1 each probe then calls malloc_trim(0)
and records the RSS after it (free heap pages glibc had kept). With
CODER_LSP_MEMORY_PROBE_TRACE=N, tracemalloc runs (N frames; slow) and each
probe lists the Python allocation sites that grew most since the first probe.
"""

from __future__ import annotations

import ctypes
import gc
import json
import os
import runpy
import signal
import sys
import threading
import tracemalloc

_BASELINE: list = []  # the first probe's tracemalloc snapshot
_BATCHES: dict[str, int] = {}  # llama_decode calls by batch size since the last probe
BUCKETS = ((1, "1"), (8, "2-8"), (32, "9-32"), (128, "33-128"), (1 << 30, "129+"))

class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]


def _mappings(top: int = 6) -> dict[str, float]:
    sizes, key = {}, None
    with open("/proc/self/smaps") as smaps:
        for line in smaps:
            parts = line.split()
            if parts and "-" in parts[0] and not parts[0].endswith(":"):
                start, end = (int(x, 16) for x in parts[0].split("-"))
                key = f"{parts[0].split('-')[0]} {(end - start) >> 20}MB {parts[5] if len(parts) > 5 else '[anon]'}"
            elif parts and parts[0] == "Rss:" and key:
                sizes[key] = round(int(parts[1]) / 1024, 1)
    return dict(sorted(sizes.items(), key=lambda item: -item[1])[:top])


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return round(int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)


def _memos() -> dict:
    from context import lookup
    from lsp_server.model import heap
    from lsp_server.model.tokens import TokenMemo

    from lsp_server.model.doc_states import DocumentStates

    objects = gc.get_objects()
    memos = [o for o in objects if isinstance(o, TokenMemo)]
    states = [o for o in objects if isinstance(o, DocumentStates)]
    return {"tokenTexts": [len(m._texts) for m in memos], "tokenChunks": [len(m._chunks) for m in memos],
            "tokenMemoMb": [round((m._texts.bytes + m._chunks.bytes) / 2**20, 2) for m in memos],
            "docStates": [len(st._saved) for st in states], "docStatesMb": [round(st.bytes / 2**20, 1) for st in states],
            "subwords": lookup.subwords.cache_info().currsize, "idleTrims": heap.trims, **_context_caches()}


def _context_caches() -> dict:
    """What the retrieval caches hold (texts are shared with open documents while those stay open)."""
    from context import lookup, retrieval, similar, syntax

    lines = list(retrieval._LINES.values())
    windows = list(similar.WINDOWS._items.values())
    return {"splitLinesTexts": len(lines), "splitLinesChars": sum(len(text) for text, _ in lines),
            "splitLinesLines": sum(len(split) for _, split in lines),
            "windowTexts": len(windows), "windowChars": sum(len(text) for text, _ in windows),
            "parseCacheSourceBytes": sum(len(item[0]) for item in list(syntax._CACHE._items.values())),
            "lookupFiles": len(lookup._LOOKUPS), "findMemo": len(lookup._FIND_MEMO)}


def _python_growth(top: int = 12) -> list:
    snapshot = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)])
    if not _BASELINE:
        _BASELINE.append(snapshot)
        return []
    stats = snapshot.compare_to(_BASELINE[0], "traceback")
    return [[" <- ".join(f"{f.filename.rsplit('/', 2)[-1]}:{f.lineno}" for f in stat.traceback),
             round(stat.size_diff / 1024, 1), stat.count_diff] for stat in stats[:top]]


def probe(path: str) -> None:
    libc = ctypes.CDLL("libc.so.6")
    libc.mallinfo2.restype = _MallInfo2
    info = libc.mallinfo2()
    row = {"mallocInUseMb": round(info.uordblks / 2**20, 2), "mallocFreeMb": round(info.fordblks / 2**20, 2),
           "mallocMmapMb": round(info.hblkhd / 2**20, 2), "pythonBlocks": sys.getallocatedblocks(),
           "rssMb": _rss_mb(), **_memos(), "decodeBatches": dict(_BATCHES), "largestMappingsRssMb": _mappings()}
    _BATCHES.clear()
    if tracemalloc.is_tracing():
        row["pythonGrowthKb"] = _python_growth()
    if os.environ.get("CODER_LSP_MEMORY_PROBE_TRIM"):  # how much of the RSS is free heap glibc kept
        libc.malloc_trim(0)
        row["rssAfterTrimMb"] = _rss_mb()
    with open(path, "a") as out:
        out.write(json.dumps(row) + "\n")


def _count_batches() -> None:
    """Count llama_decode batch sizes: llama.cpp's compute buffer is touched as batch x cached span grows."""
    import llama_cpp
    import llama_cpp.llama_cpp as low

    decode = low.llama_decode

    def counted(ctx, batch):
        size = batch.n_tokens
        label = next(name for top, name in BUCKETS if size <= top)
        _BATCHES[label] = _BATCHES.get(label, 0) + 1
        return decode(ctx, batch)

    low.llama_decode = llama_cpp.llama_decode = counted


def main() -> None:
    path = os.environ["CODER_LSP_MEMORY_PROBE"]
    _count_batches()
    if os.environ.get("CODER_LSP_MEMORY_PROBE_TRACE"):
        tracemalloc.start(int(os.environ["CODER_LSP_MEMORY_PROBE_TRACE"]))
    signal.signal(signal.SIGUSR1, lambda *_: threading.Thread(target=probe, args=(path,), daemon=True).start())
    sys.argv = ["lsp_server", "serve"]
    runpy.run_module("lsp_server", run_name="__main__")


if __name__ == "__main__":
    main()
