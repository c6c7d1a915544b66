"""`coder-lsp explain FILE:LINE --message TEXT [--model PATH]`: explain an error.

The same answer as the editor's "Explain this error": what the tools know
(`assist.grounding`: the compiler's or parser's verdict, did you mean, a
missing import) without loading a model; otherwise the `assist.explain`
prompt with those facts, run once on the resolved model, and checked before
it is shown. The markdown goes to stdout; which model was asked goes to stderr. Settings come from the project
file (`.coder-lsp.toml` or `[tool.coder-lsp]`) above FILE.
"""

from __future__ import annotations

import sys
from pathlib import Path


def add_arguments(parser) -> None:
    parser.add_argument("location", metavar="FILE:LINE", help="file and 1-based line of the error")
    parser.add_argument("--message", required=True, help="the error message, as the tool printed it")
    parser.add_argument("--source", default="", help="the tool that reported it (e.g. mypy)")
    parser.add_argument("--model", metavar="PATH", help="GGUF model to use")
    parser.add_argument("--max-tokens", type=int, default=None, help="longest explanation, in tokens")


def _location(value: str) -> tuple[Path, int]:
    path, _, line = value.rpartition(":")
    if not path or not line.isdigit() or int(line) < 1:
        raise SystemExit(f"coder-lsp explain: expected FILE:LINE, got {value!r}")
    return Path(path), int(line) - 1


def _language(path: Path) -> str:
    try:
        from context.languages import language_for

        spec = language_for(str(path))
        return spec.name if spec is not None else ""
    except Exception:
        return ""


def run(args) -> int:
    from lsp_server.assist.changes import line_offset
    from lsp_server.assist.explain import grounded_markdown
    from lsp_server.assist.grounding import ground

    path, line = _location(args.location)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        print(f"coder-lsp explain: {exc}", file=sys.stderr)
        return 2
    offset = _first_code(text, line_offset(text, line))
    finding = ground(text, _language(path) or None, args.message, offset)
    if finding is not None and not finding.needs_model:
        print(grounded_markdown(finding, text, message=args.message, path=path.name, line=line))
        return 0
    return _explain_with_model(args, path, text, line, offset, finding)


def _first_code(text: str, offset: int) -> int:
    """The first non-blank character of the line at `offset` (a FILE:LINE has no column)."""
    while offset < len(text) and text[offset] in " \t":
        offset += 1
    return offset


def _explain_with_model(args, path: Path, text: str, line: int, offset: int, finding) -> int:
    from context.secrets import is_secret_file
    from lsp_server import positions
    from lsp_server.assist.explain import explain_messages, explanation_markdown
    from lsp_server.assist.grounding import line_facts
    from lsp_server.config import project_settings
    from lsp_server.model.loader import load_engine
    from lsp_server.model.types import CancelToken, EngineError

    settings, bad_keys = project_settings(path)
    if is_secret_file(str(path), settings.secret_files):
        print(f"coder-lsp explain: {path} holds secrets by its name; it is not sent to a model", file=sys.stderr)
        return 2
    for key in bad_keys:
        print(f"coder-lsp explain: ignoring invalid setting {key}", file=sys.stderr)
    language = _language(path)
    facts = (finding.facts if finding is not None else ()) + line_facts(text, language or None, offset)
    messages = explain_messages(path=path.name, language=language, text=text, line=line, message=args.message,
                                source=args.source, facts=facts)
    try:
        chosen = settings.model if args.model else settings.chat_settings()  # --model names the one to run
        engine = load_engine(chosen, cli_model=args.model, workspace=str(path.resolve().parent))
        try:
            reply = engine.chat(messages, CancelToken(), max_tokens=args.max_tokens or settings.chat_max_tokens)
        finally:
            engine.close()
    except EngineError as exc:
        print(f"coder-lsp explain: {exc}", file=sys.stderr)
        return 1
    print(f"coder-lsp explain: asked {reply.model}", file=sys.stderr)  # the answer may be the tools' facts alone
    lines = positions.lines(text)
    print(explanation_markdown(reply.text, message=args.message, path=path.name, line=line,
                               finish_reason=reply.finish_reason, error_line=lines[line] if line < len(lines) else "",
                               finding=finding))
    return 0
