"""Benchmark the commit-message hook: `git commit` wall time and prompt size.

Measures, on the default model (the embedded SmolLM2 unless --model):
  1. `git commit` with the hook installed, the hook loading the model itself;
  2. the same with a running `coder-lsp serve` for the repository, so the
     hook asks it over the warm socket (`--in-process` serves the socket from
     this process instead, for when the server is not available);
  3. the prompt tokens used for a 10 MB staged diff, against the context window.
Prints a markdown table.

    .venv/bin/python bench/commit_bench.py [--model PATH] [--runs 3] [--in-process]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lsp_server.commit import hooks, warm_socket  # noqa: E402
from lsp_server.commit.generate import build_prompt  # noqa: E402
from lsp_server.commit.staged import read_staged_changes  # noqa: E402
from lsp_server.commit.style import learn_style  # noqa: E402
from lsp_server.model.settings import ModelSettings  # noqa: E402


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def make_repo(folder: Path) -> Path:
    folder.mkdir(parents=True)
    git(folder, "init", "-q", "-b", "main")
    git(folder, "config", "user.name", "Bench")
    git(folder, "config", "user.email", "bench@example.com")
    (folder / "app.py").write_text("def greet(name):\n    return 'Hello ' + name\n")
    git(folder, "add", "-A")
    git(folder, "commit", "-q", "-m", "Add greet")
    return folder


def timed_commits(repo: Path, runs: int, env: dict) -> tuple[list[float], list[str]]:
    times, messages = [], []
    for n in range(runs):
        (repo / "app.py").write_text(f"def greet(name, times={n + 2}):\n    return ('Hello ' + name + '! ') * times\n")
        git(repo, "add", "-A")
        start = time.perf_counter()
        result = subprocess.run(["git", "commit", "-q"], cwd=repo, env=env, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if result.returncode != 0 or result.stderr.strip():
            print(f"commit {n}: rc={result.returncode} {result.stderr.strip()}", file=sys.stderr)
        log = subprocess.run(["git", "log", "-1", "--format=%s"], cwd=repo, capture_output=True, text=True)
        messages.append(log.stdout.strip())
    return times, messages


class ServeProcess:
    """`coder-lsp serve` over stdio, initialized on the repository; its startup hooks open the socket."""

    def __init__(self, repo: Path, model: str | None, env: dict) -> None:
        command = [sys.executable, "-m", "lsp_server", "serve"] + (["--model", model] if model else [])
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, env=env)
        self._send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "processId": os.getpid(), "rootUri": repo.as_uri(), "capabilities": {},
            "workspaceFolders": [{"uri": repo.as_uri(), "name": repo.name}]}})
        self._send({"jsonrpc": "2.0", "method": "initialized", "params": {}})

    def _send(self, message: dict) -> None:
        body = json.dumps(message).encode()
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def close(self) -> None:
        try:
            self._send({"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
            self._send({"jsonrpc": "2.0", "method": "exit"})
            self.process.wait(timeout=20)
        except Exception:
            self.process.kill()


def wait_for_socket(repo: Path, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if warm_socket.ask(str(repo), {"op": "ping"}, 1.0):
            return True
        time.sleep(0.2)
    return False


def serve_in_process(repo: Path, engine) -> warm_socket.WarmSocketServer:
    """The socket as `coder-lsp serve` runs it (same handler), from this process."""
    from lsp_server.commit.hook_server import answer_hook
    from lsp_server.model.host import ModelHost
    from lsp_server.model.runner import ModelRunner

    model, runner = ModelHost(), ModelRunner()
    model.loaded_ok(engine)
    server = warm_socket.WarmSocketServer(str(repo), lambda request: answer_hook(model, runner, request))
    server.start()
    return server


def ten_megabyte_prompt(folder: Path, engine) -> dict:
    repo = make_repo(folder)
    line = "value_%06d = compute(%d) + other_value * 3  # some padding text here\n"
    (repo / "big.py").write_text("".join(line % (i, i) for i in range(90_000)))
    for n in range(40):
        (repo / f"mod{n}.py").write_text("".join(line % (i, n) for i in range(1_400)))
    git(repo, "add", "-A")
    start = time.perf_counter()
    changes = read_staged_changes(str(repo))
    messages, fitted = build_prompt(changes, learn_style([]), engine)
    elapsed = time.perf_counter() - start
    size = sum(f.stat().st_size for f in repo.glob("*.py"))
    tokens = sum(engine.count_tokens(m.content) for m in messages)
    return {"bytes": size, "tokens": tokens, "n_ctx": engine.n_ctx, "seconds": elapsed,
            "files": f"{fitted.files_listed}/{fitted.files}", "hunks": f"{fitted.hunks_shown}/{fitted.hunks_total}"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", help="GGUF path (default: the embedded SmolLM2)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--in-process", action="store_true", help="serve the socket from this process")
    args = parser.parse_args()
    from lsp_server.model.loader import load_engine

    work = Path(tempfile.mkdtemp(prefix="cl-bench-"))
    env = {k: v for k, v in os.environ.items() if k != "CODER_LSP_MODEL"}
    env.update(GIT_EDITOR="true", CODER_LSP_RUNTIME_DIR=str(work / "run"))
    os.environ["CODER_LSP_RUNTIME_DIR"] = env["CODER_LSP_RUNTIME_DIR"]
    if args.model:
        env["CODER_LSP_MODEL"] = args.model
    repo = make_repo(work / "repo")
    hooks.install(str(repo))
    cold, cold_messages = timed_commits(repo, args.runs, env)

    engine = load_engine(ModelSettings(), cli_model=args.model, workspace=str(repo))
    if args.in_process:
        served, how = serve_in_process(repo, engine), "in-process socket"
    else:
        served, how = ServeProcess(repo, args.model, env), "`coder-lsp serve`"
        if not wait_for_socket(repo, 120):
            served.close()
            served, how = serve_in_process(repo, engine), "in-process socket (serve did not open it)"
    try:
        warm, warm_messages = timed_commits(repo, args.runs, env)
    finally:
        (served.stop if isinstance(served, warm_socket.WarmSocketServer) else served.close)()
    big = ten_megabyte_prompt(work / "big", engine)
    print(f"\nModel: {engine.name} ({engine.describe().get('device', '?')}), n_ctx {engine.n_ctx}, "
          f"{args.runs} commits each\n")
    print("| case | median s | min s | max s | last subject |")
    print("|---|---|---|---|---|")
    for name, times, messages in (("hook loads the model", cold, cold_messages),
                                  (f"served by {how}", warm, warm_messages)):
        print(f"| {name} | {statistics.median(times):.2f} | {min(times):.2f} | {max(times):.2f} "
              f"| {messages[-1][:50].replace('|', '/')} |")
    print("\n| 10 MB diff | bytes | prompt tokens | n_ctx | files listed | hunks shown | fit s |")
    print("|---|---|---|---|---|---|---|")
    print(f"| staged | {big['bytes']:,} | {big['tokens']:,} | {big['n_ctx']:,} | {big['files']} "
          f"| {big['hunks']} | {big['seconds']:.2f} |")
    engine.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
