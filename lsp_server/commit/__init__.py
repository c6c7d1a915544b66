"""Commit messages from the staged diff, and the git hook that writes them.

`staged` reads what is staged (plain `git` plumbing, bytes-safe file names),
`fitting` squeezes any diff into the model's context, `style` learns how this
repository writes subjects, `cleanup` turns model text into a well-formed
message, and `generate` ties them to an engine. `hooks` installs the
`prepare-commit-msg` hook, `hook_runner` is what that hook runs, and
`warm_socket` lets a running `coder-lsp serve` answer the hook with the model
it already holds. Nothing here imports pygls or lsprotocol.
"""

from lsp_server.commit.generate import NothingStaged, generate_commit_message

__all__ = ["NothingStaged", "generate_commit_message"]
