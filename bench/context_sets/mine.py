"""Re-mine the committed dev sets: run each language's own miner, sample, write `tasks/<project>.jsonl`.

Python with `ast` (mine_python.py), TypeScript with the compiler API
(mine_ts.js, node + the `typescript` npm package), Go with `go/types`
(mine_go.go, Debian's golang-go). A fixed seed keeps the sample stable; at most
three tasks share a gold line. Only this step needs the compilers; the eval reads
the committed tasks.

    .venv/bin/python bench/context_sets/mine.py [--per-project 60] [--projects rxjs go-cmp]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys

from sources import HERE, PROJECTS, source_root

SEED = 20251128
TYPESCRIPT = HERE.parent.parent / "vscode-extension" / "node_modules" / "typescript"


def mine(name: str) -> list[dict]:
    language = PROJECTS[name][0]
    root = str(source_root(name))
    if language == "python":
        command = [sys.executable, str(HERE / "mine_python.py"), root]
    elif language == "typescript":
        command = ["node", str(HERE / "mine_ts.js"), root, str(TYPESCRIPT)]
    else:
        command = ["go", "run", str(HERE / "mine_go.go"), root]
    env = {**os.environ, "GOFLAGS": "-mod=mod", "GOPROXY": "off", "GO111MODULE": "on"}
    out = subprocess.run(command, check=True, capture_output=True, text=True, env=env).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def sample(tasks: list[dict], limit: int, per_gold: int = 3) -> list[dict]:
    rng = random.Random(SEED)
    shuffled = sorted(tasks, key=lambda t: (t["file"], t["line"]))
    rng.shuffle(shuffled)
    counts: dict[tuple, int] = {}
    chosen = []
    for task in shuffled:
        key = (task["gold_file"], task["gold_line"])
        if counts.get(key, 0) < per_gold:
            counts[key] = counts.get(key, 0) + 1
            chosen.append(task)
        if len(chosen) == limit:
            break
    return sorted(chosen, key=lambda t: (t["file"], t["line"]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-project", type=int, default=60)
    parser.add_argument("--projects", nargs="*", default=list(PROJECTS))
    args = parser.parse_args()
    (HERE / "tasks").mkdir(exist_ok=True)
    for name in args.projects:
        tasks = sample(mine(name), args.per_project)
        lines = "".join(json.dumps(task, sort_keys=True) + "\n" for task in tasks)
        (HERE / "tasks" / f"{name}.jsonl").write_text(lines)
        print(f"{name}: {len(tasks)} tasks", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
