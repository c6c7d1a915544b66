"""Fuzz `coder-lsp serve` over real stdio: crashes, hangs, double answers, non-JSON output, desyncs.

Seeded cases from `fuzz_cases.py` (framing, JSON garbage, broken
envelopes, every method and coderLsp.* command with mutated params, huge
and binary documents, wild positions, incremental edit sequences) go to one
server on the tiny DeepSeek fixture model. After each case every id it sent
must be answered within `--timeout` seconds (else a hang), the process must
be alive (else a crash; it is restarted and the run goes on), every frame it
wrote must be strict JSON, and no request may be answered twice. Every
`--probe-every` cases a `coderLsp.status` round trip checks it still serves.
An edit sequence is checked against `reference.py`: the cursor offset the
server computed for the probe request (from `coderLsp.status` jobs) must be
the reference string's offset for that position, else a desync.

    .venv/bin/python bench/fuzz.py --cases 10000

prints a table and writes bench/results/fuzz.md and fuzz.json. To rerun a
failure, `--only N` (or `--from N`) replays the seeded generator up to case
N without sending, then sends case N (a hang may need the earlier cases too:
`--from` a few hundred before); `--dump FILE` writes the case's bytes.
`--memory-probe FILE` runs the server under `memory_probe.py` and appends
where its memory is at every progress line (and RSS is sampled there too).
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
from urllib.parse import unquote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.fuzz_cases import KINDS, Generator  # noqa: E402
from bench.rawlsp import RawServer, write_results  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
STATUS = {"command": "coderLsp.status"}


class Run:
    def __init__(self, seed: int, timeout: float, generator_options: dict) -> None:
        self.rng = random.Random(seed)
        self.seed, self.timeout, self.options = seed, timeout, generator_options
        self.kinds: Counter[str] = Counter()
        self.kind_seconds: Counter[str] = Counter()
        self.failures: list[dict] = []
        self.counts: Counter[str] = Counter()
        self.servers: list[RawServer] = []
        self.expected: list[tuple[RawServer, object]] = []

    async def start(self, root: Path, env: dict) -> None:
        command = None
        if env.get("CODER_LSP_MEMORY_PROBE"):  # the server under bench/memory_probe.py (SIGUSR1: a sample)
            command = [sys.executable, str(Path(__file__).resolve().parent / "memory_probe.py")]
        self.server = RawServer(root, settings={"maxTokens": 16}, env=env, command=command)
        await self.server.start()
        await self.server.wait_ready()
        self.servers.append(self.server)
        self.generator = Generator(self.rng, root.as_uri(), **self.options)

    def fail(self, what: str, number: int, case, detail: str = "") -> None:
        self.counts[what] += 1
        sample = b"".join(case.chunks)[:300] if case is not None else b""
        self.failures.append({"failure": what, "case": number, "kind": case.kind if case else "",
                              "detail": detail[:300], "sent": repr(sample)})

    def skip(self) -> None:
        """Draw one case and send nothing: replays the seeded generator up to the case to run."""
        self.generator.case(self.rng.choice(KINDS))

    async def one(self, number: int, root: Path, env: dict) -> None:
        kind = self.rng.choice(KINDS)
        case = self.generator.case(kind)
        self.kinds[kind] += 1
        if self.dump is not None:
            Path(self.dump).write_bytes(b"".join(case.chunks))
        server, began = self.server, time.perf_counter()
        for msg_id in case.expect:
            server.expect(msg_id)
            self.expected.append((server, msg_id))
        try:
            for chunk in case.chunks:
                server.write(chunk)
                await server.process.stdin.drain()
            for msg_id in case.expect:
                await server.wait(msg_id, self.timeout)
            if case.probe is not None:
                await self.check_probe(number, case)
            if number % self.probe_every == 0:
                await server.wait(server.send("workspace/executeCommand", STATUS), self.timeout)
        except asyncio.TimeoutError:
            if server.alive:
                self.fail("hang", number, case, f"no answer within {self.timeout} s")
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.kind_seconds[kind] += time.perf_counter() - began
        if not server.alive:
            await asyncio.sleep(0.2)
            self.fail("crash", number, case, f"exit status {server.process.returncode}")
            await server.stop()
            await self.start(root, env)

    async def check_probe(self, number: int, case) -> None:
        uri, version, expected, _msg_id = case.probe
        status = await self.server.request("workspace/executeCommand", STATUS, timeout=self.timeout)
        jobs = [job for job in status.get("jobs", []) if job.get("kind") == "inline"
                and unquote(job.get("uri", "")) == unquote(uri) and job.get("version") == version]
        if not jobs:
            self.counts["probe unchecked"] += 1
            return
        self.counts["probe checked"] += 1
        if jobs[-1].get("offset") != expected:
            self.fail("desync", number, case, f"server offset {jobs[-1].get('offset')}, reference {expected}")


async def fuzz(cases: int, seed: int, timeout: float = 10, probe_every: int = 25, run_cap: int = 20_000,
               size_cap: int = 200_000, progress=None, first: int = 1, dump: str | None = None,
               memory_probe: str | None = None) -> dict:
    run = Run(seed, timeout, {"run_cap": run_cap, "size_cap": size_cap})
    run.probe_every, run.dump = probe_every, dump
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="coder-lsp-fuzz-") as folder:
        root = Path(folder) / "ws"
        root.mkdir()
        (root / "util.py").write_text("def add(a, b):\n    return a + b\n")
        env = {"XDG_CACHE_HOME": str(Path(folder) / "cache"), "HOME": folder}
        if memory_probe:
            env["CODER_LSP_MEMORY_PROBE"] = str(Path(memory_probe).resolve())
        await run.start(root, env)
        samples = []
        for _ in range(1, first):
            run.skip()
        for number in range(first, cases + 1):
            await run.one(number, root, env)
            if number % max(1, cases // 20) == 0:
                samples.append({"cases": number, **run.server.proc_stats(), "openDocumentsMb": round(sum(
                    len(d.text.encode("utf-8", "surrogatepass")) for d in run.generator.documents.values()) / 2**20, 1)})
                if memory_probe and run.server.alive:
                    await run.server.wait(run.server.send("workspace/executeCommand", STATUS), timeout)
                    os.kill(run.server.process.pid, signal.SIGUSR1)
                    await asyncio.sleep(0.5)  # the handler runs when the loop wakes; let it write
                if progress:
                    progress(f"  {number:>6} cases  {dict(run.counts)}  {samples[-1]}")
        final = run.server.proc_stats()
        try:
            await run.server.request("workspace/executeCommand", STATUS, timeout=timeout)
            responsive = True
        except Exception:
            responsive = False
        for server in run.servers:
            await server.stop()
    twice = sum(1 for server, msg_id in run.expected if len(server.answers.get(msg_id, [])) > 1)
    return {
        "cases": cases, "seed": seed, "timeoutS": timeout, "runCap": run_cap, "sizeCap": size_cap,
        "seconds": round(time.perf_counter() - started, 1), "kinds": dict(run.kinds),
        "kindSeconds": {kind: round(seconds, 2) for kind, seconds in run.kind_seconds.items()},
        "requests": len(run.expected), "crashes": run.counts["crash"], "hangs": run.counts["hang"],
        "desyncs": run.counts["desync"], "answeredTwice": twice,
        "badFrames": sum(len(s.bad_frames) for s in run.servers),
        "errorPopups": sum(len(s.error_popups()) for s in run.servers),
        "probesChecked": run.counts["probe checked"], "probesUnchecked": run.counts["probe unchecked"],
        "responsiveAtEnd": responsive, "final": final, "samples": samples, "failures": run.failures,
    }


def markdown(result: dict) -> str:
    lines = [f"# Fuzz: {result['cases']} cases, seed {result['seed']} ({result['seconds']} s)", "",
             "| measure | value |", "|---|---|"]
    for key, label in [("requests", "requests with an id"), ("crashes", "crashes"),
                       ("hangs", f"hangs (no answer within {result['timeoutS']} s)"), ("desyncs", "desyncs"),
                       ("answeredTwice", "answered twice"), ("badFrames", "non-JSON frames out"),
                       ("errorPopups", "error pop-ups"), ("probesChecked", "edit probes checked"),
                       ("probesUnchecked", "edit probes unchecked (answered from cache)"),
                       ("responsiveAtEnd", "responsive at the end"), ("final", "process at the end")]:
        lines.append(f"| {label} | {result[key]} |")
    lines += ["", "| case kind | count | seconds |", "|---|---:|---:|"]
    lines += [f"| {kind} | {count} | {result['kindSeconds'].get(kind, 0)} |"
              for kind, count in sorted(result["kinds"].items())]
    if result["failures"]:
        lines += ["", "| failure | case | kind | detail |", "|---|---:|---|---|"]
        lines += [f"| {f['failure']} | {f['case']} | {f['kind']} | {f['detail'][:120]} |"
                  for f in result["failures"][:50]]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--run-cap", type=int, default=20_000,
                        help="longest run of letters in a document (100000 to include issue 12 item 1)")
    parser.add_argument("--size-cap", type=int, default=200_000)
    parser.add_argument("--from", dest="first", type=int, default=1,
                        help="replay the generator silently up to this case, then send from it (to rerun a failure)")
    parser.add_argument("--only", type=int, help="send only this case (same as --from N --cases N)")
    parser.add_argument("--dump", help="write the last sent case's bytes to this file")
    parser.add_argument("--memory-probe", help="append where the server's memory is (bench/memory_probe.py) "
                        "to this JSONL file at every progress line")
    parser.add_argument("--out", help="results file stem (default bench/results/fuzz; a replay writes none)")
    args = parser.parse_args()
    if args.only:
        args.first = args.cases = args.only
    result = asyncio.run(fuzz(args.cases, args.seed, args.timeout, run_cap=args.run_cap, size_cap=args.size_cap,
                              progress=lambda line: print(line, flush=True), first=args.first, dump=args.dump,
                              memory_probe=args.memory_probe))
    text = markdown(result)
    print(text)
    if args.out or args.first == 1:
        write_results(args.out or str(RESULTS / "fuzz"), text, result)


if __name__ == "__main__":
    main()
