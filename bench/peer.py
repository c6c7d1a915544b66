"""The same typing sequence against llama.cpp's own servers: the peer to beat.

Two peers, each started here on 127.0.0.1 with the same model file, context
size and threads as our server:

- `llama-server` (C++, built by `bench/build_llama_server.sh` into .cache/),
  called the way llama.vim and llama.vscode call it: `POST /infill` with
  `input_prefix` (lines before the cursor line), `prompt` (the cursor line up
  to the cursor), `input_suffix`, `cache_prompt: true`, and the server flags
  llama.vim recommends (`--cache-reuse 256 -b 1024 -ub 1024`, one slot).
  A model without FIM tokens gets `POST /completion` with the prefix.
- `python -m llama_cpp.server` (llama-cpp-python's OpenAI-compatible server),
  called as Continue's local mode does: `POST /v1/completions`, streamed,
  with the FIM prompt written out in the model's tokens.

Per key (`--client editor`, as VS Code's inline-completion API does): the
previous request's connection is closed (both servers then stop that
generation), a new request is sent, and the answer counts if it arrives before
the next key, exactly as in `typing_sim.py`. `--client llama.vim` replays
llama.vim's own logic instead (`llama_vim_client.py`: wait for the running
request, client-side cache with typed-ahead lookup). Generation is
greedy, no time limit, `n_predict` equal to our `maxTokens`, so both sides
produce the same number of tokens (the table reports the mean).

    .venv/bin/python bench/peer.py --model fixtures/models/deepseek-tiny.gguf --peer llama-server [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.keystrokes import Document, initial_text, typing_script  # noqa: E402
from bench import llama_cpp_server  # noqa: E402
from bench.llama_vim_client import LlamaVimClient  # noqa: E402
from bench.stats import Attempt, attempts_json, summarize  # noqa: E402
from lsp_server.model import cpu_repack  # noqa: E402

LLAMA_SERVER = ROOT / ".cache" / "llama-server" / "bin" / "llama-server"
LLAMA_VIM_N_PREDICT, LLAMA_VIM_PREDICT_MS = 128, 1000  # llama.vim's defaults (g:llama_config)
DEEPSEEK_FIM = ("<｜fim▁begin｜>", "<｜fim▁hole｜>", "<｜fim▁end｜>")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def model_has_fim(model: str) -> bool:
    """FIM tokens in the vocabulary, read as llama.cpp reads them (llama_vocab_fim_*)."""
    import llama_cpp

    with contextlib.redirect_stderr(open(os.devnull, "w")):
        llama = llama_cpp.Llama(model, n_ctx=64, vocab_only=True, verbose=False)
    vocab = llama_cpp.llama_model_get_vocab(llama.model)
    has = llama_cpp.llama_vocab_fim_pre(vocab) >= 0 and llama_cpp.llama_vocab_fim_mid(vocab) >= 0
    llama.close()
    return has


def peer_command(peer: str, model: str, port: int, *, n_ctx: int, threads: int | None, gpu: bool,
                 server_bin: Path) -> list[str]:
    if peer == "llama-server":
        command = [str(server_bin), "-m", model, "--host", "127.0.0.1", "--port", str(port), "-c", str(n_ctx),
                   "-np", "1", "-b", "1024", "-ub", "1024", "--cache-reuse", "256", "--no-webui"]
        command += ["-ngl", "99", "-fa", "on"] if gpu else ["-ngl", "0"]
        command += [] if cpu_repack.repack_allowed() else ["--no-repack"]  # as ours loads: AMX tiles crash
        return command + (["-t", str(threads)] if threads else [])
    command = [*llama_cpp_server.COMMAND, "--model", model, "--host", "127.0.0.1",
               "--port", str(port), "--n_ctx", str(n_ctx), "--n_gpu_layers", "-1" if gpu else "0"]
    command += ["--flash_attn", "true"] if gpu else []
    return command + (["--n_threads", str(threads)] if threads else [])


async def http_post(port: int, path: str, body: dict) -> tuple[int, bytes]:
    """POST with `Connection: close`; cancelling the task closes the socket (the server then stops)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        payload = json.dumps(body).encode()
        writer.write(
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n".encode() + payload
        )
        await writer.drain()
        raw = await reader.read()
    finally:
        writer.close()
    head, _, data = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines and len(lines[0].split()) > 1 else 0
    if any(line.lower().startswith("transfer-encoding:") and "chunked" in line.lower() for line in lines):
        data = _dechunk(data)
    return status, data


def _dechunk(data: bytes) -> bytes:
    out, position = bytearray(), 0
    while position < len(data):
        end = data.find(b"\r\n", position)
        if end < 0:
            break
        size = int(data[position:end].split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out += data[end + 2 : end + 2 + size]
        position = end + 2 + size + 2
    return bytes(out)


class Peer:
    """How one peer is asked for a completion at a cursor, and how its answer is read."""

    def __init__(self, peer: str, port: int, fim: bool, max_tokens: int, stream: bool = True,
                 limits: dict | None = None) -> None:
        # llama-server stops a generation whose client went away only when streaming; a client that
        # cancels per key must stream, or cancelled requests queue up behind each other.
        self.peer, self.port, self.fim, self.max_tokens, self.stream = peer, port, fim, max_tokens, stream
        self.limits = limits or {}  # extra request fields: llama.vim's time limits when "as shipped"

    def request(self, doc: Document, cursor: int) -> tuple[str, dict]:
        before, middle, after = doc.split(cursor)
        if self.peer == "llama-server" and self.fim:
            return "/infill", {
                "input_prefix": before, "input_suffix": after, "input_extra": [], "prompt": middle,
                "n_predict": self.max_tokens, "cache_prompt": True, "stream": self.stream,
                "temperature": 0, "top_k": 1, "samplers": ["top_k"], **self.limits,
            }
        if self.peer == "llama-server":
            return "/completion", {"prompt": before + middle, "n_predict": self.max_tokens, "cache_prompt": True,
                                   "stream": self.stream, "temperature": 0, "top_k": 1, "samplers": ["top_k"],
                                   **self.limits}
        prompt = before + middle
        if self.fim:
            prompt = f"{DEEPSEEK_FIM[0]}{before}{middle}{DEEPSEEK_FIM[1]}{after}{DEEPSEEK_FIM[2]}"
        return "/v1/completions", {"prompt": prompt, "max_tokens": self.max_tokens, "temperature": 0,
                                   "stream": True}

    @staticmethod
    def _last_event(data: bytes) -> dict:
        """A llama-server stream: the text of every event, the counts of the last (stop) one."""
        events = [json.loads(line[6:]) for line in data.decode("utf-8", "replace").splitlines()
                  if line.startswith("data: ") and line[6:].strip() not in ("", "[DONE]")]
        final = dict(events[-1]) if events else {}
        final["content"] = "".join(event.get("content", "") for event in events)
        return final

    def parse(self, data: bytes) -> dict:
        if self.peer == "llama-server":
            reply = json.loads(data) if not self.stream else self._last_event(data)
            timings = reply.get("timings", {})
            prompt = reply.get("tokens_evaluated")
            cached = timings.get("cache_n", None if prompt is None else prompt - timings.get("prompt_n", 0))
            return {"text": reply.get("content", ""), "generated_tokens": timings.get("predicted_n"),
                    "prompt_tokens": prompt, "cached_tokens": cached}
        text, chunks = [], 0
        for line in data.decode("utf-8", "replace").splitlines():
            if line.startswith("data: ") and line[6:].strip() not in ("", "[DONE]"):
                event = json.loads(line[6:])
                piece = event["choices"][0].get("text", "")
                text.append(piece)
                chunks += bool(piece)  # the last event carries only the finish reason
        return {"text": "".join(text), "generated_tokens": chunks}


async def wait_healthy(port: int, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"peer exited with {process.returncode}")
        with contextlib.suppress(OSError, ValueError, IndexError):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            raw = await reader.read()
            writer.close()
            if raw.split()[1] == b"200" or b"/docs" in raw or b"404" in raw.split(b"\r\n")[0]:
                return
        await asyncio.sleep(0.2)
    raise RuntimeError("peer did not become healthy")


async def ask(peer: Peer, doc_text: str, cursor: int) -> tuple[float, dict | None, str]:
    doc = Document(doc_text)
    path, body = peer.request(doc, cursor)
    status, data = await http_post(peer.port, path, body)
    received = time.perf_counter()
    if status != 200:
        return received, None, f"HTTP {status}: {data[:200]!r}"
    return received, peer.parse(data), ""


async def replay(peer: Peer, doc: Document, keys) -> list[Attempt]:
    tasks: list[tuple[int, float, asyncio.Task]] = []
    start = time.perf_counter()
    for index, key in enumerate(keys):
        await asyncio.sleep(max(0.0, start + key.at_ms / 1000 - time.perf_counter()))
        doc.apply(key)
        pressed = time.perf_counter()
        if tasks and not tasks[-1][2].done():
            tasks[-1][2].cancel()  # closes the connection, as llama.vim's jobstop / an aborted fetch does
        tasks.append((index, pressed, asyncio.create_task(ask(peer, doc.text, key.cursor))))
    await asyncio.gather(*(task for _, _, task in tasks), return_exceptions=True)
    return [classify(keys[index], index, pressed, task) for index, pressed, task in tasks]


def classify(key, index: int, pressed: float, task: asyncio.Task) -> Attempt:
    if task.cancelled():
        return Attempt(index, key.pause_ms, "cancelled")
    if task.exception() is not None:
        return Attempt(index, key.pause_ms, "error", text=repr(task.exception()))
    received, parsed, error = task.result()
    ms = (received - pressed) * 1000
    if parsed is None:
        return Attempt(index, key.pause_ms, "error", ms, text=error)
    outcome = "empty" if not parsed["text"] else ("shown" if ms <= key.pause_ms else "stale")
    return Attempt(index, key.pause_ms, outcome, ms, parsed["text"], parsed.get("generated_tokens"),
                   parsed.get("prompt_tokens"), parsed.get("cached_tokens"))


async def run(model: str, *, peer: str = "llama-server", quick: bool = False, max_tokens: int = 32,
              gpu: bool = False, threads: int | None = None, n_ctx: int = 4096,
              server_bin: Path = LLAMA_SERVER, client: str = "editor", shipped: bool = False) -> dict:
    """`shipped`: llama.vim's own defaults instead of the shared token count (n_predict 128, stopped
    after t_max_predict_ms = 1000), to compare with ours as shipped (one line where the syntax says so)."""
    model = str(Path(model).resolve())
    if peer == "llama-server" and not server_bin.exists():
        raise FileNotFoundError(f"{server_bin} missing: run bench/build_llama_server.sh")
    fim = model_has_fim(model)
    port = free_port()
    log = tempfile.NamedTemporaryFile("w+", prefix=f"peer-{peer}-", suffix=".log", delete=False)
    loaded = time.perf_counter()
    process = subprocess.Popen(peer_command(peer, model, port, n_ctx=n_ctx, threads=threads, gpu=gpu,
                                            server_bin=server_bin), stdout=log, stderr=subprocess.STDOUT)
    try:
        await wait_healthy(port, process, 300)
        load_s = time.perf_counter() - loaded
        limits = {"t_max_predict_ms": LLAMA_VIM_PREDICT_MS} if shipped else {}
        server = Peer(peer, port, fim, LLAMA_VIM_N_PREDICT if shipped else max_tokens,
                      stream=client != "llama.vim", limits=limits)  # llama.vim does not stream
        text, start = initial_text()
        _, warm, error = await ask(server, text, start)
        if warm is None:
            raise RuntimeError(f"warm-up failed: {error}")
        if client == "llama.vim":
            attempts = await LlamaVimClient(server, ask, Document(text), typing_script(quick)).replay()
        else:
            attempts = await replay(server, Document(text), typing_script(quick))
    except Exception as exc:
        log.flush()
        raise RuntimeError(f"peer {peer} failed: {exc!r}\n{Path(log.name).read_text()[-3000:]}") from exc
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
    summary = summarize(attempts)
    endpoint = "/infill" if fim and peer == "llama-server" else ("/completion" if peer == "llama-server"
                                                                 else "/v1/completions (stream)")
    how = "llama.vim's client logic" if client == "llama.vim" else "cancel per key"
    how += ", as shipped (n_predict 128, t_max_predict_ms 1000)" if shipped else ""
    summary.update({"label": f"{peer} {endpoint}, {how}", "client": client, "model": Path(model).name,
                    "model_load_s": round(load_s, 2), "fim": fim, "command": " ".join(peer_command(peer, Path(model).name, port, n_ctx=n_ctx,
                                                                 threads=threads, gpu=gpu, server_bin=server_bin))})
    return {"summary": summary, "attempts": attempts_json(attempts)}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--peer", default="llama-server", choices=("llama-server", "llama_cpp.server"))
    parser.add_argument("--server-bin", type=Path, default=LLAMA_SERVER)
    parser.add_argument("--client", default="editor", choices=("editor", "llama.vim"),
                        help="editor: cancel the previous request per key; llama.vim: its wait-and-cache logic")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--max-tokens", type=int, default=32)
    parser.add_argument("--gpu", action="store_true")
    parser.add_argument("--threads", type=int)
    args = parser.parse_args(argv)
    result = asyncio.run(run(args.model, peer=args.peer, quick=args.quick, max_tokens=args.max_tokens,
                             gpu=args.gpu, threads=args.threads, server_bin=args.server_bin, client=args.client))
    print(json.dumps(result["summary"], indent=2))
    return result


if __name__ == "__main__":
    main()
