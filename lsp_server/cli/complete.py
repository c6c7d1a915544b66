"""`coder-lsp complete FILE:LINE:COL`: what the editor would show at a cursor, with its timings.

LINE and COL are 1-based; COL counts characters. The file is read as bytes
and decoded leniently, so a file that is not valid UTF-8 still completes.
The completion goes through `assist.pipeline`, as the editor's does, over a
freshly built index of the workspace (the nearest folder above FILE holding
`.git` or a project file, or `--workspace`): same prompt window, context,
one line or several, and post-processing. With `--json` the output is one
object: text (what the editor shows), raw_text (what the model wrote),
model, prompt_format, prompt_tokens, cached_tokens, generated_tokens,
ttft_ms, total_ms, finish_reason, snippets, load_ms. A bad FILE:LINE:COL is
a message on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from context.index import RepositoryIndex
from context.languages import language_name
from context.secrets import is_secret_file
from lsp_server.assist.pipeline import CompletionPipeline, Outcome, TextSnapshot
from lsp_server.config import Settings, project_settings
from lsp_server.model.loader import load_engine
from lsp_server.model.quiet import stdout_to_stderr
from lsp_server.model.types import Engine, EngineError
from lsp_server import positions

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
    lines = positions.lines_with_ends(text) or [""]  # editors' lines (str.splitlines also breaks at \x0c)
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


def snapshot(cursor: Cursor) -> TextSnapshot:
    """The cursor as the pipeline reads an editor's document: the language id is the file's language."""
    return TextSnapshot(uri=cursor.path.as_uri(), path=str(cursor.path), language_id=language_name(str(cursor.path)) or "",
                        version=None, text=cursor.text, offset=cursor.offset)


def open_index(workspace: Path, settings: Settings) -> RepositoryIndex:
    """The workspace index the server would build, started and (within INDEX_WAIT_S) ready; call stop()."""
    index = RepositoryIndex(str(workspace), exclude=settings.index_exclude, max_file_bytes=settings.max_file_bytes,
                            watch=False)
    index.start()
    deadline = time.monotonic() + INDEX_WAIT_S
    while not index.ready and time.monotonic() < deadline:
        time.sleep(0.02)
    return index


def complete_at(cursor: Cursor, engine: Engine, settings: Settings) -> Outcome:
    """What the editor would show at the cursor, through the same pipeline."""
    index = open_index(cursor.workspace, settings)
    try:
        return CompletionPipeline().complete(snapshot(cursor), settings, engine, index, str(cursor.workspace))
    finally:
        index.stop()


def run(args: argparse.Namespace) -> int:
    try:
        cursor = parse_location(args.location, args.workspace)
    except BadLocation as err:
        print(f"coder-lsp complete: {err}", file=sys.stderr)
        return 2
    settings, bad_keys = project_settings(cursor.workspace)
    if args.max_tokens:
        settings = dataclasses.replace(settings, max_tokens=args.max_tokens)
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
                outcome = complete_at(cursor, engine, settings)
            finally:
                engine.close()
    except EngineError as err:
        print(f"coder-lsp complete: {err}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(_fields(outcome, load_ms), ensure_ascii=False))
    else:
        print(outcome.text)
    return 0


def _fields(outcome: Outcome, load_ms: float) -> dict:
    completion, request = outcome.completion, outcome.request
    fields = {name: getattr(completion, name) for name in (
        "model", "prompt_format", "prompt_tokens", "cached_tokens", "generated_tokens", "ttft_ms", "total_ms",
        "finish_reason")}
    fields.update(text=outcome.text, raw_text=completion.text, snippets=len(request.snippets),
                  load_ms=round(load_ms, 1))
    for name in ("ttft_ms", "total_ms"):
        fields[name] = round(fields[name], 1)
    return fields
