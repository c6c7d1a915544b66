"""Each language's import rules: which workspace files an import refers to.

`import_files(language, importing_rel, record, table)` turns an
`ImportRecord` into candidate files, best first: Python absolute and relative
modules (and `from pkg import submodule`), JS/TS relative paths with their
extension and `index` rules, Go package folders, Rust `crate`/`self`/`super`
module paths, Java packages, C/C++ includes. `implicit_files` lists files
whose names are visible without an import (a Go or Java package's other
files, a C file's own header). Unresolvable imports (the standard library,
node_modules) give no files.
"""

from __future__ import annotations

import posixpath

from context.go_package import module_folder
from context.imports import ImportRecord
from context.tables import FileTable

SCRIPT_EXTENSIONS = (".ts", ".tsx", ".d.ts", ".js", ".jsx", ".mjs", ".cjs")
HEADER_EXTENSIONS = (".h", ".hpp", ".hh", ".hxx")


_MEMO: dict[tuple, tuple[str, ...]] = {}
_PATH_MEMO: dict[tuple, list[str]] = {}
_MEMO_SIZE = 20_000


def import_files(language: str, importer: str, record: ImportRecord, table: FileTable) -> list[str]:
    """Files `record` refers to, best first; memoized until a path appears or disappears."""
    key = (id(table), table.layout_version, language, importer, record.source, record.name)
    found = _MEMO.get(key)
    if found is None:
        resolver = _RESOLVERS.get(language)
        files = resolver(importer, record, table) if resolver else []
        found = tuple(dict.fromkeys(f for f in files if f != importer))
        if len(_MEMO) >= _MEMO_SIZE:
            _MEMO.clear()
        _MEMO[key] = found
    return list(found)


def implicit_files(language: str, importer: str, table: FileTable) -> list[str]:
    folder = posixpath.dirname(importer)
    if language in ("go", "java"):
        suffix = ".go" if language == "go" else ".java"
        return [f for f in table.files_in_dir(folder)
                if f != importer and f.endswith(suffix) and not f.endswith("_test.go")]
    if language in ("c", "cpp"):
        stem = posixpath.splitext(importer)[0]
        return [stem + ext for ext in HEADER_EXTENSIONS if table.has(stem + ext) and stem + ext != importer]
    return []


def _closest(importer: str, candidates) -> list[str]:
    """Candidates ordered by how much of the importer's folder they share, then by path."""
    parts = importer.split("/")

    def shared(rel: str) -> int:
        count = 0
        for a, b in zip(parts, rel.split("/")):
            if a != b:
                break
            count += 1
        return count

    return sorted(candidates, key=lambda rel: (-shared(rel), len(rel), rel))


def _module_files(importer: str, dotted_path: str, table: FileTable, exts: tuple[str, ...]) -> list[str]:
    """Files whose path ends with `dotted_path` (a/b/c): c.<ext> or c/__init__-like package files."""
    path = dotted_path.strip("/")
    key = (id(table), table.layout_version, path, exts)
    found = _PATH_MEMO.get(key)
    if found is None:  # the same for every importer: many files import `django.db.models`
        last = path.rsplit("/", 1)[-1]
        found = [rel for rel in table.files_with_stem(last) for ext in exts
                 if rel.endswith(ext) and _ends_with(rel[: -len(ext)], path)]
        for folder in table.dirs_named(last):
            if _ends_with(folder, path):
                found += [f"{folder}/__init__{ext}" for ext in exts if table.has(f"{folder}/__init__{ext}")]
        if len(_PATH_MEMO) >= _MEMO_SIZE:
            _PATH_MEMO.clear()
        _PATH_MEMO[key] = found
    return _closest(importer, found) if len(found) > 1 else list(found)


def _ends_with(path: str, tail: str) -> bool:
    return path == tail or path.endswith("/" + tail)


def _python(importer: str, record: ImportRecord, table: FileTable) -> list[str]:
    source = record.source
    exts = (".py", ".pyi")
    if source.startswith("."):
        dots = len(source) - len(source.lstrip("."))
        base = posixpath.dirname(importer)
        for _ in range(dots - 1):
            base = posixpath.dirname(base)
        rest = source[dots:].replace(".", "/")
        module = posixpath.join(base, rest) if rest else base
        candidates = [module + ext for ext in exts] + [f"{module}/__init__{ext}" for ext in exts]
        if record.name and record.name != "*":
            sub = posixpath.join(module, record.name)
            candidates += [sub + ext for ext in exts] + [f"{sub}/__init__{ext}" for ext in exts]
        return [c.lstrip("/") for c in candidates if table.has(c.lstrip("/"))]
    files = _module_files(importer, source.replace(".", "/"), table, exts)
    if record.name and record.name != "*":
        files += _module_files(importer, f"{source}.{record.name}".replace(".", "/"), table, exts)
    return files


def _script(importer: str, record: ImportRecord, table: FileTable) -> list[str]:
    source = record.source
    if source.startswith("."):
        base = posixpath.normpath(posixpath.join(posixpath.dirname(importer), source))
    elif source[:2] in ("@/", "~/"):
        base = source[2:]
    else:
        return []  # a package from node_modules
    stem, ext = posixpath.splitext(base)
    candidates = [base] if ext else []
    if ext in (".js", ".jsx", ".mjs", ".cjs"):  # TS sources imported by their emitted name
        candidates += [stem + e for e in (".ts", ".tsx", ".mts")]
    candidates += [base + e for e in SCRIPT_EXTENSIONS] + [f"{base}/index{e}" for e in SCRIPT_EXTENSIONS]
    found = [c for c in candidates if table.has(c)]
    if not found and not source.startswith("."):
        found = _module_files(importer, base, table, SCRIPT_EXTENSIONS)
    return found


def _go(importer: str, record: ImportRecord, table: FileTable) -> list[str]:
    path = record.source.strip("/")
    last = path.rsplit("/", 1)[-1]
    folders = [f for f in table.dirs_named(last) if path == f or path.endswith("/" + f)]
    inside = module_folder(getattr(table, "go_module", ""), path)
    if inside is not None and table.files_in_dir(inside):
        folders = [inside]  # the root go.mod says where the module's own packages are
    if not folders:
        return []
    best = max(folders, key=lambda f: (len(f), f))
    return [f for f in table.files_in_dir(best) if f.endswith(".go") and not f.endswith("_test.go")]


def _rust(importer: str, record: ImportRecord, table: FileTable) -> list[str]:
    parts = [p for p in record.source.split("::") if p]
    if parts and parts[0] in ("std", "core", "alloc"):
        return []
    base = _rust_module_dir(importer)
    if parts and parts[0] == "crate":
        base, parts = _rust_crate_root(importer), parts[1:]
    while parts and parts[0] in ("self", "super"):
        if parts.pop(0) == "super":
            base = posixpath.dirname(base)
    found: list[str] = []
    paths = [parts + [record.name], parts] if record.name and record.name != "*" else [parts]
    for chain in paths:
        for cut in range(len(chain), 0, -1):
            module = posixpath.join(base, *chain[:cut]) if base else "/".join(chain[:cut])
            found += [c for c in (module + ".rs", module + "/mod.rs") if table.has(c)]
            if found:
                break
    if not found and parts:  # another crate of the workspace, or a path we cannot follow
        found = _module_files(importer, "/".join(parts), table, (".rs",))
    return found


def _rust_module_dir(importer: str) -> str:
    folder, name = posixpath.split(importer)
    if name in ("mod.rs", "lib.rs", "main.rs"):
        return folder
    return posixpath.join(folder, posixpath.splitext(name)[0])


def _rust_crate_root(importer: str) -> str:
    parts = importer.split("/")
    if "src" in parts:
        return "/".join(parts[: len(parts) - 1 - parts[::-1].index("src")])
    return posixpath.dirname(importer)


def _java(importer: str, record: ImportRecord, table: FileTable) -> list[str]:
    package = record.source.replace(".", "/")
    if record.name == "*":
        last = package.rsplit("/", 1)[-1]
        return [f for folder in table.dirs_named(last) if _ends_with(folder, package)
                for f in table.files_in_dir(folder) if f.endswith(".java")]
    exact = [f for f in table.files_with_stem(record.name)
             if f.endswith(".java") and _ends_with(f[:-5], f"{package}/{record.name}")]
    if exact:
        return exact
    # `import static pkg.Class.member`: the class is the module's last part.
    outer = package.rsplit("/", 1)[-1]
    return [f for f in table.files_with_stem(outer) if f.endswith(".java") and _ends_with(f[:-5], package)]


def _c(importer: str, record: ImportRecord, table: FileTable) -> list[str]:
    include = record.source.strip("<>")
    local = posixpath.normpath(posixpath.join(posixpath.dirname(importer), include))
    if not record.source.startswith("<") and table.has(local):
        return [local]
    stem = posixpath.splitext(posixpath.basename(include))[0]
    return _closest(importer, [f for f in table.files_with_stem(stem) if _ends_with(f, include)])


_RESOLVERS = {
    "python": _python, "javascript": _script, "typescript": _script, "tsx": _script,
    "go": _go, "rust": _rust, "java": _java, "c": _c, "cpp": _c,
}
