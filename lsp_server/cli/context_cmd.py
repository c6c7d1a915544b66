"""`coder-lsp context --workspace DIR --budget TOKENS [--json] FILE:LINE:COL`: print retrieval output.

Indexes DIR (through the on-disk cache, so a second run reparses only what
changed), reads FILE from disk as it is now, and prints what completion at
LINE:COL (1-based; COL in characters) would get as repository context. With
`--json` the output is one object, a stable format that evaluations drive:
`{"snippets": [{"file", "start_line", "end_line", "kind", "text"}], "tokens",
"elapsed_ms"}`, files relative to DIR, lines 1-based and inclusive,
`elapsed_ms` the retrieval time alone. Tokens are the model's when `--model`
is given, else four characters a token.
"""

from __future__ import annotations

import json
import os
import sys
import time

INDEX_TIMEOUT_S = 600.0


def add_arguments(parser) -> None:
    parser.add_argument("location", metavar="FILE:LINE:COL", help="cursor: file (relative to DIR or absolute), 1-based line and column")
    parser.add_argument("--workspace", metavar="DIR", default=".", help="workspace root to index (default: .)")
    parser.add_argument("--budget", metavar="TOKENS", type=int, default=1024, help="token budget (default: 1024)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--recent", metavar="FILE", action="append", default=[],
                        help="a recently edited file for similar-code snippets (repeatable)")
    parser.add_argument("--exclude", metavar="PATTERN", action="append", default=[],
                        help="gitignore-style pattern to leave out of the index (repeatable)")
    parser.add_argument("--cache-dir", metavar="DIR", default=None, help="index cache folder")
    parser.add_argument("--model", metavar="PATH", default=None, help="count tokens with this GGUF model's tokenizer")


def parse_location(value: str) -> tuple[str, int, int]:
    parts = value.rsplit(":", 2)
    if len(parts) != 3 or not parts[0] or not parts[1].isdigit() or not parts[2].isdigit():
        raise ValueError(f"expected FILE:LINE:COL, got {value!r}")
    line, column = int(parts[1]), int(parts[2])
    if line < 1 or column < 1:
        raise ValueError(f"LINE and COL are 1-based, got {value!r}")
    return parts[0], line, column


def offset_of(text: str, line: int, column: int) -> int:
    """Character offset of 1-based LINE:COL, clamped to the line and to the text."""
    start = 0
    for _ in range(line - 1):
        found = text.find("\n", start)
        if found < 0:
            return len(text)
        start = found + 1
    end = text.find("\n", start)
    end = len(text) if end < 0 else end
    return min(start + column - 1, end)


def _token_counter(model: str | None, workspace: str):
    if not model:
        return None
    from lsp_server.model.loader import load_engine
    from lsp_server.model.settings import ModelSettings

    return load_engine(ModelSettings(), cli_model=model, workspace=workspace).count_tokens


def run(args) -> int:
    from context.index import RepositoryIndex
    from context.retrieval import retrieve

    try:
        file, line, column = parse_location(args.location)
    except ValueError as error:
        print(f"coder-lsp context: {error}", file=sys.stderr)
        return 2
    workspace = os.path.abspath(args.workspace)
    path = file if os.path.isabs(file) else os.path.join(workspace, file)
    try:
        with open(path, "rb") as handle:
            text = handle.read().decode("utf-8", "replace")
        count_tokens = _token_counter(args.model, workspace)
    except Exception as error:
        print(f"coder-lsp context: {error}", file=sys.stderr)
        return 2
    index = RepositoryIndex(workspace, exclude=tuple(args.exclude), cache_dir=args.cache_dir, watch=False)
    index.start()
    index.wait_ready(INDEX_TIMEOUT_S)
    try:
        started = time.perf_counter()
        snippets = retrieve(index, path, text, offset_of(text, line, column), args.budget,
                            count_tokens=count_tokens, recent=tuple(args.recent))
        elapsed_ms = (time.perf_counter() - started) * 1000
    finally:
        index.stop()
    root = index.root
    rows = [{"file": _display(root, s.file), "start_line": s.start_line, "end_line": s.end_line,
             "kind": s.kind, "text": s.text} for s in snippets]
    total = sum(s.tokens for s in snippets)
    if args.json:
        json.dump({"snippets": rows, "tokens": total, "elapsed_ms": round(elapsed_ms, 3)}, sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        for row, snippet in zip(rows, snippets):
            print(f"--- {row['file']}:{row['start_line']}-{row['end_line']} ({row['kind']}, {snippet.tokens} tokens)")
            print(row["text"])
        print(f"--- {len(rows)} snippets, {total} tokens, {elapsed_ms:.1f} ms")
    return 0


def _display(root: str, file: str) -> str:
    """Snippet files are root-relative already; a file outside the root stays as given."""
    if os.path.isabs(file):
        return os.path.relpath(file, root).replace(os.sep, "/")
    return file
