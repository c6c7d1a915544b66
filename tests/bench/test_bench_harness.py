"""The benchmark harness's own logic: the typing script, the statistics, the peer's HTTP reading."""

from __future__ import annotations

import json

from bench import peer
from bench.keystrokes import ANCHOR, TARGET_FILE, TYPED_CODE, Document, initial_text, typing_script
from bench.stats import Attempt, markdown_table, percentile, summarize


def replayed(quick: bool) -> str:
    doc = Document(initial_text()[0])
    for key in typing_script(quick):
        doc.apply(key)
    return doc.text


def test_the_script_types_the_function_into_the_file():
    expected = TARGET_FILE.read_text().replace(ANCHOR, ANCHOR + TYPED_CODE + "\n\n")
    assert replayed(quick=False) == expected


def test_the_script_is_deterministic_and_paced_like_a_person():
    keys = typing_script()
    assert keys == typing_script()
    gaps = [b.at_ms - a.at_ms for a, b in zip(keys, keys[1:])]
    assert min(gaps) >= 60
    assert sum(1 for k in keys if k.delete) >= 3  # typos corrected with backspace
    assert sum(1 for k in keys if k.pause_ms >= 700) >= TYPED_CODE.count("\n") - 1  # a pause per line
    assert len(typing_script(quick=True)) < len(keys) / 2


def test_lsp_changes_use_positions_before_the_edit():
    doc = Document("ab\ncd")
    change = doc.apply(typing_script()[0].__class__(0, 4, 1, "X", 100))
    assert change == {"range": {"start": {"line": 1, "character": 1}, "end": {"line": 1, "character": 2}},
                      "text": "X"}
    assert doc.text == "ab\ncX" and doc.version == 2
    assert Document("😀x\n").position(2) == {"line": 0, "character": 3}  # UTF-16 code units


def test_split_gives_llama_vim_style_local_context():
    doc = Document("a\nb\nxy = 1\nc\n")
    before, middle, after = doc.split(doc.text.index("= 1"))
    assert (before, middle, after) == ("a\nb\n", "xy ", "= 1\nc\n")


def test_summary_counts_only_answers_before_the_next_key():
    attempts = [Attempt(0, 100, "shown", 10.0), Attempt(1, 900, "shown", 30.0), Attempt(2, 100, "cancelled"),
                Attempt(3, 900, "stale", 950.0), Attempt(4, 100, "cache", 2.0)]
    summary = summarize(attempts)
    assert summary["shown"] == 2 and summary["cache"] == 1 and summary["cancelled"] == 1
    assert summary["answered"] == 3 and summary["tts_p50_ms"] == 10.0
    assert summary["pauses"] == 2 and summary["pauses_with_suggestion"] == 1
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert markdown_table([{"a": 1.25}], [("a", "A"), ("b", "B")]).splitlines()[2] == "| 1.2 | - |"


def test_peer_reads_infill_and_streamed_openai_answers():
    infill = peer.Peer("llama-server", 1, True, 8, stream=False)
    path, body = infill.request(Document("def f():\n    ret\n"), 16)
    assert path == "/infill" and body["prompt"] == "    ret" and body["cache_prompt"] and body["n_predict"] == 8
    parsed = infill.parse(json.dumps({"content": "urn 1", "tokens_cached": 10, "tokens_evaluated": 7,
                                      "timings": {"cache_n": 5, "prompt_n": 2, "predicted_n": 3}}).encode())
    assert parsed == {"text": "urn 1", "generated_tokens": 3, "prompt_tokens": 7, "cached_tokens": 5}
    streamed = peer.Peer("llama-server", 1, True, 8)
    events = (b'data: {"content": "urn"}\n\ndata: {"content": " 1", "stop": true, "tokens_evaluated": 7, '
              b'"timings": {"cache_n": 5, "prompt_n": 2, "predicted_n": 3}}\n\n')
    assert streamed.parse(events) == parsed
    openai = peer.Peer("llama_cpp.server", 1, False, 8)
    stream = b'data: {"choices": [{"text": "ur"}]}\n\ndata: {"choices": [{"text": "n"}]}\n\ndata: [DONE]\n\n'
    assert openai.parse(stream) == {"text": "urn", "generated_tokens": 2}
    assert peer._dechunk(b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n") == b"abcde"


def test_llama_vim_client_shows_cached_answers_typed_ahead():
    from bench.keystrokes import Keystroke
    from bench.llama_vim_client import LlamaVimClient

    keys = [Keystroke(0, 4, 0, "x", 100), Keystroke(100, 5, 0, "=", 100)]
    client = LlamaVimClient(None, None, Document("def \n"), keys)
    client.doc.apply(keys[0])
    client.current = 0
    client.cache[client.context()] = {"text": "= 1", "generated_tokens": 2}
    client.doc.apply(keys[1])
    client.current = 1
    assert client.hint()["text"] == " 1"  # typed '=' of the cached '= 1'


def test_floor_worker_runs_only_the_newest_request():
    import threading
    import time as clock

    from bench.floor import LatestOnlyWorker
    from lsp_server.model.types import Cancelled

    started = threading.Event()

    class SlowEngine:
        def complete(self, request, cancel):
            started.set()
            for _ in range(200):
                cancel.raise_if_cancelled()
                clock.sleep(0.005)
            return type("Done", (), {"finish_reason": "length", "text": request})()

    worker = LatestOnlyWorker(SlowEngine())
    worker.submit(0, "first")
    started.wait(5)
    worker.submit(1, "second")  # cancels the running one
    worker.submit(2, "third")  # replaces the waiting one
    deadline = clock.time() + 10
    while len(worker.results) < 3 and clock.time() < deadline:
        clock.sleep(0.01)
    worker.stop()
    assert worker.results[0][1] is None and worker.results[1][1] is None
    assert worker.results[2][1].text == "third"
    assert Cancelled  # the engine's exception is what the worker catches
