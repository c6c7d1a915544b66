"""Commit subjects on the same footing as explanations: they name what changed, or a summary does.

The prompt carries the branch and the author's own latest subjects; a
subject that names no changed file, directory or symbol (or loops) gives way
to a deterministic summary of the files and symbols changed.
"""

from __future__ import annotations

from lsp_server.commit.fitting import fit_diff
from lsp_server.commit.generate import build_prompt, finish_message, names_the_change
from lsp_server.commit.staged import read_staged_changes
from lsp_server.commit.style import learn_style, recent_subjects, with_repository_context
from tests.commit.conftest import commit_all, git


class CountingEngine:
    """Only what build_prompt needs: a context size and a token count (no model)."""

    n_ctx = 4096

    def count_tokens(self, text: str) -> int:
        return len(text) // 3 + 1


def staged_load_change(repo):
    (repo / "loader.py").write_text("def load(path):\n    return open(path).read()\n")
    commit_all(repo, "Add the loader")
    (repo / "loader.py").write_text("def load(path):\n    with open(path) as f:\n        return f.read()\n")
    git(repo, "add", "loader.py")
    changes = read_staged_changes(str(repo))
    fit_diff(changes, CountingEngine().count_tokens, 2000)  # fills in the symbols, as generation does
    return changes


def test_a_subject_that_names_nothing_changed_falls_back_to_files_and_symbols(repo):
    changes = staged_load_change(repo)
    style = learn_style([])
    assert names_the_change("Close the file after load", changes)
    assert names_the_change("loader: close the file", changes)
    assert not names_the_change("Improve code quality", changes)
    assert not names_the_change("the the the the", changes)
    message = finish_message("Improve code quality\n\nMade things better.", style, changes)
    assert message == "Update load in loader.py\n\n- loader.py (+2 -1); function load"
    assert finish_message("", style, changes) == message
    assert finish_message("Close the file after load\n\nUses with.", style, changes).startswith("Close the file after load")


def test_prompt_carries_the_branch_and_the_authors_subjects(repo):
    git(repo, "checkout", "-q", "-b", "fix/loader-leak")
    changes = staged_load_change(repo)
    style = with_repository_context(learn_style(recent_subjects(str(repo))), str(repo))
    assert style.branch == "fix/loader-leak"
    system = build_prompt(changes, style, CountingEngine())[0][0].content
    assert "The branch is `fix/loader-leak`." in system
    assert "Add the loader" in system


def test_detached_head_has_no_branch(repo):
    (repo / "a.txt").write_text("a\n")
    commit_all(repo, "Add a")
    git(repo, "checkout", "-q", "--detach")
    assert with_repository_context(learn_style([]), str(repo)).branch == ""
