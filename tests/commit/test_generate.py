"""The generator on real repositories and a real llama.cpp engine (tiny random-weight model).

Random weights write gibberish, so these tests check what the generator
guarantees whatever the model says: the message shape, what reaches the
prompt, and that the prompt always fits the context window.
"""

from __future__ import annotations

import os
import re
import subprocess

import pytest

from lsp_server.commit.generate import REPLY_TOKENS, TEMPLATE_OVERHEAD_TOKENS, build_prompt, generate_commit_message
from lsp_server.commit.staged import NothingStaged, read_staged_changes
from lsp_server.commit.style import CONVENTIONAL, learn_style
from lsp_server.model.settings import ModelSettings
from lsp_server.model.types import CancelToken, Cancelled
from tests.commit.conftest import commit_all, git
from tests.conftest import CODER_LSP, DEEPSEEK_MODEL, NOT_A_MODEL

NON_UTF8_NAME = b"caf\xe9-notes.txt"


@pytest.fixture(scope="module")
def engine():
    from lsp_server.model.loader import load_engine

    loaded = load_engine(ModelSettings(), cli_model=str(DEEPSEEK_MODEL))
    yield loaded
    loaded.close()


class RecordingEngine:
    """The real engine, keeping each chat reply (to read its prompt token count)."""

    def __init__(self, engine, replies: list) -> None:
        self._engine, self._replies = engine, replies
        self.name, self.n_ctx, self.prompt_format = engine.name, engine.n_ctx, engine.prompt_format
        self.count_tokens = engine.count_tokens

    def chat(self, *args, **kwargs):
        self._replies.append(self._engine.chat(*args, **kwargs))
        return self._replies[-1]


def assert_well_formed(message: str) -> None:
    lines = message.split("\n")
    assert lines[0].strip() and len(lines[0]) <= 72, message
    if len(lines) > 1:
        assert lines[1] == "" and lines[2].strip(), message
    assert all(len(line) <= 72 for line in lines), message
    assert not any(line.startswith("#") for line in lines), message
    assert not lines[0].startswith(("\"", "'", "`")), message


def prompt_text(repo, engine) -> str:
    changes = read_staged_changes(str(repo))
    messages, _ = build_prompt(changes, learn_style([]), engine)
    return "\n".join(m.content for m in messages)


def test_message_is_well_formed_and_reports_progress(repo, engine):
    (repo / "app.py").write_text("def load(path):\n    return open(path).read()\n")
    commit_all(repo, "Add the loader")
    (repo / "app.py").write_text("def load(path):\n    with open(path) as f:\n        return f.read()\n")
    git(repo, "add", "app.py")
    seen = []
    message = generate_commit_message(str(repo), engine, CancelToken(), on_progress=lambda m, p: seen.append(p))
    assert_well_formed(message)
    assert seen[0] == 0 and seen[-1] == 100 and seen == sorted(seen)
    assert "function load" in prompt_text(repo, engine)


def test_nothing_staged_raises_before_any_model_call(repo):
    (repo / "a.txt").write_text("a\n")
    commit_all(repo, "Add a")
    with pytest.raises(NothingStaged):
        generate_commit_message(str(repo), object(), CancelToken())  # no engine method may be touched
    result = subprocess.run([*CODER_LSP, "commit-msg", "--repo", str(repo), "--model", str(NOT_A_MODEL)],
                            capture_output=True, text=True)
    assert result.returncode == 1 and result.stdout == ""
    assert "Nothing is staged" in result.stderr and "model" not in result.stderr


def test_ten_megabyte_diff_stays_inside_the_context_window(repo, engine):
    (repo / "README.md").write_text("start\n")
    commit_all(repo, "Start")
    line = "value_%06d = compute(%d) + other_value * 3  # some padding text here\n"
    (repo / "big.py").write_text("".join(line % (i, i) for i in range(90_000)))  # ~6.5 MB, one file
    for n in range(40):  # and 40 files of ~100 KB
        (repo / f"mod{n}.py").write_text("".join(line % (i, n) for i in range(1_400)))
    git(repo, "add", "-A")
    assert sum(f.stat().st_size for f in repo.glob("*.py")) > 10_000_000
    changes = read_staged_changes(str(repo))
    messages, fitted = build_prompt(changes, learn_style([]), engine)
    prompt_tokens = sum(engine.count_tokens(m.content) + TEMPLATE_OVERHEAD_TOKENS for m in messages)
    assert prompt_tokens + REPLY_TOKENS <= engine.n_ctx
    assert fitted.files_listed == 41 and fitted.hunks_shown >= 20  # one huge file does not crowd out the rest
    assert "cut to fit" in fitted.text or fitted.hunks_shown < fitted.hunks_total
    replies = []
    recording = RecordingEngine(engine, replies)
    assert_well_formed(generate_commit_message(str(repo), recording, CancelToken()))
    assert replies[0].prompt_tokens + REPLY_TOKENS <= engine.n_ctx  # the engine never had to cut the prompt


def test_binary_lock_and_generated_files_are_named_not_dumped(repo, engine):
    (repo / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40)
    (repo / "package-lock.json").write_text('{"lockfileVersion": 3, "secret_marker_lock": 1}\n')
    (repo / "api_pb2.py").write_text("# Generated by the protocol buffer compiler.  DO NOT EDIT!\nsecret_marker_gen = 1\n")
    (repo / "main.py").write_text("print('hello')\n")
    git(repo, "add", "-A")
    text = prompt_text(repo, engine)
    assert "logo.png (added, binary, content not shown)" in text
    assert "package-lock.json (added, lock file, content not shown" in text
    assert "api_pb2.py (added, generated, content not shown" in text
    assert "secret_marker" not in text and "PNG" not in text
    assert "print('hello')" in text
    assert_well_formed(generate_commit_message(str(repo), engine, CancelToken()))


def test_first_commit_with_a_non_utf8_file_name(repo, engine):
    (repo / os.fsdecode(NON_UTF8_NAME)).write_bytes(b"notes\n")
    git(repo, "add", "-A")
    text = prompt_text(repo, engine)
    assert "caf\ufffd-notes.txt (added, +1 -0)" in text
    message = generate_commit_message(str(repo), engine, CancelToken())
    assert_well_formed(message)


def test_detached_head(repo, engine):
    for n in range(2):
        (repo / "a.txt").write_text(f"{n}\n")
        commit_all(repo, f"Change a to {n}")
    git(repo, "checkout", "-q", "--detach", "HEAD~1")
    (repo / "b.txt").write_text("b\n")
    git(repo, "add", "b.txt")
    assert_well_formed(generate_commit_message(str(repo), engine, CancelToken()))


def test_only_renames_and_mode_changes(repo, engine):
    (repo / "old_name.py").write_text("x = 1\n")
    (repo / "run.sh").write_text("echo hi\n")
    commit_all(repo, "Add files")
    git(repo, "mv", "old_name.py", "new_name.py")
    (repo / "run.sh").chmod(0o755)
    git(repo, "add", "run.sh")
    text = prompt_text(repo, engine)
    assert "new_name.py (renamed from old_name.py, content unchanged)" in text
    assert "run.sh (modified, mode 100644 -> 100755)" in text
    assert_well_formed(generate_commit_message(str(repo), engine, CancelToken()))


def test_conventional_history_gives_a_conventional_subject(repo, engine):
    for n, subject in enumerate(["feat: add a", "fix(io): handle b", "chore: bump c"]):
        (repo / f"f{n}.txt").write_text(subject)
        commit_all(repo, subject)
    (repo / "f0.txt").write_text("changed\n")
    git(repo, "add", "-A")
    message = generate_commit_message(str(repo), engine, CancelToken())
    assert CONVENTIONAL.match(message.split("\n")[0]), message


def test_cancel_while_generating_stops_the_model(repo, engine):
    (repo / "a.txt").write_text("a\n")
    git(repo, "add", "-A")
    cancel = CancelToken()

    def on_progress(message, percent):
        if percent and percent > 25:
            cancel.cancel()

    with pytest.raises(Cancelled):
        generate_commit_message(str(repo), engine, cancel, on_progress=on_progress)


def test_cli_prints_only_the_message(repo):
    (repo / "a.txt").write_text("a\n")
    git(repo, "add", "-A")
    result = subprocess.run([*CODER_LSP, "commit-msg", "--repo", str(repo), "--model", str(DEEPSEEK_MODEL)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert_well_formed(result.stdout.rstrip("\n"))


@pytest.mark.slow
def test_real_smollm2_writes_a_message(repo):
    (repo / "greet.py").write_text("def greet(name):\n    return 'Hello ' + name\n")
    commit_all(repo, "Add greet")
    (repo / "greet.py").write_text("def greet(name, punctuation='!'):\n    return f'Hello {name}{punctuation}'\n")
    git(repo, "add", "-A")
    env = {k: v for k, v in os.environ.items() if k != "CODER_LSP_MODEL"}  # the embedded default
    result = subprocess.run([*CODER_LSP, "commit-msg", "--repo", str(repo)], capture_output=True, text=True,
                            env=env, timeout=240)
    assert result.returncode == 0, result.stderr
    message = result.stdout.rstrip("\n")
    assert_well_formed(message)
    assert re.search(r"[A-Za-z]{3}", message.split("\n")[0])
    print(message)


def test_a_diff_with_a_huge_line_gives_a_message(repo):
    (repo / "data.py").write_text("DATA = '" + "Q" * 100_000 + "'\n" + "." * 60_000 + "\n")
    git(repo, "add", "-A")
    result = subprocess.run([*CODER_LSP, "commit-msg", "--repo", str(repo), "--model", str(DEEPSEEK_MODEL)],
                            capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr[-2000:]
    assert_well_formed(result.stdout.rstrip("\n"))
