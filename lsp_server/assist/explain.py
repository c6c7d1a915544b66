"""Chat prompts for "Explain this error", shared by the server and `coder-lsp explain`.

An explanation request is the error message, where it is, and a numbered
excerpt of the code around it; the reply is markdown shown as is, under a
heading naming the error. The excerpt is short on purpose: small local chat
models answer better about 25 lines than about a whole file.
"""

from __future__ import annotations

from lsp_server import positions
from lsp_server.model.types import ChatMessage

EXCERPT_RADIUS = 12

SYSTEM = (
    "You are an expert programmer helping a colleague. Explain compiler, type-checker "
    "and linter errors briefly and concretely: what the error means here, why this code "
    "causes it, and how to fix it. Answer in Markdown, in at most a few short paragraphs."
)


def excerpt(text: str, line: int, radius: int = EXCERPT_RADIUS) -> str:
    """Lines around `line` (0-based), numbered from 1, the error line marked with >>."""
    lines = [line.rstrip("\r\n") for line in positions.lines_with_ends(text)]  # LSP's lines: `line` is the client's
    start, end = max(0, line - radius), min(len(lines), line + radius + 1)
    width = len(str(end))
    return "\n".join(
        f"{'>>' if number == line else '  '} {number + 1:>{width}} | {lines[number]}"
        for number in range(start, end)
    )


def explain_messages(*, path: str, language: str, text: str, line: int, message: str, source: str = "") -> list[ChatMessage]:
    """The chat for one diagnostic at `line` (0-based) of `text`."""
    where = f"{path}, line {line + 1}"
    origin = f" (reported by {source})" if source else ""
    user = (
        f"Error{origin} at {where}:\n\n    {message.strip()}\n\n"
        f"Code (the error line is marked with >>):\n\n```{language}\n{excerpt(text, line)}\n```\n\n"
        "Explain this error."
    )
    return [ChatMessage("system", SYSTEM), ChatMessage("user", user)]


def explanation_markdown(reply: str, *, message: str, path: str, line: int) -> str:
    """The explanation as shown to the user: a heading naming the error, then the reply."""
    heading = message.strip().splitlines()[0] if message.strip() else "Error"
    body = reply.strip() or "_The model gave no explanation._"
    return f"### {heading}\n\n`{path}:{line + 1}`\n\n{body}\n"
