"""Next-edit prompts: the window around the cursor, the recent edits, laid out for the model's format.

A `NextEditInput` is what every format needs: the file's path, its current
text, the cursor's line, the text before the newest change, the recent
`Hunk`s and related files. `window` picks the 21 lines the model may
rewrite (10 either side of the cursor's line, moved in at the file's ends).
Formats, chosen from the model by `format_for`:

- "sweep" (sweep-next-edit, Qwen2.5-Coder's `<|file_sep|>` pretraining
  layout): a block per related file, a `{path}.diff` block per recent change
  (up to three) with `original:` and `updated:` text, then the window as it
  was before the newest change (`original/{path}`) and as it is
  (`current/{path}`); the model continues `updated/{path}` and stops at the
  next `<|file_sep|>` or end of text.
- "zeta2" (Zed's Zeta-2, on Seed-Coder: its FIM tokens `<[fim-suffix]>`,
  `<[fim-prefix]>`, `<[fim-middle]>`, suffix first): the code after the
  window, then related files and the edit history as `<filename>` blocks,
  the code before the window and the window between `<<<<<<< CURRENT` and
  `=======` with the cursor marked; the model writes the new window and
  `>>>>>>> UPDATED`, or `NO_EDITS`.
- "instruct" (any chat model): one system message, then a user message with
  the recent diffs and the window with the cursor marked; the model answers
  the rewritten window or `NO_EDIT`.

Related files and history come first and the window last, so that while the
user types only the tail of the prompt is evaluated again. Secret values are
redacted from every text; a window that held one is not offered at all
(`has_secret`), since a rewrite of redacted text would write the redaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from lsp_server import positions
from lsp_server.assist.edit_history import Hunk
from lsp_server.model.types import ChatMessage
from lsp_server.model.prompts import Prompt, Special
from lsp_server.model.redact import redact
from lsp_server.model.text import clean

WINDOW_RADIUS = 10  # 21 lines: the window sweep-next-edit was trained on
MAX_DIFFS = 3
SWEEP_STOP = ("<|file_sep|>", "</s>", "<|endoftext|>")
NO_EDIT = "NO_EDIT"
CURSOR = "<|user_cursor|>"
ZETA_CONTEXT_LINES = 20  # lines of code before and after the window that the zeta2 prompt shows
ZETA_START, ZETA_SEPARATOR, ZETA_END, ZETA_NO_EDITS = "<<<<<<< CURRENT\n", "=======\n", ">>>>>>> UPDATED", "NO_EDITS"
SEED_CODER_FIM = {"fim_pre": "<[fim-prefix]>", "fim_suf": "<[fim-suffix]>", "fim_mid": "<[fim-middle]>"}
INSTRUCT_SYSTEM = (
    "You predict a programmer's next edit. You see their recent edits as diffs and a window of the file "
    f"they are in, with the cursor marked {CURSOR}. Continue what the recent edits started inside the window "
    "(a rename carried to the other uses, a new parameter passed along). Answer with the whole window "
    f"rewritten, without the cursor mark and without explanations, or answer {NO_EDIT} if nothing follows."
)


@dataclass(frozen=True)
class NextEditInput:
    path: str
    text: str
    cursor_line: int
    original_text: str | None  # the text before the newest change; None: no change yet
    hunks: tuple[Hunk, ...] = ()
    related: tuple[tuple[str, str], ...] = ()  # (path, text) of other files, most relevant last
    cursor_column: int = 0  # in code points, for the instruct format's cursor mark


@dataclass(frozen=True)
class Window:
    start: int  # first line
    end: int  # one past the last line
    text: str  # the lines with their breaks


def window(text: str, line: int, radius: int = WINDOW_RADIUS) -> Window:
    """The 2*radius+1 lines around `line`, shifted in at the start and end of the file."""
    lines = positions.lines_with_ends(text)
    if not lines or lines[-1].endswith(("\n", "\r")):
        lines.append("")  # the empty last line the cursor can sit on
    size = 2 * radius + 1
    start = max(0, min(line - radius, len(lines) - size))
    end = min(len(lines), start + size)
    return Window(start, end, "".join(lines[start:end]))


def original_window(data: NextEditInput, current: Window) -> str:
    """The same lines as they were before the newest change (shifted by the lines it added or removed)."""
    if data.original_text is None:
        return current.text
    delta = 0
    newest = data.hunks[-1] if data.hunks else None
    if newest is not None and newest.start < current.start:
        delta = len(newest.before) - len(newest.after)
    lines = positions.lines_with_ends(data.original_text)
    start = max(0, current.start + delta)
    length = current.end - current.start
    if newest is not None and current.start <= newest.start < current.end:
        length += len(newest.before) - len(newest.after)
    return "".join(lines[start : start + max(1, length)])


def format_for(engine) -> str | None:
    """"sweep" for a model with Qwen's `<|file_sep|>` token, "zeta2" for one with Seed-Coder's FIM
    tokens, "instruct" for a chat model, else None."""
    fim = getattr(engine, "format", None)
    ids, texts = getattr(fim, "ids", {}), getattr(fim, "texts", {})
    if getattr(engine, "prompt_format", "") == "qwen" and "fim_sep" in ids:
        return "sweep"
    if all(texts.get(role) == text and role in ids for role, text in SEED_CODER_FIM.items()):
        return "zeta2"
    if getattr(engine, "chat_template", "") or getattr(engine, "prompt_format", "") == "chat":
        return "instruct"
    return None


def has_secret(text: str) -> bool:
    return redact(clean(text)) != clean(text)


def _text(text: str) -> str:
    return redact(clean(text))


def _block(path: str, body: str) -> list:
    return [Special("fim_sep"), _text(f"{path}\n{_ended(body)}")]


def sweep_prompt(data: NextEditInput, current: Window) -> Prompt:
    parts: list = []
    for path, text in data.related:
        parts += _block(path, text)
    for hunk in data.hunks[-MAX_DIFFS:]:
        parts += _block(f"{hunk.path}.diff", f"original:\n{_ended(hunk.original)}updated:\n{hunk.updated}")
    parts += _block(f"original/{data.path}", original_window(data, current))
    parts += _block(f"current/{data.path}", current.text)
    parts += [Special("fim_sep"), _text(f"updated/{data.path}\n")]
    return Prompt(tuple(_merged(parts)), "sweep", "psm", stop=SWEEP_STOP)


def zeta2_prompt(data: NextEditInput, current: Window) -> Prompt:
    lines = positions.lines_with_ends(data.text)
    before = "".join(lines[max(0, current.start - ZETA_CONTEXT_LINES) : current.start])
    after = "".join(lines[current.end : current.end + ZETA_CONTEXT_LINES])
    parts: list = [Special("fim_suf"), _text(_ended(after)), Special("fim_pre")]
    for path, text in data.related:
        parts.append(_text(f"<filename>{path}\n{_ended(text)}\n"))
    if data.hunks:
        diffs = "".join(("// User accepted prediction:\n" if h.accepted else "") + h.diff for h in data.hunks)
        parts.append(_text(f"<filename>edit_history\n{diffs}\n"))
    parts.append(_text(f"<filename>{data.path}\n{before}{ZETA_START}{_marked(data, current)}{ZETA_SEPARATOR}"))
    parts.append(Special("fim_mid"))
    return Prompt(tuple(_merged(parts)), "zeta2", "spm", stop=(ZETA_END, "<filename>", "<[fim-suffix]>"))


def parse_zeta2(output: str) -> str | None:
    """The new window from a zeta2 answer (the text before `>>>>>>> UPDATED`), None for NO_EDITS."""
    text = output.split(ZETA_END, 1)[0]
    if not text.strip() or text.lstrip().startswith(ZETA_NO_EDITS):
        return None
    return text.replace(CURSOR, "")


def _marked(data: NextEditInput, current: Window) -> str:
    """The window with the cursor marked, ended by a line break."""
    lines = positions.lines_with_ends(current.text) or [""]
    row = min(max(0, data.cursor_line - current.start), len(lines) - 1)
    column = min(data.cursor_column, len(lines[row].rstrip("\r\n")))
    lines[row] = lines[row][:column] + CURSOR + lines[row][column:]
    return _ended("".join(lines))


def instruct_messages(data: NextEditInput, current: Window) -> list[ChatMessage]:
    diffs = "\n".join(("(accepted suggestion)\n" if h.accepted else "") + h.diff for h in data.hunks) or "(none)"
    user = (f"Recent edits:\n{diffs}\n\nFile: {data.path}\nWindow:\n```\n{_marked(data, current)}```\n\n"
            f"Rewrite the window, or answer {NO_EDIT}.")
    return [ChatMessage("system", INSTRUCT_SYSTEM), ChatMessage("user", _text(user))]


def parse_instruct(reply: str) -> str | None:
    """The rewritten window from a chat reply, or None for NO_EDIT / nothing usable."""
    text = reply.strip()
    if not text or text.startswith(NO_EDIT):
        return None
    if text.startswith("```"):
        body = text.split("\n", 1)[1] if "\n" in text else ""
        text = body.rsplit("```", 1)[0] if "```" in body else body
        return text.replace(CURSOR, "")
    return reply.strip("\n").replace(CURSOR, "") + "\n"


def _ended(text: str) -> str:
    return text if not text or text.endswith(("\n", "\r")) else text + "\n"


def _merged(parts: Sequence) -> list:
    """Adjacent text parts joined (one tokenizer call each)."""
    merged: list = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        else:
            merged.append(part)
    return merged
