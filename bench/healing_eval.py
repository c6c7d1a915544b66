"""Token healing measured on a real model: cursors right after a space, in real Python files.

The cursors are held out of nothing we tuned on: lines of installed packages'
sources (`.venv` site-packages: click, jinja2, attrs, h11, idna, filelock,
diskcache, anyio, dateutil) of the form `return VALUE` or `name = VALUE`,
picked by a checksum of the path and line, with the cursor after the space
that follows `return` or `=`. The model completes one line from the file's
text before the cursor (the last ~800 characters, from a line start); the
answer is compared with the rest of the real line: exact match, and edit
similarity (1 - Levenshtein distance / the longer length). Rows: healing off
(today's prompt, ending in a lone space), healing on, and for reference the
cursor moved before the space (the issue's workaround; its target then starts
with the space). Also counted: answers that start with a space, which
accepting would type twice.

    .venv/bin/python bench/healing_eval.py [--model PATH] [--cursors 30] [--before]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lsp_server.model.llama_engine import LlamaEngine  # noqa: E402
from lsp_server.model.loader import embedded_model_path  # noqa: E402
from lsp_server.model.settings import ModelSettings  # noqa: E402
from lsp_server.model.types import CancelToken, CompletionRequest  # noqa: E402

PACKAGES = ("click", "jinja2", "attr", "h11", "idna", "filelock", "diskcache", "anyio", "dateutil")
LINE = re.compile(r"^(\s*(?:return|[A-Za-z_][\w.]* =) )(\S.{2,70})$")
PREFIX_CHARS = 800


def site_packages() -> Path:
    return next((ROOT / ".venv" / "lib").glob("python3*/site-packages"))


def cursors(count: int) -> list[tuple[str, str, str]]:
    """(label, text before the cursor, rest of the line), at most two a file, spread by checksum."""
    found = []
    for package in PACKAGES:
        for path in sorted((site_packages() / package).rglob("*.py")):
            text = path.read_text(encoding="utf-8", errors="replace")
            offset, taken = 0, 0
            for number, line in enumerate(text.split("\n")):
                match = LINE.match(line)
                if match and taken < 2 and zlib.crc32(f"{path.name}:{number}".encode()) % 7 == 0:
                    cursor = offset + len(match.group(1))
                    start = text.find("\n", max(0, cursor - PREFIX_CHARS)) + 1 if cursor > PREFIX_CHARS else 0
                    found.append((f"{package}/{path.name}:{number + 1}", text[start:cursor], match.group(2)))
                    taken += 1
                offset += len(line) + 1
    step = max(1, len(found) // count)
    return found[::step][:count]


def levenshtein(a: str, b: str) -> int:
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        previous, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (ca != cb))
    return row[-1]


def similarity(a: str, b: str) -> float:
    return 1.0 - levenshtein(a, b) / max(len(a), len(b), 1)


def run(engine: LlamaEngine, samples, healing: bool, before_space: bool) -> dict:
    engine.token_healing = healing
    sims, exact, spaced, ms = [], 0, 0, []
    for _, prefix, target in samples:
        if before_space:
            prefix, target = prefix[:-1], " " + target
        started = time.perf_counter()
        text = engine.complete(CompletionRequest(prefix=prefix, max_tokens=16, stop=("\n",)), CancelToken()).text
        ms.append((time.perf_counter() - started) * 1000)
        text = text.rstrip()
        sims.append(similarity(text, target))
        exact += text == target
        spaced += text.startswith(" ") and not before_space
    return {"sim": statistics.mean(sims), "exact": exact, "spaced": spaced, "ms": statistics.median(ms)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=embedded_model_path())
    parser.add_argument("--cursors", type=int, default=30)
    parser.add_argument("--before", action="store_true", help="also the cursor moved before the space")
    args = parser.parse_args()
    engine = LlamaEngine(args.model, ModelSettings(n_ctx=2048, n_gpu_layers=0))
    samples = cursors(args.cursors)
    print(f"model {engine.name} ({engine.prompt_format}), {len(samples)} cursors after a space, one line each\n")
    print("| cursor | token healing | edit similarity | exact match | answers starting with a space | median ms |")
    print("|---|---|---|---|---|---|")
    rows = [("after the space", False, False), ("after the space", True, False)]
    for label, healing, before in rows + ([("moved before the space", False, True)] if args.before else []):
        row = run(engine, samples, healing, before)
        print(f"| {label} | {'on' if healing else 'off'} | {row['sim']:.3f} | {row['exact']}/{len(samples)} "
              f"| {row['spaced']} | {row['ms']:.0f} |")
    engine.close()


if __name__ == "__main__":
    main()
