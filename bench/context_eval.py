"""Dev evaluation of repository context per language and per cause, vs a Jaccard baseline.

Tasks are committed in `bench/context_sets/tasks/` (mined with each language's
own front end: Python `ast`, the TypeScript compiler API, Go `go/types`; see
`bench/context_sets/mine.py`). A task puts the cursor on the first character of
an identifier inside a function body that is defined in another file of the
project, hides the rest of that line, and asks for context. Recall at a budget
is the share of tasks where a returned snippet of the gold file shows the gold
line (inside its span and not elided). The sources are pinned registry packages, fetched once into
`.cache/bench-src/context-sets/` (`bench/context_sets/sources.py`); after that
the eval runs offline.

The baseline is the usual similar-code retrieval: 20-line windows (stride 10)
of every other file of the language, ranked by identifier-set Jaccard against
the 20 lines above the cursor, packed best-first under the same budget (4 chars
a token). Prints markdown tables; `--json FILE` keeps the numbers.

    .venv/bin/python bench/context_eval.py [--projects rxjs go-cmp | --held-out | --new-held-out | --fresh-held-out]
        [--json out.json] [--misses misses.jsonl]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench" / "context_sets"))

from sources import DEV_PROJECTS, HERE as SETS, PROJECTS, chosen_projects, source_root  # noqa: E402

BUDGETS = (1024, 2048)
IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
SUFFIXES = {"python": (".py",), "typescript": (".ts", ".tsx"), "go": (".go",)}
SKIP_DIRS = {".git", "node_modules", "testdata", "vendor", "__pycache__"}


def _field(task, name: str):
    """Tasks are dicts here; bench/index_bench.py passes the Python miner's `Task` objects."""
    return task[name] if isinstance(task, dict) else getattr(task, name)


def load_tasks(name: str) -> list[dict]:
    path = SETS / "tasks" / f"{name}.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def source_files(root: Path, language: str) -> list[str]:
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        found += [os.path.relpath(os.path.join(folder, f), root).replace(os.sep, "/")
                  for f in sorted(files) if f.endswith(SUFFIXES[language])]
    return found


def masked(root: Path, task) -> tuple[str, int]:
    """The file with the rest of the task's line hidden, and the cursor offset."""
    file, line, column = _field(task, "file"), _field(task, "line"), _field(task, "column")
    lines = (root / file).read_text(encoding="utf-8", errors="replace").split("\n")
    lines[line - 1] = lines[line - 1][:column]
    offset = sum(len(text) + 1 for text in lines[: line - 1]) + column
    return "\n".join(lines), offset


# -- the Jaccard baseline ------------------------------------------------------------
class JaccardBaseline:
    def __init__(self, root: Path, files: list[str], window: int = 20, stride: int = 10) -> None:
        self.windows = []  # (rel, start, end, identifiers, tokens)
        self.window = window
        for rel in files:
            lines = (root / rel).read_text(encoding="utf-8", errors="replace").split("\n")
            for start in range(0, max(len(lines) - window, 0) + 1, stride):
                chunk = lines[start:start + window]
                text = "\n".join(chunk)
                self.windows.append((rel, start + 1, start + len(chunk), frozenset(IDENTIFIER.findall(text)),
                                     math.ceil(len(text) / 4)))

    def retrieve(self, rel: str, text: str, offset: int, budget: int) -> list[tuple[str, int, int]]:
        before = text[:offset].split("\n")[-self.window:]
        query = frozenset(IDENTIFIER.findall("\n".join(before)))
        scored = []
        for window in self.windows:
            if window[0] == rel or not query:
                continue
            shared = len(query & window[3])
            if shared:
                scored.append((shared / (len(query) + len(window[3]) - shared), window))
        scored.sort(key=lambda item: (-item[0], item[1][0], item[1][1]))
        chosen, used = [], 0
        for _, (file, start, end, _, tokens) in scored:
            if used + tokens > budget:
                continue
            if any(f == file and start <= e and s <= end for f, s, e in chosen):
                continue
            chosen.append((file, start, end))
            used += tokens
            if budget - used < 20:
                break
        return chosen


# -- running -------------------------------------------------------------------------
def hit(spans, task) -> bool:
    gold_file, gold_line = _field(task, "gold_file"), _field(task, "gold_line")
    return any(f == gold_file and s <= gold_line <= e for f, s, e in spans)


def shows(root: Path, snippets, task) -> bool:
    """Whether a snippet shows the gold line itself (an outline's span can cover it yet elide it)."""
    gold_file, gold_line = _field(task, "gold_file"), _field(task, "gold_line")
    wanted = _gold_text(root, gold_file, gold_line)
    return any(s.file == gold_file and s.start_line <= gold_line <= s.end_line
               and wanted in (line.strip() for line in s.text.split("\n")) for s in snippets)


_GOLD_LINES: dict[tuple, str] = {}


def _gold_text(root: Path, rel: str, line: int) -> str:
    key = (str(root), rel, line)
    if key not in _GOLD_LINES:
        _GOLD_LINES[key] = (root / rel).read_text(encoding="utf-8", errors="replace").split("\n")[line - 1].strip()
    return _GOLD_LINES[key]


# -- for bench/index_bench.py: mining a source package it fetches itself ----------------
def fetch_sources(packages: dict[str, str]) -> dict[str, Path]:
    """Each NAME: VERSION source package (an sdist from pip), unpacked under the bench cache."""
    import sources
    roots = {}
    for name, version in packages.items():
        key = f"{name}-{version}"
        sources.PROJECTS.setdefault(key, ("python", "pip", f"{name}=={version}", ""))
        unpacked = sources.source_root(key)  # the sdist's one folder (its name's case varies) is inside
        roots[name] = next(p for p in sorted(unpacked.iterdir()) if p.is_dir())
    return roots


def sample(tasks: list, limit: int, per_gold: int = 3) -> list:
    from mine import sample as sample_dicts
    from mine_python import Task
    chosen = sample_dicts([t.__dict__ for t in tasks], limit, per_gold)
    return [Task(**t) for t in chosen]


def Package(root: Path):  # noqa: N802 - the miner's class, under its old name here
    from mine_python import Package as Miner
    return Miner(root)


def evaluate(name: str, cache_dir: Path) -> dict:
    from context.index import RepositoryIndex
    from context.retrieval import retrieve

    language = PROJECTS[name][0]
    root = source_root(name)
    tasks = load_tasks(name)
    index = RepositoryIndex(str(root), cache_dir=str(cache_dir), watch=False).start()
    index.wait_ready()
    baseline = JaccardBaseline(root, source_files(root, language))
    result = {"project": name, "language": language, "tasks": len(tasks), "hits": [], "latency_ms": [],
              "cpu_ms": [], "baseline_ms": [], "snippets": []}
    for task in tasks:
        text, offset = masked(root, task)
        row = {"cause": task["cause"], "ours": {}, "baseline": {}, "task": task}
        for budget in BUDGETS:
            started, cpu_started = time.perf_counter(), time.thread_time()
            snippets = retrieve(index, task["file"], text, offset, budget)
            result["latency_ms"].append((time.perf_counter() - started) * 1000)
            result["cpu_ms"].append((time.thread_time() - cpu_started) * 1000)
            row["ours"][budget] = shows(root, snippets, task)
            if budget == BUDGETS[0]:
                result["snippets"].append(len(snippets))
            started = time.perf_counter()
            row["baseline"][budget] = hit(baseline.retrieve(task["file"], text, offset, budget), task)
            result["baseline_ms"].append((time.perf_counter() - started) * 1000)
        result["hits"].append(row)
    index.stop()
    return result


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def _share(rows: list[dict], side: str, budget: int) -> str:
    return f"{sum(r[side][budget] for r in rows) / len(rows):.1%}" if rows else "-"


def report(results: list[dict]) -> str:
    out = ["| project | language | tasks | ours @1024 | baseline @1024 | ours @2048 | baseline @2048 | p50 ms "
           "| p95 ms | p95 CPU ms | max snippets |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    by_language: dict[str, dict] = defaultdict(lambda: {"hits": [], "latency_ms": [], "cpu_ms": [], "snippets": []})
    for r in results:
        for key in ("hits", "latency_ms", "cpu_ms", "snippets"):
            by_language[r["language"]][key] += r[key]
    rows = [(r["project"], r["language"], r) for r in results]
    rows += [(f"**{language}**", language, r) for language, r in sorted(by_language.items())]
    for project, language, r in rows:
        hits = r["hits"]
        out.append(f"| {project} | {language} | {len(hits)} | {_share(hits, 'ours', 1024)} | "
                   f"{_share(hits, 'baseline', 1024)} | {_share(hits, 'ours', 2048)} | "
                   f"{_share(hits, 'baseline', 2048)} | {percentile(r['latency_ms'], 0.5):.2f} | "
                   f"{percentile(r['latency_ms'], 0.95):.2f} | {percentile(r['cpu_ms'], 0.95):.2f} | "
                   f"{max(r['snippets'], default=0)} |")
    out += ["", "| language | cause | tasks | ours @1024 | ours @2048 | baseline @1024 |", "|---|---|---|---|---|---|"]
    for language, r in sorted(by_language.items()):
        causes: dict[str, list] = defaultdict(list)
        for row in r["hits"]:
            causes[row["cause"]].append(row)
        for cause, hits in sorted(causes.items()):
            out.append(f"| {language} | {cause} | {len(hits)} | {_share(hits, 'ours', 1024)} | "
                       f"{_share(hits, 'ours', 2048)} | {_share(hits, 'baseline', 1024)} |")
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--projects", nargs="*",
                        default=DEV_PROJECTS,
                        help="subset of the dev-set projects (default: all of them)")
    parser.add_argument("--held-out", action="store_true", help="the held-out projects instead (never tuned on)")
    parser.add_argument("--new-held-out", action="store_true", help="the held-out projects added on 2026-12-01")
    parser.add_argument("--fresh-held-out", action="store_true", help="those added at stop 36 (never traced)")
    parser.add_argument("--json", metavar="FILE", help="also write the raw numbers here")
    parser.add_argument("--misses", metavar="FILE", help="write each task missed at 1,024 tokens here (JSON lines)")
    args = parser.parse_args()
    if args.held_out or args.new_held_out or args.fresh_held_out:
        args.projects = chosen_projects(args.held_out, args.new_held_out, args.fresh_held_out)
    results = []
    cache = ROOT / ".cache" / "bench-src" / "context-sets-index"
    for name in args.projects:
        results.append(evaluate(name, cache / name))
        print(f"{name}: {results[-1]['tasks']} tasks", file=sys.stderr)
    print(report(results))
    base_ms = [ms for r in results for ms in r["baseline_ms"]]
    print(f"\nbaseline latency p50 {percentile(base_ms, 0.5):.2f} ms, p95 {percentile(base_ms, 0.95):.2f} ms "
          f"(brute force over every window; no index)")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    if args.misses:
        Path(args.misses).write_text("".join(json.dumps({"project": r["project"], **row["task"]}) + "\n"
                                             for r in results for row in r["hits"] if not row["ours"][BUDGETS[0]]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
