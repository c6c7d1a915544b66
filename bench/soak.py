"""Soak: thousands of keystrokes with random cancels; answers, errors, threads, descriptors and RSS over time.

One `coder-lsp serve` on the tiny DeepSeek fixture model, one document of
constant size (30 lines of a loop body, each typed over `--typed-over` times
before the start, so the workload is the same from the first key to the
last: see TYPED_OVER; `--typed-over 0` is the older fresh document of 30
identical lines): each step replaces one character at a moving cursor
(`didChange`), asks for an inline completion, and at random cancels it
(`$/cancelRequest`, at once or a few milliseconds later) or types on before
it is answered (superseding it). Every request must get exactly one answer.
Every `--sample-every` requests the server's RSS, threads and open file
descriptors are read from /proc. Growth is measured after the warm-up (the
first tenth): the goal is RSS growth <= 5% and flat threads and descriptors.

At each sample the typist also stops for `--pause` seconds (20 pauses in a
run, as a user stops to read) and RSS is read again: after a second without
a job the model thread hands freed heap back to the OS (`heap.py`), so the
second figure is what the server holds while the user is not typing, and
the first what it holds in the middle of a burst. Both are reported; the
busy one is the stricter. Keys never pause otherwise, so this is still a
worst case for the memos (every key makes new lines to tokenize).

    .venv/bin/python bench/soak.py --requests 10000

prints a table and writes bench/results/soak.md and soak.json.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.rawlsp import RawServer, write_results  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
LINE = "    total = total + price * quantity  # keep the running sum\n"
TYPED = "abcdefghijklmnopqrstuvwxyz_ .(0123456789"
# Each line of the document starts typed over this many times, as the typist would leave it after
# ~6,000 keys: from 30 identical lines, the document drifted over the first ~6,000 keys from
# lines the KV cache reuse moves (<= 2 evaluations of 129+ tokens per 200 keys) to random ones
# (~20 per 200), and llama.cpp's compute buffer, touched as batch x cached span grows, with it.
TYPED_OVER = 200


def document(seed: int = 0, typed_over: int = 0) -> str:
    """The function the typist edits: 30 copies of LINE, each already typed over `typed_over` times."""
    rng = random.Random(f"document {seed}")
    lines = [list(LINE) for _ in range(30)]
    for line in lines:
        for _ in range(typed_over):
            line[rng.randrange(4, len(LINE) - 2)] = rng.choice(TYPED)
    head = "def checkout(items):\n    total = 0\n    for price, quantity in items:\n"
    return head + "".join("".join(line) for line in lines) + "    return total\n"


class Typist:
    """One document, edited one character at a time; its size never changes."""

    def __init__(self, server: RawServer, uri: str, rng: random.Random) -> None:
        self.server, self.uri, self.rng = server, uri, rng
        self.version = 1
        self.line = 3

    def key(self) -> dict:
        self.version += 1
        self.line = 3 + (self.line - 2) % 30
        character = self.rng.randrange(4, len(LINE) - 2)
        change = {"range": {"start": {"line": self.line, "character": character},
                            "end": {"line": self.line, "character": character + 1}},
                  "text": self.rng.choice(TYPED)}
        self.server.notify("textDocument/didChange", {"textDocument": {"uri": self.uri, "version": self.version},
                                                      "contentChanges": [change]})
        return {"textDocument": {"uri": self.uri}, "position": {"line": self.line, "character": character + 1},
                "context": {"triggerKind": 2}}


async def soak(requests: int, seed: int, sample_every: int, cancel_rate: float, settings: dict,
               memory_probe: str | None = None, pause: float = 1.5, typed_over: int = TYPED_OVER) -> dict:
    rng = random.Random(seed)
    text = document(seed, typed_over)
    with tempfile.TemporaryDirectory(prefix="coder-lsp-soak-") as folder:
        root = Path(folder) / "ws"
        root.mkdir()
        (root / "shop.py").write_text(text)
        env = {"XDG_CACHE_HOME": str(Path(folder) / "cache"), "HOME": folder}
        command = None
        if memory_probe:  # the server under bench/memory_probe.py, asked at every sample
            env["CODER_LSP_MEMORY_PROBE"] = str(Path(memory_probe).resolve())
            command = [sys.executable, str(Path(__file__).resolve().parent / "memory_probe.py")]
        server = RawServer(root, settings=settings, env=env, command=command)
        await server.start()
        await server.wait_ready()
        uri = (root / "shop.py").as_uri()
        server.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1,
                                                                "text": text}})
        typist, sent, samples = Typist(server, uri, rng), [], []
        started = time.perf_counter()
        for number in range(1, requests + 1):
            msg_id = server.send("textDocument/inlineCompletion", typist.key())
            sent.append(msg_id)
            roll = rng.random()
            if roll < cancel_rate:
                if rng.random() < 0.5:
                    await asyncio.sleep(rng.uniform(0, 0.01))
                server.notify("$/cancelRequest", {"id": msg_id})
            if roll < cancel_rate or rng.random() > 0.2:  # else type on before the answer
                await server.wait(msg_id, 10)
            if number % sample_every == 0:
                await server.wait(msg_id, 10)
                sample = {"requests": number, "seconds": round(time.perf_counter() - started, 1),
                          **server.proc_stats()}
                if pause > 0:  # the typist stops to read; the model thread goes idle
                    await asyncio.sleep(pause)
                    sample["rssIdleMb"] = server.proc_stats()["rssMb"]
                samples.append(sample)
                if memory_probe:
                    os.kill(server.process.pid, signal.SIGUSR1)
                    await asyncio.sleep(0.5)  # the handler runs when the loop wakes; let it write
                print(f"  {number:>6} requests  {samples[-1]}", flush=True)
        unanswered = []
        for msg_id in sent:
            try:
                await server.wait(msg_id, 10)
            except asyncio.TimeoutError:
                unanswered.append(msg_id)
        outcomes = Counter(_outcome(answer) for msg_id in sent for answer in server.answers.get(msg_id, []))
        status = await server.request("workspace/executeCommand", {"command": "coderLsp.status"})
        alive = server.alive
        await server.stop()
    return {"requests": requests, "seed": seed, "cancelRate": cancel_rate, "pauseS": pause,
            "typedOver": typed_over, "samples": samples,
            "outcomes": dict(outcomes), "unanswered": len(unanswered),
            "answeredTwice": sum(1 for m in sent if len(server.answers.get(m, [])) > 1),
            "badFrames": len(server.bad_frames), "errorPopups": len(server.error_popups()), "alive": alive,
            "jobOutcomes": status.get("jobOutcomes"), "seconds": round(time.perf_counter() - started, 1)}


def _outcome(answer: dict) -> str:
    if "error" in answer:
        return f"error {answer['error'].get('code')}"
    return "items" if (answer.get("result") or {}).get("items") else "empty"


def growth(result: dict, key: str = "rssMb") -> dict:
    """RSS growth after warm-up (the first tenth), and the spread of threads and descriptors."""
    samples = [s for s in result["samples"] if key in s]
    warm = [s for s in samples if s["requests"] >= result["requests"] // 10] or samples
    first, last = warm[0], samples[-1]
    half = [s for s in samples if s["requests"] >= result["requests"] // 2] or samples
    return {
        "rssAfterWarmUpMb": first[key], "rssEndMb": last[key],
        "rssGrowthPct": round(100 * (last[key] - first[key]) / first[key], 2),
        # bounded memos fill and llama.cpp's buffers are first touched over thousands of keys: a
        # leak keeps growing in the second half, a plateau does not
        "rssHalfMb": half[0][key],
        "rssSecondHalfGrowthPct": round(100 * (last[key] - half[0][key]) / half[0][key], 2),
        "threads": sorted({s["threads"] for s in warm}), "fds": sorted({s["fds"] for s in warm}),
    }


def _growth_rows(result: dict, summary: dict, label: str) -> list[str]:
    return [f"| RSS {label}, after warm-up -> end | {summary['rssAfterWarmUpMb']} -> {summary['rssEndMb']} MB "
            f"({summary['rssGrowthPct']:+}%) |",
            f"| RSS {label}, second half ({result['requests'] // 2} requests -> end) | {summary['rssHalfMb']} -> "
            f"{summary['rssEndMb']} MB ({summary['rssSecondHalfGrowthPct']:+}%) |"]


def markdown(result: dict) -> str:
    summary = growth(result)
    pause = result.get("pauseS") or 0
    lines = [f"# Soak: {result['requests']} inline completions, cancel rate {result['cancelRate']}, "
             f"seed {result['seed']}, lines typed over {result.get('typedOver', 0)} times ({result['seconds']} s)", "",
             f"| requests | seconds | RSS MB, busy | RSS MB after a {pause} s pause | threads | fds |",
             "|---:|---:|---:|---:|---:|---:|"]
    lines += [f"| {s['requests']} | {s['seconds']} | {s['rssMb']} | {s.get('rssIdleMb', '')} | {s['threads']} "
              f"| {s['fds']} |" for s in result["samples"]]
    lines += ["", "| measure | value |", "|---|---|", *_growth_rows(result, summary, "busy")]
    if pause:
        lines += _growth_rows(result, growth(result, "rssIdleMb"), f"after a {pause} s pause")
    lines += [f"| threads after warm-up | {summary['threads']} |", f"| fds after warm-up | {summary['fds']} |",
              f"| answers | {result['outcomes']} |", f"| unanswered (10 s) | {result['unanswered']} |",
              f"| answered twice | {result['answeredTwice']} |", f"| non-JSON frames | {result['badFrames']} |",
              f"| error pop-ups | {result['errorPopups']} |", f"| alive at the end | {result['alive']} |",
              f"| model thread outcomes | {result['jobOutcomes']} |"]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--sample-every", type=int, default=0, help="default: requests / 20")
    parser.add_argument("--cancel-rate", type=float, default=0.3)
    parser.add_argument("--max-tokens", type=int, default=16)
    parser.add_argument("--typed-over", type=int, default=TYPED_OVER,
                        help="times each line starts typed over (0: the old fresh document, 30 identical lines)")
    parser.add_argument("--pause", type=float, default=1.5, help="seconds the typist stops at each sample (0: none)")
    parser.add_argument("--memory-probe", help="append where the server's memory is (bench/memory_probe.py) "
                        "to this JSONL file at every sample")
    parser.add_argument("--out", default=str(RESULTS / "soak"))
    args = parser.parse_args()
    every = args.sample_every or max(1, args.requests // 20)
    result = asyncio.run(soak(args.requests, args.seed, every, args.cancel_rate, {"maxTokens": args.max_tokens},
                               args.memory_probe, args.pause, args.typed_over))
    result["growth"] = growth(result)
    if args.pause:
        result["growthAfterPause"] = growth(result, "rssIdleMb")
    text = markdown(result)
    print(text)
    write_results(args.out, text, result)


if __name__ == "__main__":
    main()
