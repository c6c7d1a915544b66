"""`coder-lsp complete FILE:LINE:COL`: one completion at a cursor, with its timings.

LINE and COL are 1-based; COL counts characters. The file is read as bytes
and decoded leniently, so a file that is not valid UTF-8 still completes.
Repository context comes from `context.retrieval` over a freshly built index
of the workspace (the nearest folder above FILE holding `.git` or a project
file, or `--workspace`), when that package is available. With `--json` the
output is one object: text, model, prompt_format, prompt_tokens,
cached_tokens, generated_tokens, ttft_ms, total_ms, finish_reason, snippets,
load_ms. A bad FILE:LINE:COL is a message on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

INDEX_WAIT_S = 20.0


class BadLocation(ValueError):
    pass


@dataclass(frozen=True)
class Cursor:
    path: Path
    workspace: Path
    text: str
    offset: int  # character offset of the cursor in text
    line: int  # 1-based
    column: int  # 1-based

    @property
    def relative_path(self) -> str:
        try:
            return self.path.relative_to(self.workspace).as_posix()
        except ValueError:
            return self.path.name


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("location", metavar="FILE:LINE:COL", help="file and 1-based line and column")
    parser.add_argument("--workspace", metavar="DIR", help="workspace root (default: found above FILE)")
    parser.add_argument("--model", metavar="PATH", help="GGUF model (default: CODER_LSP_MODEL, settings, embedded)")
    parser.add_argument("--json", action="store_true", help="print one JSON object with timings")
    parser.add_argument("--max-tokens", type=int, default=None, metavar="N", help="longest completion, in tokens")


def parse_location(value: str, workspace: str | None = None) -> Cursor:
    """The cursor at FILE:LINE:COL; raises BadLocation with a message for users."""
    pieces = value.rsplit(":", 2)
    file, line, column = pieces if len(pieces) == 3 else (value, "", "")
    if not file or not line.isdigit() or not column.isdigit() or int(line) < 1 or int(column) < 1:
        raise BadLocation(f"expected FILE:LINE:COL with 1-based LINE and COL, got {value!r}")
    path = Path(file).resolve()
    try:
        text = path.read_bytes().decode("utf-8", errors="replace")
    except OSError as err:
        raise BadLocation(f"cannot read {file}: {err.strerror or err}") from None
    lines = text.splitlines(keepends=True) or [""]
    if int(line) > len(lines) + (1 if text.endswith("\n") else 0):
        raise BadLocation(f"{file} has {len(lines)} lines; line {line} is past its end")
    row = lines[int(line) - 1] if int(line) <= len(lines) else ""
    width = len(row.rstrip("\r\n"))
    if int(column) > width + 1:
        raise BadLocation(f"line {line} of {file} has {width} characters; column {column} is past its end")
    offset = sum(len(item) for item in lines[: int(line) - 1]) + int(column) - 1
    root = Path(workspace).resolve() if workspace else find_workspace(path)
    return Cursor(path, root, text, offset, int(line), int(column))


def find_workspace(path: Path) -> Path:
    for folder in path.parents:
        if any((folder / marker).exists() for marker in (".git", ".coder-lsp.toml", "pyproject.toml")):
            return folder
    return path.parent


def language_of(path: Path) -> str:
    try:
        from context.languages import language_name

        return language_name(str(path)) or ""
    except ImportError:
        return ""


def retrieve_snippets(cursor: Cursor, budget: int, count_tokens, exclude=()) -> tuple:
    """Repository context for the cursor, or () when the context package is not available."""
    try:
        from context.index import RepositoryIndex
        from context.retrieval import retrieve
    except ImportError:
        return ()
    index = RepositoryIndex(str(cursor.workspace), exclude=tuple(exclude), watch=False)
    index.start()
    try:
        deadline = time.monotonic() + INDEX_WAIT_S
        while not index.ready and time.monotonic() < deadline:
            time.sleep(0.02)
        return tuple(retrieve(index, str(cursor.path), cursor.text, cursor.offset, budget, count_tokens=count_tokens))
    finally:
        index.stop()


def completion_request(cursor: Cursor, engine, settings, max_tokens: int | None = None):
    from lsp_server.model.types import CompletionRequest

    snippets = retrieve_snippets(cursor, settings.context_budget, engine.count_tokens, settings.index_exclude)
    return CompletionRequest(
        prefix=cursor.text[: cursor.offset], suffix=cursor.text[cursor.offset :], path=cursor.relative_path,
        language=language_of(cursor.path), snippets=snippets, max_tokens=max_tokens or settings.max_tokens,
        repo=cursor.workspace.name,
    )


def run(args: argparse.Namespace) -> int:
    from context.secrets import is_secret_file
    from lsp_server.config import project_settings
    from lsp_server.model.loader import load_engine
    from lsp_server.model.quiet import stdout_to_stderr
    from lsp_server.model.types import CancelToken, EngineError

    try:
        cursor = parse_location(args.location, args.workspace)
    except BadLocation as err:
        print(f"coder-lsp complete: {err}", file=sys.stderr)
        return 2
    settings, bad_keys = project_settings(cursor.workspace)
    for key in bad_keys:
        print(f"coder-lsp complete: ignoring invalid setting {key}", file=sys.stderr)
    if is_secret_file(str(cursor.path), settings.secret_files):
        print(f"coder-lsp complete: {cursor.path} holds secrets by its name; nothing is completed there", file=sys.stderr)
        return 1
    try:
        with stdout_to_stderr():
            started = time.perf_counter()
            engine = load_engine(settings.model, cli_model=args.model, workspace=str(cursor.workspace))
            load_ms = (time.perf_counter() - started) * 1000
            try:
                request = completion_request(cursor, engine, settings, args.max_tokens)
                completion = engine.complete(request, CancelToken())
            finally:
                engine.close()
    except EngineError as err:
        print(f"coder-lsp complete: {err}", file=sys.stderr)
        return 1
    if args.json:
        fields = {name: getattr(completion, name) for name in (
            "text", "model", "prompt_format", "prompt_tokens", "cached_tokens", "generated_tokens",
            "ttft_ms", "total_ms", "finish_reason")}
        fields.update(snippets=len(request.snippets), load_ms=round(load_ms, 1))
        for name in ("ttft_ms", "total_ms"):
            fields[name] = round(fields[name], 1)
        print(json.dumps(fields, ensure_ascii=False))
    else:
        print(completion.text)
    return 0
