"""Installing, chaining, refreshing and removing the prepare-commit-msg hook (no model involved)."""

from __future__ import annotations

import os
import stat
import subprocess

from lsp_server.commit import hooks
from tests.commit.conftest import git
from tests.conftest import CODER_LSP

USER_HOOK = "#!/bin/sh\necho user-hook-ran >> \"$(git rev-parse --git-dir)/user-hook.log\"\n"


def cli(repo, *args):
    return subprocess.run([*CODER_LSP, *args, "--repo", str(repo)], capture_output=True, text=True)


def test_install_status_uninstall_round_trip(repo):
    hook = repo / ".git" / "hooks" / "prepare-commit-msg"
    assert "not installed" in cli(repo, "hook", "status").stdout
    assert cli(repo, "hook", "install").returncode == 0
    assert hooks.is_ours(hook) and os.access(hook, os.X_OK)
    assert "installed: " in cli(repo, "hook", "status").stdout
    assert "refreshed" in cli(repo, "hook", "install").stdout  # idempotent
    assert not (hook.parent / "prepare-commit-msg.coder-lsp-orig").exists()
    assert "removed" in cli(repo, "hook", "uninstall").stdout
    assert not hook.exists()
    assert "nothing to do" in cli(repo, "hook", "uninstall").stdout


def test_existing_hook_is_chained_and_restored_byte_for_byte(repo):
    hook = repo / ".git" / "hooks" / "prepare-commit-msg"
    hook.parent.mkdir(exist_ok=True)
    hook.write_bytes(USER_HOOK.encode())
    hook.chmod(0o741)
    hooks.install(str(repo))
    hooks.install(str(repo))  # twice: the original must not be overwritten by our own script
    status = hooks.status(str(repo))
    assert status.installed and status.chained
    original = hook.parent / "prepare-commit-msg.coder-lsp-orig"
    assert original.read_bytes() == USER_HOOK.encode()
    hooks.uninstall(str(repo))
    assert hook.read_bytes() == USER_HOOK.encode()
    assert stat.S_IMODE(hook.stat().st_mode) == 0o741
    assert not original.exists()


def test_symlinked_hook_is_restored_as_the_same_symlink(repo, tmp_path):
    target = tmp_path / "shared-hook.sh"
    target.write_text(USER_HOOK)
    hook = repo / ".git" / "hooks" / "prepare-commit-msg"
    hook.parent.mkdir(exist_ok=True)
    hook.symlink_to(target)
    hooks.install(str(repo))
    assert hooks.is_ours(hook) and target.read_text() == USER_HOOK
    hooks.uninstall(str(repo))
    assert hook.is_symlink() and os.readlink(hook) == str(target)


def test_core_hooks_path_is_respected(repo):
    git(repo, "config", "core.hooksPath", "githooks")
    message = hooks.install(str(repo / "."))
    assert (repo / "githooks" / "prepare-commit-msg").exists(), message
    assert not (repo / ".git" / "hooks" / "prepare-commit-msg").exists()
    assert hooks.status(str(repo)).hooks_dir == repo / "githooks"


def test_outside_a_repository_is_a_clear_error(tmp_path, commit_env):
    result = cli(tmp_path, "hook", "install")
    assert result.returncode == 1 and "not inside a git repository" in result.stderr


def test_script_is_posix_sh_calling_this_python():
    script = hooks.hook_script("/opt/env with space/bin/python")
    assert script.startswith("#!/bin/sh\n")
    assert "python='/opt/env with space/bin/python'" in script
    assert script.rstrip().endswith("exit 0")
    assert subprocess.run(["sh", "-n", "-c", script]).returncode == 0
