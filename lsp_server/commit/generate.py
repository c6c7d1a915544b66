"""Write a commit message for what is staged, with any engine.

`generate_commit_message` reads the staged changes (NothingStaged before any
model call when there are none), learns the repository's subject style,
fits the diff into the engine's context window next to the instructions,
asks the model through its chat template, and cleans the reply into a
subject of at most 72 characters, a blank line and a body wrapped at 72.
The prompt carries the branch name and the latest subjects of the
repository and of the author. A subject must name something that changed (a
file, a directory, a function or class from the diff); when the model's
does not, or it answers nothing usable (tiny or random-weight models do), or
loops, the message falls back to a deterministic summary: the changed files
and symbols.
"""

from __future__ import annotations

import posixpath
import re
from typing import Callable

from lsp_server.commit.cleanup import SUBJECT_LIMIT, clean_message, format_message
from lsp_server.commit.fitting import FittedDiff, fit_diff
from lsp_server.commit.staged import NothingStaged, StagedChanges, read_staged_changes
from lsp_server.commit.style import CommitStyle, apply_style, learn_style, recent_subjects, with_repository_context
from lsp_server.model.types import CancelToken, Cancelled, ChatMessage, Engine

__all__ = ["NothingStaged", "generate_commit_message", "build_prompt"]

REPLY_TOKENS = 200
TEMPLATE_OVERHEAD_TOKENS = 16  # chat-template markup per message
SYSTEM_PROMPT = (
    "You write git commit messages. Reply with the commit message only: a subject line of at most "
    "72 characters in the imperative mood (\"Add\", \"Fix\", not \"Added\"), a blank line, then a "
    "short body saying what changed and why. No quotes, no preamble, no markdown."
)
ASK = "Write the commit message for these staged changes.\n\n"
# One worked example as a previous turn: small chat models copy the shape of an answer far
# better than they follow a description of it.
EXAMPLE_CHANGES = """1 file changed:
- http/client.py (modified, +5 -1); touches function fetch

Diff:
--- http/client.py
@@ -10,3 +10,7 @@ def fetch(url):
-    return session.get(url)
+    for attempt in range(3):
+        try:
+            return session.get(url, timeout=10)
+        except TimeoutError:
+            continue"""
EXAMPLE_SUBJECTS = {"conventional": "fix(http): retry fetch up to three times on timeouts",
                    "area": "http: retry fetch up to three times on timeouts",
                    "plain": "Retry fetch up to three times on timeouts"}
EXAMPLE_BODY = ("Requests to slow servers failed on the first timeout. fetch now\n"
                "retries twice more and gives each request a 10 second timeout.")
ProgressCallback = Callable[[str, int | None], None]


def generate_commit_message(
    repo_dir: str, engine: Engine, cancel: CancelToken, *, on_progress: ProgressCallback | None = None,
    index_file: str | None = None,
) -> str:
    """The commit message for the changes staged in `repo_dir`'s repository (or in `index_file`)."""
    report = on_progress or (lambda message, percent: None)
    report("Reading staged changes", 0)
    changes = read_staged_changes(repo_dir, index_file=index_file)
    cancel.raise_if_cancelled()
    style = with_repository_context(learn_style(recent_subjects(changes.toplevel)), changes.toplevel)
    report(f"Fitting {len(changes.files)} changed file(s) into the context window", 10)
    messages, fitted = build_prompt(changes, style, engine)
    cancel.raise_if_cancelled()
    report("Generating the message", 20)
    text = _chat_until_done(engine, messages, cancel, report)
    report("Done", 100)
    return finish_message(text, style, changes)


def _chat_until_done(engine: Engine, messages: list[ChatMessage], cancel: CancelToken, report) -> str:
    """The model's reply, stopped early once it starts repeating lines (small models loop)."""
    inner, pieces = CancelToken(), []

    def on_token(piece: str) -> None:
        pieces.append(piece)
        report("Generating the message", 20 + min(75, len(pieces) * 75 // REPLY_TOKENS))
        if cancel.cancelled or _repeats_a_line("".join(pieces)):
            inner.cancel()

    try:
        return engine.chat(messages, inner, max_tokens=REPLY_TOKENS, on_token=on_token).text
    except Cancelled:
        cancel.raise_if_cancelled()
        return "".join(pieces)


def _repeats_a_line(text: str) -> bool:
    lines = [line.strip() for line in text.split("\n")[:-1] if line.strip()]  # complete lines only
    return len(lines) != len(set(lines))


def build_prompt(changes: StagedChanges, style: CommitStyle, engine: Engine) -> tuple[list[ChatMessage], FittedDiff]:
    """The chat messages, fitted so prompt and reply stay inside the engine's context window."""
    guidance = style.instructions()
    system = SYSTEM_PROMPT + ("\n" + guidance if guidance else "")
    example = [ChatMessage("user", ASK + EXAMPLE_CHANGES),
               ChatMessage("assistant", f"{EXAMPLE_SUBJECTS[style.kind]}\n\n{EXAMPLE_BODY}")]
    fixed = sum(engine.count_tokens(m.content) for m in example) + engine.count_tokens(system + ASK)
    budget = engine.n_ctx - REPLY_TOKENS - fixed - 4 * TEMPLATE_OVERHEAD_TOKENS
    if budget < 256:  # a small context: keep it for the diff
        system, example = SYSTEM_PROMPT, []
        budget = engine.n_ctx - REPLY_TOKENS - engine.count_tokens(system + ASK) - 2 * TEMPLATE_OVERHEAD_TOKENS
    for _ in range(4):  # tokenizing pieces is not exactly additive; shrink until the whole fits
        fitted = fit_diff(changes, engine.count_tokens, max(budget, 32))
        messages = [ChatMessage("system", system), *example, ChatMessage("user", ASK + fitted.text)]
        total = sum(engine.count_tokens(m.content) + TEMPLATE_OVERHEAD_TOKENS for m in messages)
        if total + REPLY_TOKENS <= engine.n_ctx:
            break
        budget -= total + REPLY_TOKENS - engine.n_ctx + 16
    return messages, fitted


def finish_message(model_text: str, style: CommitStyle, changes: StagedChanges) -> str:
    paths = [f.display_path for f in changes.files]
    statuses = [f.status for f in changes.files]
    cleaned = clean_message(model_text)
    if cleaned and names_the_change(cleaned[0], changes):
        subject, body = cleaned
    else:
        subject, body = fallback_subject(changes), fallback_body(changes)
    subject = apply_style(subject, style, paths, statuses)
    if len(subject) > SUBJECT_LIMIT:
        subject = subject[:SUBJECT_LIMIT].rsplit(" ", 1)[0]
    return format_message(subject, body)


def _symbol_names(changes: StagedChanges) -> list[str]:
    """`function load` / `method Cart.total` -> `load`, `Cart.total`, from what fitting found."""
    found = []
    for staged in changes.files:
        for symbol in staged.symbols or ():
            if not symbol.endswith(" more"):
                found.append(symbol.split(" ", 1)[-1])
    return list(dict.fromkeys(found))


def names_the_change(subject: str, changes: StagedChanges) -> bool:
    """Whether the subject names a changed file, directory or symbol (or a word of one), and is not a loop."""
    words = re.findall(r"[A-Za-z][A-Za-z0-9]+", subject.lower())
    if not words or len(set(words)) * 2 < len(words):
        return False
    subject_words = set(words) | {w.rstrip("s") for w in words}
    named: set[str] = set()
    for staged in changes.files:
        for part in re.split(r"[/._\-]", staged.display_path.lower()):
            named.add(part)
    for symbol in _symbol_names(changes):
        named |= {w.lower() for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+", symbol)} | {symbol.lower()}
    named = {w for w in named if len(w) >= 3 and w not in ("py", "txt", "src", "lib", "the", "and")}
    return bool(named & subject_words)


def fallback_subject(changes: StagedChanges) -> str:
    """A plain subject from the files and symbols changed, for when the model's text is unusable."""
    verbs = {"A": "Add", "D": "Remove", "R": "Rename", "C": "Copy", "T": "Change type of"}
    statuses = {f.status for f in changes.files}
    verb = verbs.get(statuses.pop(), "Update") if len(statuses) == 1 else "Update"
    names = [posixpath.basename(f.display_path) for f in changes.files]
    symbols = _symbol_names(changes)
    subject = f"{verb} {', '.join(names[:3])}"
    if len(names) == 1 and symbols and verb == "Update":
        subject = f"Update {', '.join(symbols[:2])} in {names[0]}"
    if len(names) > 3 or len(subject) > SUBJECT_LIMIT:
        subject = f"{verb} {len(names)} files"
    return subject if len(subject) <= SUBJECT_LIMIT else subject[:SUBJECT_LIMIT].rsplit(" ", 1)[0]


def fallback_body(changes: StagedChanges) -> str:
    """One line per changed file (at most 10): its path, +/- lines and the symbols it touches."""
    lines = []
    for staged in changes.files[:10]:
        symbols = [s for s in staged.symbols or () if not s.endswith(" more")]
        touches = f"; {', '.join(symbols[:3])}" if symbols else ""
        lines.append(f"- {staged.display_path} (+{staged.added} -{staged.removed}){touches}")
    if len(changes.files) > 10:
        lines.append(f"- and {len(changes.files) - 10} more files")
    return "\n".join(line if len(line) <= 72 else line[:69] + "..." for line in lines)
