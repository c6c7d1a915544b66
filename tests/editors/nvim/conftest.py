"""Fixtures for the Neovim client tests: each test runs in real headless Neovim
0.12 (native inline completion) and 0.11.4 (the ghost-text fallback), installed
by .ci/setup-nvim.sh, against the real `coder-lsp serve` on the tiny DeepSeek
fixture model, in a git workspace under a temp HOME."""

from __future__ import annotations

import subprocess

import pytest

from tests.editors.nvim.harness import NVIM_BINARIES, Editor, EditorOptions

pytestmark = pytest.mark.editor

MAIN_PY = '''"""A tiny module to complete in."""


def add(a, b):
    return a + b


# The sum of
'''


@pytest.fixture(params=sorted(NVIM_BINARIES), ids=lambda v: f"nvim-{v}")
def nvim_binary(request):
    binary = NVIM_BINARIES[request.param]
    if not binary.exists():
        pytest.skip(f"{binary} is missing: run `bash .ci/setup-nvim.sh` (make test does)")
    return binary


@pytest.fixture
def workspace(tmp_path, isolated_home):
    """A git repository with one Python file and one commit."""
    root = tmp_path / "ws"
    root.mkdir()
    (root / "main.py").write_text(MAIN_PY)
    git = lambda *args: subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)
    git("init", "-q", "-b", "main")
    git("config", "user.email", "dev@example.com")
    git("config", "user.name", "Dev")
    git("add", "main.py")
    git("commit", "-q", "-m", "Add main.py")
    return root


@pytest.fixture
def start_editor(nvim_binary, tmp_path, isolated_home):
    """start_editor(options=None) -> Editor; every editor is closed after the test."""
    editors = []

    def start(options: EditorOptions | None = None) -> Editor:
        workdir = tmp_path / "ws" if (tmp_path / "ws").exists() else tmp_path
        editor = Editor(nvim_binary, workdir, options or EditorOptions())
        editors.append(editor)
        return editor

    yield start
    for editor in editors:
        editor.close()


@pytest.fixture
def editor(start_editor, workspace):
    return start_editor()
