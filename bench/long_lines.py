"""Per-keystroke work against the length of the cursor's line: is anything worse than linear?

Times each step a completion runs before and after the model (document
position, prompt prefix, sticky context, ranking + retrieval, similar-code
query, post-processing windows) with the cursor at the end of one long line of
word characters, for growing lengths. Linear steps grow about 2x from row to
row (the lengths double); a quadratic one grows 4x. No model is loaded.

    PYTHONPATH=$PWD .venv/bin/python bench/long_lines.py [--lengths 8000,16000,...]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from context.index import RepositoryIndex  # noqa: E402
from context.retrieval import retrieve  # noqa: E402
from context.similar import query  # noqa: E402
from context.sticky import cursor_names  # noqa: E402
from lsp_server.assist.postprocess import CompletionSite, wants_multiline  # noqa: E402
from lsp_server.assist.prompt_window import prefix_start, window  # noqa: E402
from lsp_server.positions import offset_at  # noqa: E402

HEAD = "import os\nfrom util import add\n\n\ndef total(values):\n    return "


def timed(step, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        step()
        best = min(best, time.perf_counter() - started)
    return best * 1000


def steps(index, path: str, text: str) -> dict:

    offset = len(text)
    line = text[text.rfind("\n") + 1 :]
    lines = text.count("\n")
    return {
        "position": lambda: offset_at(text, lines, len(line), "utf-16"),
        "prefix_start": lambda: prefix_start(text, offset),
        "sticky names": lambda: cursor_names(text, offset - len(line), offset, offset),
        "similar query": lambda: query(text, offset),
        "retrieve": lambda: retrieve(index, path, text, offset, 1024),
        "postprocess site": lambda: wants_multiline(CompletionSite(*window(text, offset), "python")),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lengths", default="8000,16000,32000,64000,1000000,5000000")
    parser.add_argument("--lines", choices=("word", "dotted"), default="word",
                        help="the long line: one run of letters, or `os.os.os.` (an after-dot chain)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "util.py").write_text("def add(a, b):\n    return a + b\n")
        path = str(root / "main.py")
        index = RepositoryIndex(folder, watch=False)
        index.start()
        while not index.ready:
            time.sleep(0.01)
        rows = []
        for length in map(int, args.lengths.split(",")):
            run = "a" * length if args.lines == "word" else ("os." * (length // 3))
            text = HEAD + run
            rows.append((length, {name: timed(step) for name, step in steps(index, path, text).items()}))
        index.stop()
    names = list(rows[0][1])
    print(f"line: {args.lines}; best of 3, ms\n")
    print("| line chars | " + " | ".join(names) + " |")
    print("|---:|" + "---:|" * len(names))
    for length, times in rows:
        print(f"| {length:,} | " + " | ".join(f"{times[name]:.2f}" for name in names) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
