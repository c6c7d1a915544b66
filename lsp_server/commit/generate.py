"""Write a commit message for what is staged, with any engine.

`generate_commit_message` reads the staged changes (NothingStaged before any
model call when there are none), learns the repository's subject style,
fits the diff into the engine's context window next to the instructions,
asks the model through its chat template, and cleans the reply into a
subject of at most 72 characters, a blank line and a body wrapped at 72.
When a model answers nothing usable (tiny or random-weight models do), the
subject falls back to a plain description of the changed files.
"""

from __future__ import annotations

import posixpath
from typing import Callable

from lsp_server.commit.cleanup import SUBJECT_LIMIT, clean_message, format_message
from lsp_server.commit.fitting import FittedDiff, fit_diff
from lsp_server.commit.staged import NothingStaged, StagedChanges, read_staged_changes
from lsp_server.commit.style import CommitStyle, apply_style, learn_style, recent_subjects
from lsp_server.model.types import CancelToken, ChatMessage, Engine

__all__ = ["NothingStaged", "generate_commit_message", "build_prompt"]

REPLY_TOKENS = 200
TEMPLATE_OVERHEAD_TOKENS = 48  # chat-template markup around the two messages
SYSTEM_PROMPT = (
    "You write git commit messages. Reply with the commit message only: a subject line of at most "
    "72 characters in the imperative mood (\"Add\", \"Fix\", not \"Added\"), a blank line, then a "
    "short body saying what changed and why. No quotes, no preamble, no markdown."
)
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
    style = learn_style(recent_subjects(changes.toplevel))
    report(f"Fitting {len(changes.files)} changed file(s) into the context window", 10)
    messages, fitted = build_prompt(changes, style, engine)
    cancel.raise_if_cancelled()
    report("Generating the message", 20)
    produced = [0]

    def on_token(_text: str) -> None:
        produced[0] += 1
        report("Generating the message", 20 + min(75, produced[0] * 75 // REPLY_TOKENS))

    reply = engine.chat(messages, cancel, max_tokens=REPLY_TOKENS, on_token=on_token)
    report("Done", 100)
    return finish_message(reply.text, style, changes)


def build_prompt(changes: StagedChanges, style: CommitStyle, engine: Engine) -> tuple[list[ChatMessage], FittedDiff]:
    """System and user messages whose tokens fit the engine's context with room for the reply."""
    guidance = style.instructions()
    system = SYSTEM_PROMPT + ("\n" + guidance if guidance else "")
    intro = "Write the commit message for these staged changes.\n\n"
    fixed = engine.count_tokens(system) + engine.count_tokens(intro) + TEMPLATE_OVERHEAD_TOKENS
    budget = engine.n_ctx - REPLY_TOKENS - fixed
    if budget < 64:
        system, budget = SYSTEM_PROMPT, engine.n_ctx - REPLY_TOKENS - TEMPLATE_OVERHEAD_TOKENS - 80
    for _ in range(4):  # tokenizing pieces is not exactly additive; shrink until the whole fits
        fitted = fit_diff(changes, engine.count_tokens, max(budget, 32))
        messages = [ChatMessage("system", system), ChatMessage("user", intro + fitted.text)]
        total = sum(engine.count_tokens(m.content) for m in messages) + TEMPLATE_OVERHEAD_TOKENS
        if total + REPLY_TOKENS <= engine.n_ctx:
            break
        budget -= total + REPLY_TOKENS - engine.n_ctx + 16
    return messages, fitted


def finish_message(model_text: str, style: CommitStyle, changes: StagedChanges) -> str:
    paths = [f.display_path for f in changes.files]
    statuses = [f.status for f in changes.files]
    cleaned = clean_message(model_text)
    subject, body = cleaned if cleaned else (fallback_subject(changes), "")
    subject = apply_style(subject, style, paths, statuses)
    if len(subject) > SUBJECT_LIMIT:
        subject = subject[:SUBJECT_LIMIT].rsplit(" ", 1)[0]
    return format_message(subject, body)


def fallback_subject(changes: StagedChanges) -> str:
    """A plain subject from the file list, for when the model's text is unusable."""
    verbs = {"A": "Add", "D": "Remove", "R": "Rename", "C": "Copy", "T": "Change type of"}
    statuses = {f.status for f in changes.files}
    verb = verbs.get(statuses.pop(), "Update") if len(statuses) == 1 else "Update"
    names = [posixpath.basename(f.display_path) for f in changes.files]
    subject = f"{verb} {', '.join(names[:3])}"
    if len(names) > 3 or len(subject) > SUBJECT_LIMIT:
        subject = f"{verb} {len(names)} files"
    return subject
