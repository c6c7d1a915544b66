"""A local stand-in for the Hugging Face Hub on 127.0.0.1, for the real huggingface_hub client.

It answers the routes `hf_hub_download` and `get_hf_file_metadata` use the
way huggingface.co does for an LFS file: `HEAD|GET /{repo}/resolve/{rev}/{file}`
gives a 302 to a CDN URL with `ETag`, `X-Repo-Commit`, `X-Linked-Size` and
`X-Linked-Etag` (the LFS sha256); `GET /cdn/{sha}` serves the bytes with
`Range` support. Knobs for the tests: `cut_after` (bytes sent before the
first body response drops the connection), `wrong_sha` (advertise another
hash), `chunk_delay_s` (a slow link), and `requests` (what was asked, Range included).
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

COMMIT = "0123456789abcdef0123456789abcdef01234567"


class HubServer:
    def __init__(self, files: dict[tuple[str, str], bytes]) -> None:
        self.files = {key: (data, hashlib.sha256(data).hexdigest()) for key, data in files.items()}
        self.cut_after: int | None = None
        self.wrong_sha = False
        self.chunk_delay_s = 0.0  # pause after each 64 KB of a body: a slow link, for cancelling mid-way
        self.requests: list[tuple[str, str, str]] = []  # (method, path, Range header)
        # The Hub redirects file bytes to a CDN on another host; huggingface_hub follows same-host
        # redirects on HEAD, so the "CDN" listens on a second loopback address.
        self._servers = [ThreadingHTTPServer((host, 0), self._handler()) for host in ("127.0.0.1", "127.0.0.2")]
        for server in self._servers:
            server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._servers[0].server_address[1]}"
        self.cdn_url = f"http://127.0.0.2:{self._servers[1].server_address[1]}"
        self._threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in self._servers]

    def __enter__(self) -> "HubServer":
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()

    def sha_for(self, sha: str) -> str:
        return hashlib.sha256(b"not the file").hexdigest() if self.wrong_sha else sha

    def _handler(self):
        hub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_HEAD(self) -> None:
                self._route(body=False)

            def do_GET(self) -> None:
                self._route(body=True)

            def _route(self, body: bool) -> None:
                hub.requests.append((self.command, self.path, self.headers.get("Range", "")))
                resolve = re.match(r"^/(?P<repo>[^/]+/[^/]+)/resolve/(?P<rev>[^/]+)/(?P<file>[^?]+)", self.path)
                cdn = re.match(r"^/cdn/(?P<sha>[0-9a-f]{64})$", self.path)
                if resolve:
                    return self._resolve(resolve["repo"], resolve["file"])
                if cdn:
                    return self._cdn(cdn["sha"], body)
                self._empty(404, {"X-Error-Code": "RepoNotFound", "X-Error-Message": "Repository not found"})

            def _resolve(self, repo: str, file: str) -> None:
                found = hub.files.get((repo, file))
                if found is None:
                    return self._empty(404, {"X-Error-Code": "EntryNotFound", "X-Error-Message": "Entry not found",
                                             "X-Repo-Commit": COMMIT})
                data, sha = found
                self._empty(302, {"Location": f"{hub.cdn_url}/cdn/{sha}", "ETag": f'"{hub.sha_for(sha)}"',
                                  "X-Linked-Etag": f'"{hub.sha_for(sha)}"', "X-Linked-Size": str(len(data)),
                                  "X-Repo-Commit": COMMIT, "Accept-Ranges": "bytes"})

            def _cdn(self, sha: str, body: bool) -> None:
                data = next((d for d, s in hub.files.values() if s == sha), None)
                if data is None:
                    return self._empty(404, {})
                start = 0
                ranged = re.match(r"bytes=(\d+)-", self.headers.get("Range", ""))
                if ranged:
                    start = int(ranged[1])
                self.send_response(206 if ranged else 200)
                self.send_header("Content-Length", str(len(data) - start))
                self.send_header("Accept-Ranges", "bytes")
                self.send_header("ETag", f'"{sha}"')
                if ranged:
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                self.end_headers()
                if not body:
                    return
                chunk = data[start:]
                if hub.cut_after is not None:
                    cut, hub.cut_after = hub.cut_after, None
                    self.wfile.write(chunk[:cut])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(2)  # the body ends early: the client sees a cut connection
                    return
                if not hub.chunk_delay_s:
                    self.wfile.write(chunk)
                    return
                for start in range(0, len(chunk), 1 << 16):
                    try:
                        self.wfile.write(chunk[start:start + (1 << 16)])
                        self.wfile.flush()
                    except OSError:  # the client went away (cancelled)
                        return
                    time.sleep(hub.chunk_delay_s)

            def _empty(self, status: int, headers: dict[str, str]) -> None:
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

        return Handler
