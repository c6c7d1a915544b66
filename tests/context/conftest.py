"""Helpers for the context tests: fixture workspaces copied to a temp folder, waiting on the index."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from context.index import RepositoryIndex

WORKSPACES = Path(__file__).resolve().parents[2] / "fixtures" / "workspaces"
LANGUAGE_WORKSPACES = ("python", "js", "ts", "go", "rust", "java", "c", "cpp")


def eventually(condition, timeout: float = 20.0, interval: float = 0.02):
    """Wait until `condition()` is truthy (the index works on its own thread); return its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


@pytest.fixture
def workspace(tmp_path) -> Path:
    """A writable copy of every fixture workspace, side by side."""
    target = tmp_path / "ws"
    shutil.copytree(WORKSPACES, target)
    return target


@pytest.fixture
def make_index(tmp_path):
    made: list[RepositoryIndex] = []

    def make(root, **options) -> RepositoryIndex:
        options.setdefault("cache_dir", str(tmp_path / "cache"))
        options.setdefault("watch", False)
        index = RepositoryIndex(str(root), **options).start()
        made.append(index)
        assert index.wait_ready(60)
        return index

    yield make
    for index in made:
        index.stop()
