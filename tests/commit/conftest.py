"""Real git repositories in temporary folders, with git and the hook isolated from the user's setup."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.conftest import DEEPSEEK_MODEL


def git(repo: Path, *args: str | bytes, check: bool = True, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=repo, check=check, capture_output=True, env=env)


def make_repo(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    git(folder, "init", "-q", "-b", "main")
    git(folder, "config", "user.name", "Test User")
    git(folder, "config", "user.email", "test@example.com")
    git(folder, "config", "commit.gpgsign", "false")
    return folder


def commit_all(repo: Path, subject: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--no-verify", "-m", subject)


def head_message(repo: Path) -> str:
    return git(repo, "log", "-1", "--format=%B").stdout.decode().rstrip("\n")


@pytest.fixture
def commit_env(isolated_home, monkeypatch):
    """Environment for real `git commit`: no system config, no editor, the tiny model, a private socket folder."""
    runtime = Path(tempfile.mkdtemp(prefix="cl-"))  # short: Unix socket paths are limited to ~100 bytes
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_EDITOR", "true")
    monkeypatch.setenv("CODER_LSP_MODEL", str(DEEPSEEK_MODEL))
    monkeypatch.setenv("CODER_LSP_RUNTIME_DIR", str(runtime / "run"))
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        monkeypatch.delenv(name, raising=False)
    yield dict(os.environ)
    shutil.rmtree(runtime, ignore_errors=True)


@pytest.fixture
def repo(tmp_path, commit_env) -> Path:
    return make_repo(tmp_path / "repo")
