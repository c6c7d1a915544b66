"""`coder-lsp demo`: the main job on `fixtures/demo`, printed for a person at a terminal.

Loads the resolved model (by default the embedded SmolLM2), then does what
the editor features do: completes code at a cursor (the body of
`cheapest_item` in `shop/pricing.py`, as if the user had just typed
`return min(cart.items, key=`) through the editor's own pipeline, so it
prints what the editor would show, and explains the deliberate error in
`shop/report.py`, which the Python compiler finds (a missing colon): the
tools' own explanation and fix, as the editor shows them (no model is needed
for it). Timings are printed for each step.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from lsp_server.assist.explain import explain_messages
from lsp_server.cli.complete import Cursor, complete_at
from lsp_server.config import project_settings
from lsp_server.model.loader import load_engine
from lsp_server.model.quiet import stdout_to_stderr
from lsp_server.model.types import CancelToken, EngineError

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo"
CURSOR_FILE, CURSOR_AFTER = "shop/pricing.py", "    return min(cart.items, key="
ERROR_FILE = "shop/report.py"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", metavar="PATH", help="GGUF model (default: CODER_LSP_MODEL, settings, embedded)")
    parser.add_argument("--workspace", metavar="DIR", default=str(DEMO), help="the demo project (fixtures/demo)")
    parser.add_argument("--max-tokens", type=int, default=128, metavar="N",
                        help="longest model explanation, in tokens (the demo's error is explained by the compiler)")


class Style:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, code: str, text: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.enabled else text


def _cursor(workspace: Path) -> tuple[Cursor, str]:
    path = workspace / CURSOR_FILE
    text = path.read_text(encoding="utf-8")
    line_start = text.index(CURSOR_AFTER)
    line_end = text.index("\n", line_start)
    offset = line_start + len(CURSOR_AFTER)
    typed = text[:offset] + text[line_end:]  # the rest of the line is what the model should propose
    line = text.count("\n", 0, offset) + 1
    return Cursor(path, workspace, typed, offset, line, len(CURSOR_AFTER) + 1), text[offset:line_end]


def _compile_error(path: Path) -> tuple[int, str] | None:
    try:
        compile(path.read_text(encoding="utf-8"), str(path), "exec")
    except SyntaxError as err:
        return (err.lineno or 1), f"SyntaxError: {err.msg}"
    return None


def _complete(engine, settings, workspace: Path, style: Style) -> None:
    cursor, expected = _cursor(workspace)
    outcome = complete_at(cursor, engine, settings)  # what the editor would show here
    result, snippets = outcome.completion, len(outcome.request.snippets)
    mode = "fill-in-the-middle" if result.prompt_format != "none" else "prefix-only: this model has no FIM tokens"
    print(style("1", f"1. Completion at {CURSOR_FILE}:{cursor.line}:{cursor.column}") + f"  ({mode})")
    lines = cursor.text[: cursor.offset].splitlines()
    for number, text in enumerate(lines[-3:-1], start=cursor.line - 2):
        print(style("2", f"   {number:>3} | ") + text)
    proposal = outcome.text.splitlines() or ["(no proposal)"]
    print(style("2", f"   {cursor.line:>3} | ") + lines[-1] + style("36", proposal[0]))
    for extra in proposal[1:4]:
        print(style("2", "       | ") + style("36", extra))
    print(style("2", f"         the file has: {CURSOR_AFTER.strip()}{expected}"))
    print(f"   prompt {result.prompt_tokens} tokens ({snippets} context snippets), "
          f"first token {result.ttft_ms:.0f} ms, {result.generated_tokens} tokens in {result.total_ms:.0f} ms\n")


def _explain(engine, workspace: Path, max_tokens: int, style: Style) -> None:
    from lsp_server.assist.explain import grounded_markdown
    from lsp_server.assist.grounding import ground

    path = workspace / ERROR_FILE
    found = _compile_error(path)
    if found is None:
        print(f"2. {ERROR_FILE} compiles; nothing to explain.")
        return
    line, message = found
    text = path.read_text(encoding="utf-8")
    print(style("1", f"2. Explain the error at {ERROR_FILE}:{line}") + f"  (python: {message})")
    print(style("2", f"   {line:>3} | ") + text.split("\n")[line - 1])
    started = time.perf_counter()
    line_start = sum(len(part) + 1 for part in text.split("\n")[: line - 1])
    finding = ground(text, "python", message, line_start)
    if finding is None:
        print("   The compiler gives no more detail.")
        return
    markdown = grounded_markdown(finding, text, message=message, path=ERROR_FILE, line=line - 1)
    body = markdown.split("\n\n", 2)[-1].rstrip()  # the heading was printed above
    print("   " + body.replace("\n", "\n   "))
    print(f"\n   from the compiler, without the model, in {(time.perf_counter() - started) * 1000:.0f} ms\n")


def run(args: argparse.Namespace) -> int:
    workspace = Path(args.workspace).resolve()
    if not (workspace / CURSOR_FILE).is_file():
        print(f"coder-lsp demo: {workspace} is not the demo project (fixtures/demo of a coder-lsp clone)", file=sys.stderr)
        return 2
    style = Style(sys.stdout.isatty())
    started = time.perf_counter()
    settings = project_settings(workspace)[0]
    try:
        with stdout_to_stderr():
            engine = load_engine(settings.model, cli_model=args.model, workspace=str(workspace))
    except EngineError as err:
        print(f"coder-lsp demo: {err}", file=sys.stderr)
        return 1
    info = engine.describe()
    print(style("1", f"coder-lsp demo on {workspace.name}/ with {info['name']}")
          + f" ({info['device']}, prompt format {info['prompt_format']}, "
          f"loaded in {(time.perf_counter() - started) * 1000:.0f} ms)\n")
    try:
        _complete(engine, settings, workspace, style)
        _explain(engine, workspace, args.max_tokens, style)
    except EngineError as err:
        print(f"coder-lsp demo: {err}", file=sys.stderr)
        return 1
    finally:
        engine.close()
    print(f"Done in {time.perf_counter() - started:.1f} s.")
    return 0
