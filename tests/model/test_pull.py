"""`coder-lsp pull` against a local Hub (tests/model/hub_server.py) with the real huggingface_hub client:
download with progress, resume after a cut connection and after a killed pull, a wrong hash rejected,
offline, and the CLI's messages."""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess

import pytest

from lsp_server.model import pull
from tests.conftest import CODER_LSP, DEEPSEEK_MODEL, ROOT, env_without_model
from tests.model.hub_server import COMMIT, HubServer

REPO, FILE = "tiny-org/deepseek-tiny-GGUF", "deepseek-tiny.gguf"
DATA = DEEPSEEK_MODEL.read_bytes()
SHA = hashlib.sha256(DATA).hexdigest()


@pytest.fixture(autouse=True)
def online(monkeypatch):
    """huggingface_hub reads HF_HUB_OFFLINE once, at import: another test may have imported it offline."""
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)


@pytest.fixture
def hub(isolated_home, monkeypatch):
    with HubServer({(REPO, FILE): DATA}) as server:
        monkeypatch.setenv("HF_ENDPOINT", server.url)
        monkeypatch.setenv("HF_HUB_CACHE", str(isolated_home / "hf"))
        monkeypatch.setenv("HF_HUB_DISABLE_XET", "1")
        yield server


def blob(home) -> str:
    return str(home / "hf" / f"models--{REPO.replace('/', '--')}" / "blobs" / SHA)


def test_download_reports_progress_and_lands_in_the_hf_cache(hub, isolated_home, monkeypatch):
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "DOWNLOAD_CHUNK_SIZE", 1 << 20)  # 10 MB by default: one chunk here
    seen = []
    path = pull.pull(pull.target_for(f"{REPO}:{FILE}"), progress=lambda done, total: seen.append((done, total)))
    assert open(path, "rb").read() == DATA
    assert os.path.realpath(path) == blob(isolated_home)
    assert f"snapshots/{COMMIT}/{FILE}" in path
    assert seen[0] == (0, len(DATA)) and seen[-1] == (len(DATA), len(DATA)) and len(seen) >= 7
    assert pull.cached_path(pull.target_for(f"{REPO}:{FILE}")) == path  # and now found offline


def test_a_cut_connection_resumes_with_a_range_request(hub, isolated_home, monkeypatch):
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "DOWNLOAD_CHUNK_SIZE", 1 << 18)  # bytes of a chunk cut short are fetched again
    hub.cut_after = 1_000_000
    path = pull.pull(pull.target_for(f"{REPO}:{FILE}"))
    assert hashlib.sha256(open(path, "rb").read()).hexdigest() == SHA
    ranges = [r for method, p, r in hub.requests if p.startswith("/cdn/") and r]
    assert ranges == [f"bytes={3 << 18}-"]


def test_a_killed_pull_resumes_from_its_partial_file(hub, isolated_home):
    part = blob(isolated_home) + pull.PART_SUFFIX
    os.makedirs(os.path.dirname(part))
    with open(part, "wb") as handle:
        handle.write(DATA[:2_000_000])
    path = pull.pull(pull.target_for(f"{REPO}:{FILE}"))
    assert open(path, "rb").read() == DATA
    assert [r for _, p, r in hub.requests if p.startswith("/cdn/")] == ["bytes=2000000-"]
    assert not os.path.exists(part)


def test_a_wrong_hash_is_rejected_and_nothing_is_kept(hub, isolated_home):
    hub.wrong_sha = True
    with pytest.raises(pull.PullError, match="failed its sha256 check"):
        pull.pull(pull.target_for(f"{REPO}:{FILE}"))
    assert pull.cached_path(pull.target_for(f"{REPO}:{FILE}")) is None
    blobs = os.listdir(os.path.dirname(blob(isolated_home)))
    assert blobs == []


def test_a_preset_pinning_another_hash_is_refused(hub, monkeypatch):
    target = pull.Target(REPO, FILE, sha256="0" * 64)
    with pytest.raises(pull.PullError, match="not the file the preset pins"):
        pull.pull(target)


def test_a_missing_file_names_it(hub):
    with pytest.raises(pull.PullError, match="has no file other.gguf"):
        pull.pull(pull.target_for(f"{REPO}:other.gguf"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_offline_is_one_clear_message(isolated_home, monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{free_port()}")  # nothing listens there
    monkeypatch.setenv("HF_HUB_CACHE", str(isolated_home / "hf"))
    with pytest.raises(pull.PullError, match="Cannot reach the Hugging Face Hub") as err:
        pull.pull(pull.target_for("cpu"))
    assert "coder-lsp use /path/to/qwen2.5-coder-1.5b-q8_0.gguf" in str(err.value)


def test_offline_mode_is_named(isolated_home, monkeypatch):
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(pull.PullError, match="HF_HUB_OFFLINE is set"):
        pull.pull(pull.target_for("cpu"))


def test_bad_names_are_refused():
    for name in ("nope", "a/b:../../etc/passwd.gguf", "a/b:file.bin", "a:b.gguf"):
        with pytest.raises(pull.PullError):
            pull.target_for(name)


def run_cli(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([*CODER_LSP, *args], capture_output=True, text=True, timeout=120, cwd=ROOT, env=env)


def test_cli_pull_then_use(hub, isolated_home):
    env = env_without_model(PYTHONPATH=str(ROOT))
    done = run_cli("pull", f"{REPO}:{FILE}", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith(FILE) and "deepseek-tiny.gguf" in done.stdout
    used = run_cli("use", f"{REPO}:{FILE}", env=env)
    assert used.returncode == 0, used.stderr
    config = (isolated_home / "xdg_config_home" / "coder-lsp" / "config.toml").read_text()
    assert f"snapshots/{COMMIT}/{FILE}" in config and config.startswith("[model]\npath = ")


def test_cli_pull_offline_exits_1_with_the_message(isolated_home):
    env = env_without_model(PYTHONPATH=str(ROOT), HF_ENDPOINT=f"http://127.0.0.1:{free_port()}",
                            HF_HUB_CACHE=str(isolated_home / "hf"))
    done = run_cli("pull", "cpu-small", env=env)
    assert done.returncode == 1
    assert "Cannot reach the Hugging Face Hub" in done.stderr and "Traceback" not in done.stderr


def test_cli_draws_a_progress_bar_only_in_a_terminal(hub, isolated_home):
    import fcntl
    import pty
    import struct
    import termios

    env = env_without_model(PYTHONPATH=str(ROOT))
    piped = run_cli("pull", f"{REPO}:{FILE}", env=env)
    assert piped.returncode == 0 and "%|" not in piped.stderr  # a log or a pipe gets no bar
    import shutil

    shutil.rmtree(isolated_home / "hf")
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))  # a pty starts 0 columns wide
    done = subprocess.run([*CODER_LSP, "pull", f"{REPO}:{FILE}"], stdout=subprocess.PIPE, stderr=follower,
                          timeout=120, cwd=ROOT, env=env)
    os.close(follower)
    drawn = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        drawn += chunk
        if b"done in" in drawn:
            break
    os.close(leader)
    assert done.returncode == 0
    assert b"100%|" in drawn and b"5.71M/5.71M" in drawn
