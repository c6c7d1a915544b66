"""Languages the context code understands: grammar, file suffixes and queries.

A `LanguageSpec` ties a language name to its tree-sitter grammar (from the
per-language grammar wheels), the file suffixes and editor language ids that
select it, and its query file `queries/<query_name>.scm`. A query file has
three sections (`;; section: definitions`, `imports`, `uses`), compiled on
first use. Adding a language is a row in `_TABLE` plus a query file.
Parsers are not thread-safe, so `parser()` hands out one per thread.
"""

from __future__ import annotations

import importlib
import threading
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path, PurePath

import tree_sitter

QUERY_DIR = Path(__file__).resolve().parent / "queries"
SECTIONS = ("definitions", "imports", "uses")

# name: (grammar module, language function, query file, suffixes, editor language ids)
_TABLE: dict[str, tuple[str, str, str, tuple[str, ...], tuple[str, ...]]] = {
    "python": ("tree_sitter_python", "language", "python", (".py", ".pyi", ".pyw"), ("python",)),
    "javascript": (
        "tree_sitter_javascript", "language", "javascript",
        (".js", ".jsx", ".mjs", ".cjs"), ("javascript", "javascriptreact", "js", "jsx"),
    ),
    "typescript": (
        "tree_sitter_typescript", "language_typescript", "typescript",
        (".ts", ".mts", ".cts"), ("typescript", "ts"),
    ),
    "tsx": ("tree_sitter_typescript", "language_tsx", "typescript", (".tsx",), ("typescriptreact", "tsx")),
    "go": ("tree_sitter_go", "language", "go", (".go",), ("go", "golang")),
    "rust": ("tree_sitter_rust", "language", "rust", (".rs",), ("rust", "rs")),
    "java": ("tree_sitter_java", "language", "java", (".java",), ("java",)),
    "c": ("tree_sitter_c", "language", "c", (".c",), ("c",)),
    # Headers go to C++: its grammar parses C headers too, and `.h` is shared.
    "cpp": (
        "tree_sitter_cpp", "language", "cpp",
        (".cc", ".cpp", ".cxx", ".c++", ".h", ".hh", ".hpp", ".hxx", ".h++", ".ipp", ".inl"),
        ("cpp", "c++", "cuda-cpp"),
    ),
}


@dataclass(eq=False)
class LanguageSpec:
    """One language: its tree-sitter `language`, suffixes and compiled queries."""

    name: str
    language: tree_sitter.Language
    query_name: str
    suffixes: tuple[str, ...]
    language_ids: tuple[str, ...]
    _local: threading.local = field(default_factory=threading.local, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def parser(self) -> tree_sitter.Parser:
        """A parser for this language, one per thread (parsers are not thread-safe)."""
        parser = getattr(self._local, "parser", None)
        if parser is None:
            parser = self._local.parser = tree_sitter.Parser(self.language)
        return parser

    def parse(self, source: bytes) -> tree_sitter.Tree:
        """Parse `source`. tree-sitter holds the GIL for a whole parse of a byte string (seconds for a
        large document, the event loop frozen all along), so a large one is fed in chunks with a
        progress callback: each callback is Python code, where the interpreter can switch threads."""
        if len(source) <= _WHOLE_PARSE_BYTES:
            return self.parser().parse(source)
        reader = _ChunkReader(source)
        tree = self.parser().parse(reader, progress_callback=_keep_going)
        reader.parsed()
        return tree

    @cached_property
    def _query_sections(self) -> dict[str, str]:
        text = (QUERY_DIR / f"{self.query_name}.scm").read_text(encoding="utf-8")
        sections: dict[str, list[str]] = {name: [] for name in SECTIONS}
        current = "definitions"
        for line in text.splitlines():
            if line.startswith(";; section:"):
                current = line.split(":", 1)[1].strip()
                continue
            sections.setdefault(current, []).append(line)
        return {name: "\n".join(lines) for name, lines in sections.items()}

    def query(self, section: str) -> tree_sitter.Query:
        """The compiled query for `section` ("definitions", "imports" or "uses")."""
        cache = self.__dict__.setdefault("_queries", {})
        if section not in cache:
            with self._lock:
                if section not in cache:
                    cache[section] = tree_sitter.Query(self.language, self._query_sections[section])
        return cache[section]


_WHOLE_PARSE_BYTES = 64 * 1024  # parsed in one call: at most a few milliseconds under the GIL
_CHUNK_BYTES = 16 * 1024


_CHUNKS = threading.local()


class _ChunkReader:
    """`source` for tree-sitter's read callback, 16 KB at a time.

    py-tree-sitter 0.26 keeps a reference to every object a read returns: fresh bytes per
    chunk leaked ~1.5x the source on every large parse (the fuzz's RSS grew by ~1 GB). While
    parsing, each read refills one buffer per thread (tree-sitter uses a chunk only until the
    next read; a thread runs one parse at a time), so nothing is kept. The tree keeps the
    reader for `Node.text`, which wants bytes: after the parse it hands out copies."""

    def __init__(self, source: bytes) -> None:
        self._view = memoryview(source)
        self._chunk: bytearray | None = getattr(_CHUNKS, "buffer", None)
        if self._chunk is None:
            self._chunk = _CHUNKS.buffer = bytearray()

    def __call__(self, byte: int, _point) -> bytes | bytearray:
        if self._chunk is None:
            return bytes(self._view[byte:byte + _CHUNK_BYTES])
        self._chunk[:] = self._view[byte:byte + _CHUNK_BYTES]
        return self._chunk

    def parsed(self) -> None:
        self._chunk = None


def _keep_going(_offset: int, _has_error: bool) -> bool:
    return False  # never cancel; being called at all is what lets other threads run


_SPECS: dict[str, LanguageSpec] = {}
_SPECS_LOCK = threading.Lock()
_BY_ALIAS: dict[str, str] = {}
for _name, (_m, _f, _q, _suffixes, _ids) in _TABLE.items():
    _BY_ALIAS[_name] = _name
    for _alias in _suffixes + _ids:
        _BY_ALIAS.setdefault(_alias, _name)


def _spec(name: str) -> LanguageSpec | None:
    spec = _SPECS.get(name)
    if spec is not None:
        return spec
    module_name, function_name, query_name, suffixes, ids = _TABLE[name]
    with _SPECS_LOCK:
        if name not in _SPECS:
            try:
                module = importlib.import_module(module_name)
                language = tree_sitter.Language(getattr(module, function_name)())
            except (ImportError, AttributeError, ValueError):
                return None
            _SPECS[name] = LanguageSpec(name, language, query_name, suffixes, ids)
    return _SPECS[name]


def language_name(path_or_language_id: str) -> str | None:
    """The language name for a path (by suffix) or an editor language id, without loading it."""
    key = path_or_language_id.lower()
    if key in _BY_ALIAS and not key.startswith("."):
        return _BY_ALIAS[key]
    suffix = PurePath(path_or_language_id).suffix.lower()
    return _BY_ALIAS.get(suffix) if suffix else None


def language_for(path_or_language_id: str) -> LanguageSpec | None:
    """The `LanguageSpec` for a file path or an editor language id, or None if unknown."""
    name = language_name(path_or_language_id)
    return _spec(name) if name else None


def supported_languages() -> tuple[str, ...]:
    return tuple(_TABLE)


def supported_suffixes() -> frozenset[str]:
    return frozenset(s for row in _TABLE.values() for s in row[3])
