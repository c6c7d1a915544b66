"""Dev evaluation of repository context: recall of cross-file definitions, vs a Jaccard baseline.

Tasks are mined with the standard library `ast` module (independent of the
tree-sitter code under test) from pinned pure-Python source packages, fetched
with `pip download --no-deps --no-binary :all:` into `.cache/bench-src/`.
A task puts the cursor on the first character of an identifier inside a
function body that is defined in another file of the package (an imported
name, or `module.attr` on an imported module), hides the rest of that line,
and asks for context. Gold is the file and line of the definition, found by
following imports and re-exports with `ast`. Recall at a budget is the share
of tasks whose gold line lies inside a returned snippet of the gold file.

The baseline is the usual similar-code retrieval: 20-line windows (stride 10)
of every other Python file, ranked by identifier-set Jaccard against the 20
lines above the cursor, packed best-first under the same budget (4 chars a
token). Prints markdown tables; `--json FILE` keeps the numbers.

    .venv/bin/python bench/context_eval.py [--per-package 60] [--packages rich requests] [--json out.json]
"""

from __future__ import annotations

import argparse
import ast
import json
import math
import os
import random
import re
import subprocess
import sys
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CACHE = ROOT / ".cache" / "bench-src"
PACKAGES = {
    "pygls": "2.1.1", "lsprotocol": "2025.0.0", "cattrs": "25.1.1", "GitPython": "3.1.45",
    "watchdog": "6.0.0", "rich": "14.1.0", "requests": "2.32.5", "pytest-lsp": "1.0.1",
}
BUDGETS = (1024, 2048)
SKIP_DIRS = {".git", "build", "dist", ".tox", "__pycache__", "node_modules", ".venv", "venv"}
IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
SEED = 20251128


# -- sources -------------------------------------------------------------------------
def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def fetch_sources(packages: dict[str, str]) -> dict[str, Path]:
    """Each package's unpacked sdist folder, downloading and unpacking what is missing."""
    archives = CACHE / "sdist"
    archives.mkdir(parents=True, exist_ok=True)
    roots = {}
    for name, version in packages.items():
        target = CACHE / f"{_normal(name)}-{version}"
        if not target.is_dir():
            archive = _find_archive(archives, name, version)
            if archive is None:
                subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
                                f"{name}=={version}", "-d", str(archives)], check=True)
                archive = _find_archive(archives, name, version)
            _unpack(archive, target)
        roots[name] = target
    return roots


def _find_archive(folder: Path, name: str, version: str) -> Path | None:
    prefix = f"{_normal(name)}_{_normal(version)}"
    for path in sorted(folder.iterdir()):
        stem = path.name.removesuffix(".tar.gz").removesuffix(".zip")
        if _normal(stem) == prefix:
            return path
    return None


def _unpack(archive: Path, target: Path) -> None:
    staging = target.with_name(target.name + ".tmp")
    with tarfile.open(archive) as tar:
        tar.extractall(staging, filter="data")
    (inner,) = list(staging.iterdir())
    inner.rename(target)
    staging.rmdir()


# -- mining with ast -------------------------------------------------------------------
@dataclass(frozen=True)
class Task:
    file: str
    line: int  # 1-based
    column: int  # characters
    identifier: str
    gold_file: str
    gold_line: int


class Package:
    """Modules of one source tree with their top-level definitions and import bindings."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files = sorted(_python_files(root))
        self.modules: dict[str, str] = {}  # dotted name (every suffix) -> rel path
        for rel in self.files:
            parts = rel[:-3].split("/")
            if parts[-1] == "__init__":
                parts = parts[:-1]
            for start in range(len(parts)):
                self.modules.setdefault(".".join(parts[start:]), rel)
        self.trees = {rel: _parse(root / rel) for rel in self.files}
        self.definitions = {rel: _top_level_definitions(tree) for rel, tree in self.trees.items() if tree}
        self.bindings = {rel: self._bindings(rel, tree) for rel, tree in self.trees.items() if tree}

    def module_file(self, importer: str, module: str | None, level: int) -> str | None:
        if level:
            base = importer.split("/")[:-1]
            base = base[: len(base) - (level - 1)] if level > 1 else base
            path = "/".join(base + (module.split(".") if module else []))
            for candidate in (path + ".py", path + "/__init__.py"):
                if candidate.lstrip("/") in self.trees:
                    return candidate.lstrip("/")
            return None
        return self.modules.get(module) if module else None

    def _bindings(self, rel: str, tree: ast.Module) -> dict[str, tuple[str, str | None]]:
        """local name -> (module file, name in it or None for the module itself)."""
        bound = {}
        for node in _module_statements(tree):
            if isinstance(node, ast.ImportFrom):
                source = self.module_file(rel, node.module, node.level)
                for alias in node.names:
                    if alias.name == "*" or source is None:
                        continue
                    submodule = self.module_file(rel, f"{node.module}.{alias.name}" if node.module else alias.name,
                                                 node.level) if node.level else self.modules.get(f"{node.module}.{alias.name}")
                    if submodule and alias.name not in self.definitions.get(source, {}):
                        bound[alias.asname or alias.name] = (submodule, None)
                    else:
                        bound[alias.asname or alias.name] = (source, alias.name)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    target = self.modules.get(alias.name)
                    if target and alias.asname:
                        bound[alias.asname] = (target, None)
        return bound

    def resolve(self, rel: str, name: str, depth: int = 0) -> tuple[str, int] | None:
        """Where `name`, as seen from module `rel`, is defined: (file, line)."""
        if name in self.definitions.get(rel, {}):
            return rel, self.definitions[rel][name]
        binding = self.bindings.get(rel, {}).get(name)
        if binding is None or depth > 4 or binding[1] is None:
            return None
        return self.resolve(binding[0], binding[1], depth + 1)

    def tasks(self) -> list[Task]:
        found = []
        for rel, tree in self.trees.items():
            if tree is None:
                continue
            lines = (self.root / rel).read_text(encoding="utf-8", errors="replace").split("\n")
            first_on_line: dict[int, Task] = {}
            for node, name, line, byte_column in self._uses(rel, tree):
                gold = self._gold(rel, node, name)
                if gold is None or gold[0] == rel:
                    continue
                column = len(lines[line - 1].encode("utf-8")[:byte_column].decode("utf-8", "replace"))
                task = Task(rel, line, column, name, gold[0], gold[1])
                if line not in first_on_line or column < first_on_line[line].column:
                    first_on_line[line] = task
            found += first_on_line.values()
        return found

    def _uses(self, rel: str, tree: ast.Module):
        seen = set()
        for function in ast.walk(tree):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for statement in function.body:
                for node in ast.walk(statement):
                    key = (getattr(node, "lineno", 0), getattr(node, "col_offset", 0), type(node))
                    if key in seen:
                        continue
                    seen.add(key)
                    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                        yield node, node.id, node.lineno, node.col_offset
                    elif (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                          and node.lineno == node.end_lineno):
                        yield node, node.attr, node.end_lineno, node.end_col_offset - len(node.attr.encode())

    def _gold(self, rel: str, node, name: str) -> tuple[str, int] | None:
        if isinstance(node, ast.Attribute):
            binding = self.bindings[rel].get(node.value.id)
            if binding is None or binding[1] is not None:
                return None
            return self.resolve(binding[0], name)
        binding = self.bindings[rel].get(name)
        if binding is None or binding[1] is None:
            return None
        return self.resolve(binding[0], binding[1])


def _python_files(root: Path):
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        for name in files:
            if name.endswith(".py"):
                yield os.path.relpath(os.path.join(folder, name), root).replace(os.sep, "/")


def _parse(path: Path) -> ast.Module | None:
    try:
        return ast.parse(path.read_bytes())
    except (SyntaxError, ValueError):
        return None


def _module_statements(tree: ast.Module):
    """Top-level statements, looking into module-level if/try blocks (compat imports, TYPE_CHECKING)."""
    pending = list(tree.body)
    while pending:
        node = pending.pop(0)
        yield node
        if isinstance(node, ast.If):
            pending += node.body + node.orelse
        elif isinstance(node, ast.Try):
            pending += node.body + node.orelse + node.finalbody + [s for h in node.handlers for s in h.body]


def _top_level_definitions(tree: ast.Module) -> dict[str, int]:
    found: dict[str, int] = {}
    for node in _module_statements(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.setdefault(node.name, node.lineno)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found.setdefault(target.id, node.lineno)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            found.setdefault(node.target.id, node.lineno)
    return found


def sample(tasks: list[Task], limit: int, per_gold: int = 3) -> list[Task]:
    rng = random.Random(SEED)
    shuffled = sorted(tasks, key=lambda t: (t.file, t.line))
    rng.shuffle(shuffled)
    counts: dict[tuple[str, int], int] = {}
    chosen = []
    for task in shuffled:
        key = (task.gold_file, task.gold_line)
        if counts.get(key, 0) < per_gold:
            counts[key] = counts.get(key, 0) + 1
            chosen.append(task)
        if len(chosen) == limit:
            break
    return sorted(chosen, key=lambda t: (t.file, t.line))


def masked(root: Path, task: Task) -> tuple[str, int]:
    """The file with the rest of the task's line hidden, and the cursor offset."""
    lines = (root / task.file).read_text(encoding="utf-8", errors="replace").split("\n")
    lines[task.line - 1] = lines[task.line - 1][: task.column]
    offset = sum(len(line) + 1 for line in lines[: task.line - 1]) + task.column
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
def hit(spans, task: Task) -> bool:
    return any(f == task.gold_file and s <= task.gold_line <= e for f, s, e in spans)


def evaluate(name: str, root: Path, limit: int, cache_dir: Path) -> dict:
    from context.index import RepositoryIndex
    from context.retrieval import retrieve

    package = Package(root)
    tasks = sample(package.tasks(), limit)
    index = RepositoryIndex(str(root), cache_dir=str(cache_dir), watch=False).start()
    index.wait_ready()
    baseline = JaccardBaseline(root, package.files)
    result = {"package": name, "tasks": len(tasks), "ours": {}, "baseline": {}, "latency_ms": [], "cpu_ms": [],
              "baseline_ms": []}
    for budget in BUDGETS:
        ours_hits = base_hits = 0
        for task in tasks:
            text, offset = masked(root, task)
            started, cpu_started = time.perf_counter(), time.thread_time()
            snippets = retrieve(index, task.file, text, offset, budget)
            result["latency_ms"].append((time.perf_counter() - started) * 1000)
            result["cpu_ms"].append((time.thread_time() - cpu_started) * 1000)
            ours_hits += hit([(s.file, s.start_line, s.end_line) for s in snippets], task)
            started = time.perf_counter()
            base_hits += hit(baseline.retrieve(task.file, text, offset, budget), task)
            result["baseline_ms"].append((time.perf_counter() - started) * 1000)
        result["ours"][budget] = ours_hits
        result["baseline"][budget] = base_hits
    index.stop()
    return result


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def report(results: list[dict]) -> str:
    rows = ["| package | tasks | ours @1024 | baseline @1024 | ours @2048 | baseline @2048 | ours p50 ms | ours p95 ms "
            "| ours p95 CPU ms |", "|---|---|---|---|---|---|---|---|---|"]
    total = {"tasks": 0, "ours": dict.fromkeys(BUDGETS, 0), "baseline": dict.fromkeys(BUDGETS, 0), "latency_ms": [],
             "cpu_ms": []}
    for r in results + [None]:
        if r is None:
            r = {"package": "**all**", **total}
        else:
            total["tasks"] += r["tasks"]
            total["latency_ms"] += r["latency_ms"]
            total["cpu_ms"] += r["cpu_ms"]
            for budget in BUDGETS:
                total["ours"][budget] += r["ours"][budget]
                total["baseline"][budget] += r["baseline"][budget]
        share = lambda hits: f"{hits / r['tasks']:.1%}" if r["tasks"] else "-"  # noqa: E731
        rows.append(f"| {r['package']} | {r['tasks']} | {share(r['ours'][1024])} | {share(r['baseline'][1024])} | "
                    f"{share(r['ours'][2048])} | {share(r['baseline'][2048])} | "
                    f"{percentile(r['latency_ms'], 0.5):.2f} | {percentile(r['latency_ms'], 0.95):.2f} | "
                    f"{percentile(r['cpu_ms'], 0.95):.2f} |")
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-package", type=int, default=60, help="tasks sampled per package (default 60)")
    parser.add_argument("--packages", nargs="*", default=list(PACKAGES), help="subset of the pinned packages")
    parser.add_argument("--json", metavar="FILE", help="also write the raw numbers here")
    args = parser.parse_args()
    roots = fetch_sources({name: PACKAGES[name] for name in args.packages})
    results = []
    for name, root in roots.items():
        results.append(evaluate(name, root, args.per_package, CACHE / "index-cache"))
        print(f"{name}: {results[-1]['tasks']} tasks", file=sys.stderr)
    print(report(results))
    base_ms = [ms for r in results for ms in r["baseline_ms"]]
    print(f"\nbaseline latency p50 {percentile(base_ms, 0.5):.2f} ms, p95 {percentile(base_ms, 0.95):.2f} ms "
          f"(brute force over every window; no index)")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
