"""bench/next_edit.py's own logic: the rename it types and how it counts answers."""

from __future__ import annotations

from types import SimpleNamespace

from bench import next_edit as bench


def test_the_keystrokes_delete_the_old_name_then_type_the_new_one():
    steps = bench.keystrokes()
    assert len(steps) == len(bench.OLD) + len(bench.NEW)
    text, cursor = steps[-1]
    start = bench.SOURCE.index(bench.OLD)
    assert text == bench.SOURCE[:start] + bench.NEW + bench.SOURCE[start + len(bench.OLD):]
    assert cursor == start + len(bench.NEW)
    assert bench.position(text, cursor) == {"line": 0, "character": cursor}


def test_silence_and_shown_answers_are_counted_apart():
    def reply(result, ms):
        return SimpleNamespace(error=None, result=result, received=ms / 1000)

    shown = {"edits": [{"text": "side_length"}]}
    on = {"ghost": [(0.0, reply(None, 30))], "edits": [(0.0, reply({"edits": []}, 200)), (0.0, reply(shown, 400))],
          "status": {"jobs": [{"kind": "next-edit", "format": "sweep"}]}}
    off = {"ghost": [(0.0, reply(None, 20))], "edits": [], "status": {"jobs": []}}
    row = bench.summarize("m.gguf", off, on)
    assert (row["format"], row["answered"], row["shown"], row["silent_pct"]) == ("sweep", 2, 1, 50.0)
    assert (row["ghost_off_p50"], row["ghost_on_p50"], row["shown_p50"]) == (20.0, 30.0, 400.0)
