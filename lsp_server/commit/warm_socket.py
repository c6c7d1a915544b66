"""A local socket through which a running server writes commit messages for the hook.

`coder-lsp serve` already holds the model; loading it again in every
`git commit` would cost seconds. So the server listens on a Unix socket named
after the repository (a hash of its real top-level path) in a per-user
runtime folder with 0700 permissions; the hook asks there first and loads
the model itself only when nobody answers. Only the same user can reach the
folder, and the server also checks the peer's uid (SO_PEERCRED) where the
platform offers it. One JSON line in, one JSON line out, one request per
connection.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import stat
import struct
import threading
from pathlib import Path
from typing import Callable

MAX_SOCKET_PATH = 100  # sun_path is 104-108 bytes depending on the platform
MAX_REQUEST_BYTES = 64 * 1024
Handler = Callable[[dict], dict]


class RuntimeDirError(Exception):
    """The per-user runtime folder is missing, shared or owned by someone else."""


def runtime_dir() -> Path:
    """The per-user folder for sockets, created 0700; refuses one another user owns."""
    override = os.environ.get("CODER_LSP_RUNTIME_DIR")
    xdg = os.environ.get("XDG_RUNTIME_DIR")
    if override:
        folder = Path(override)
    elif xdg and os.path.isdir(xdg):
        folder = Path(xdg) / "coder-lsp"
    else:
        folder = Path(f"/tmp/coder-lsp-{os.getuid()}")
    return _private_folder(folder)


def _private_folder(folder: Path) -> Path:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = os.lstat(folder)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        raise RuntimeDirError(f"{folder} is not a folder owned by this user")
    if stat.S_IMODE(info.st_mode) != 0o700:
        os.chmod(folder, 0o700)
    return folder


def socket_path(repo_toplevel: str) -> Path:
    key = hashlib.sha256(os.fsencode(os.path.realpath(repo_toplevel))).hexdigest()[:24]
    path = runtime_dir() / f"{key}.sock"
    if len(os.fsencode(str(path))) > MAX_SOCKET_PATH:
        path = _private_folder(Path(f"/tmp/coder-lsp-{os.getuid()}")) / f"{key}.sock"
    return path


def ask(repo_toplevel: str, request: dict, timeout_s: float) -> dict | None:
    """The server's answer for this repository, or None when no server listens."""
    try:
        path = socket_path(repo_toplevel)
    except (OSError, RuntimeDirError):
        return None
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.settimeout(min(timeout_s, 2.0))
    try:
        client.connect(str(path))
    except OSError:
        client.close()
        return None
    try:
        client.settimeout(timeout_s)
        client.sendall(json.dumps(request).encode() + b"\n")
        client.shutdown(socket.SHUT_WR)
        return json.loads(_read_line(client) or b"null")
    finally:
        client.close()


def _read_line(connection: socket.socket) -> bytes:
    data = b""
    while b"\n" not in data and len(data) < 16 * MAX_REQUEST_BYTES:
        chunk = connection.recv(65536)
        if not chunk:
            break
        data += chunk
    return data.split(b"\n", 1)[0]


class WarmSocketServer:
    """Serves one repository's socket on a background thread until `stop()`."""

    def __init__(self, repo_toplevel: str, handler: Handler) -> None:
        self.repo_toplevel = os.path.realpath(repo_toplevel)
        self.handler = handler
        self.path = socket_path(self.repo_toplevel)
        self._listener: socket.socket | None = None
        self._inode: int | None = None

    def start(self) -> bool:
        """Listen; False when another live server already answers for this repository."""
        if ask(self.repo_toplevel, {"op": "ping"}, 2.0) is not None:
            return False
        if self.path.exists() or self.path.is_symlink():
            self.path.unlink()  # stale: nobody answered on it
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old_mask = os.umask(0o077)
        try:
            listener.bind(str(self.path))
        finally:
            os.umask(old_mask)
        listener.listen(8)
        self._listener, self._inode = listener, os.stat(self.path).st_ino
        threading.Thread(target=self._accept_loop, name="coder-lsp-warm-socket", daemon=True).start()
        return True

    def stop(self) -> None:
        listener, self._listener = self._listener, None
        if listener is None:
            return
        try:
            listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        listener.close()
        try:  # only remove the file if it is still ours
            if os.stat(self.path).st_ino == self._inode:
                self.path.unlink()
        except OSError:
            pass

    def _accept_loop(self) -> None:
        while self._listener is not None:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        with connection:
            if not _same_user(connection):
                return
            try:
                connection.settimeout(10)
                request = json.loads(_read_line(connection) or b"{}")
                if request.get("op") == "ping":
                    answer = {"ok": True, "repo": self.repo_toplevel}
                else:
                    answer = self.handler({**request, "repo": self.repo_toplevel})
            except Exception as error:  # one bad request must not stop the server
                answer = {"error": f"{type(error).__name__}: {error}", "kind": "server"}
            try:
                connection.sendall(json.dumps(answer).encode() + b"\n")
            except OSError:
                pass


def _same_user(connection: socket.socket) -> bool:
    if not hasattr(socket, "SO_PEERCRED"):
        return True  # the 0700 folder is the guard on platforms without peer credentials
    credentials = connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", credentials)
    return uid == os.getuid()
