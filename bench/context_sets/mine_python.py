"""Mines Python context tasks with the standard library `ast` (not tree-sitter).

A task puts the cursor on the first identifier of a line inside a function body
that is defined in another file of the package (an imported name, or
`module.attr` on an imported module). Gold is the file and line of the
definition, found by following imports and re-exports with `ast`; for an
`@overload` set, the implementation. cause: "import", "reexport" (reached
through another module's import), "qualified" (module.attr), "overload".

    .venv/bin/python bench/context_sets/mine_python.py SOURCE_ROOT > tasks.jsonl
"""

from __future__ import annotations

import ast
import json
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

SKIP_DIRS = {".git", "build", "dist", ".tox", "__pycache__", "node_modules", ".venv", "venv", "tests", "test", "docs"}


@dataclass(frozen=True)
class Task:
    file: str
    line: int  # 1-based
    column: int  # characters
    identifier: str
    gold_file: str
    gold_line: int
    cause: str = "import"


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
        self.overloaded = {rel: _implementations(tree) for rel, tree in self.trees.items() if tree}
        for rel, lines in self.overloaded.items():
            self.definitions[rel].update(lines)
        self.overloaded = {rel: set(lines.values()) for rel, lines in self.overloaded.items()}
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
                task = Task(rel, line, column, name, gold[0], gold[1], self._cause(rel, node, name, gold))
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

    def _cause(self, rel: str, node, name: str, gold: tuple[str, int]) -> str:
        if gold[1] in self.overloaded.get(gold[0], ()):
            return "overload"
        if isinstance(node, ast.Attribute):
            return "qualified"
        binding = self.bindings[rel].get(name)
        return "import" if binding and binding[0] == gold[0] else "reexport"

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


def _implementations(tree: ast.Module) -> dict[str, int]:
    """name -> line of the implementation, for each `@overload` set at the top level."""
    overloaded, found = set(), {}
    for node in _module_statements(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names = {getattr(d, "id", getattr(d, "attr", "")) for d in node.decorator_list}
            if "overload" in names:
                overloaded.add(node.name)
            elif node.name in overloaded:
                found[node.name] = node.lineno
    return found


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


def main() -> int:
    package = Package(Path(sys.argv[1]))
    for task in sorted(package.tasks(), key=lambda t: (t.file, t.line)):
        print(json.dumps(asdict(task)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
