"""What the installed `prepare-commit-msg` hook runs; it never blocks a commit.

It does nothing when the message already comes from the user or from git
(`-m`, `-F`, `-t`, merge, squash, amend, `-c`/`-C`) or when the message file
already holds text. Otherwise it asks a running `coder-lsp serve` for this
repository over the warm socket, else loads the model itself, and writes the
message above git's comment lines with one comment saying where it came
from. Every failure, and the `[commit] timeout` of the project file, leaves
the file untouched, prints one line to stderr and exits 0; whatever
llama.cpp prints meanwhile goes to /dev/null so that line stays the only one.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from lsp_server.commit import warm_socket
from lsp_server.commit.generate import generate_commit_message
from lsp_server.commit.staged import NothingStaged
from lsp_server.config import layered_settings, project_settings
from lsp_server.model.types import CancelToken
from lsp_server.settings_files import load_project_options

SKIPPED_SOURCES = {"message", "template", "merge", "squash", "commit"}
DEFAULT_TIMEOUT_S = 60.0
_AUTO_COMMENT_CHARS = "#;@!$%^&|:"


@dataclass(frozen=True)
class CommitSettings:
    enable: bool = True
    timeout_s: float = DEFAULT_TIMEOUT_S


def commit_settings(toplevel: str) -> CommitSettings:
    """The `[commit]` table of `.coder-lsp.toml` (or `[tool.coder-lsp.commit]` in pyproject.toml)."""
    section = _project_section(toplevel).get("commit", {})
    if not isinstance(section, dict):
        return CommitSettings()
    timeout = section.get("timeout", DEFAULT_TIMEOUT_S)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        timeout = DEFAULT_TIMEOUT_S
    return CommitSettings(enable=section.get("enable", True) is not False, timeout_s=float(timeout))


def _project_section(toplevel: str) -> dict:
    found = load_project_options(toplevel)
    return found[1] if found else {}


def run_hook(message_file: str, source: str = "", sha: str = "", *, model: str | None = None) -> int:
    """Fill `message_file` with a generated message when that is safe; always returns 0."""
    if source in SKIPPED_SOURCES:
        return 0
    with _quiet_stderr() as warn:
        try:
            toplevel = _git(".", "rev-parse", "--show-toplevel").strip()
            settings = commit_settings(toplevel)
            path = Path(message_file)
            existing = path.read_text(encoding="utf-8", errors="surrogateescape") if path.exists() else ""
            comment = comment_char(toplevel, existing)
            if not settings.enable or has_user_text(existing, comment):
                return 0
            if subprocess.run(["git", "diff", "--cached", "--quiet"], cwd=toplevel).returncode == 0:
                return 0  # nothing staged (e.g. --allow-empty): no model, no noise
            _name_ignored_project_settings(toplevel, warn)
            message, model_name = _generate_within(toplevel, settings.timeout_s, model, warn)
            if message:
                path.write_text(compose(message, existing, comment, model_name),
                                encoding="utf-8", errors="surrogateescape")
        except NothingStaged:
            return 0
        except Exception as error:  # the hook must never block a commit
            warn(f"no commit message generated ({type(error).__name__}: {_first_line(error)})")
    return 0


def _name_ignored_project_settings(toplevel: str, warn) -> None:
    layered_settings(toplevel, notify=lambda text: warn(text.removeprefix("coder-lsp: ")))


def _generate_within(toplevel: str, timeout_s: float, model: str | None, warn) -> tuple[str, str]:
    """(message, model name), or ("", "") after warning that the timeout passed."""
    cancel, result, failure = CancelToken(), {}, []

    def work() -> None:
        try:
            result["value"] = message_for(toplevel, timeout_s, model, cancel)
        except BaseException as error:  # handed to the waiting thread
            failure.append(error)

    worker = threading.Thread(target=work, name="coder-lsp-hook", daemon=True)
    worker.start()
    worker.join(timeout_s)
    if worker.is_alive():
        cancel.cancel()
        warn(f"no commit message: the model took longer than {timeout_s:g}s "
             "(raise [commit] timeout in .coder-lsp.toml)")
        sys.stdout.flush()
        os._exit(0)  # a model still loading cannot be interrupted; leave without waiting for it
    if failure:
        raise failure[0]
    return result["value"]


def message_for(toplevel: str, timeout_s: float, model: str | None, cancel: CancelToken) -> tuple[str, str]:
    """(message, model name): from a running server's warm socket, else from a model loaded here."""
    index_file = os.environ.get("GIT_INDEX_FILE")
    index_file = os.path.abspath(index_file) if index_file else None  # `commit -a` uses a temporary index
    if not model:
        request = {"op": "commit-message", "timeout": timeout_s, "index_file": index_file}
        answer = warm_socket.ask(toplevel, request, timeout_s)
        if answer and answer.get("message"):
            return answer["message"], str(answer.get("model", ""))
        if answer and answer.get("kind") == "nothing-staged":
            raise NothingStaged(answer.get("error", "nothing staged"))
    from lsp_server.model.loader import load_engine

    settings = project_settings(toplevel)[0]
    chosen = settings.model if model else settings.chat_settings()  # --model names the one to run
    engine = load_engine(chosen, cli_model=model, workspace=toplevel)
    try:
        return generate_commit_message(toplevel, engine, cancel, index_file=index_file), engine.name
    finally:
        engine.close()


def compose(message: str, existing: str, comment: str, model_name: str) -> str:
    """The generated message above git's own text, with one comment line when git shows comments."""
    shows_comments = any(line.startswith(comment) for line in existing.splitlines())
    note = f"{comment} Generated by coder-lsp{f' ({model_name})' if model_name else ''}; edit as you like.\n"
    return message.rstrip("\n") + "\n" + (note if shows_comments else "") + existing


def comment_char(toplevel: str, existing: str) -> str:
    try:
        configured = _git(toplevel, "config", "core.commentChar").strip()
    except subprocess.CalledProcessError:
        configured = ""
    if configured and configured != "auto":
        return configured
    if configured == "auto":
        for line in existing.splitlines():
            if line[:1] and line[0] in _AUTO_COMMENT_CHARS:
                return line[0]
    return "#"


def has_user_text(existing: str, comment: str) -> bool:
    for line in existing.splitlines():
        if line.startswith(comment):
            if "------------------------ >8 ------------------------" in line:
                return False  # below the scissors git only shows the diff (`commit -v`)
            continue
        if line.strip():
            return True
    return False


def _git(cwd: str, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0][:200] if text else "no details"


class _quiet_stderr:
    """Send fd 2 to /dev/null (llama.cpp logs there) and give a `warn` that writes one line to the real one."""

    def __enter__(self):
        sys.stderr.flush()
        self._saved = os.dup(2)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
        return self.warn

    def warn(self, text: str) -> None:
        os.write(self._saved, f"coder-lsp: {text}\n".encode("utf-8", "replace"))

    def __exit__(self, *exc) -> None:
        sys.stderr.flush()
        os.dup2(self._saved, 2)
        os.close(self._saved)
