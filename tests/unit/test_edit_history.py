"""The edit history next-edit prompts read: hunks coalesced by time and place, sizes, accepted marks."""

from __future__ import annotations

from lsp_server.assist.edit_history import COALESCE_S, EditHistory, changed_lines

SOURCE = "def area(width, height):\n    return width * height\n\n\n\n\n\nprint(area(2, 3))\n"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def typed(history: EditHistory, clock: Clock, texts: list[str], gap: float = 0.1) -> None:
    for text in texts:
        clock.now += gap
        history.record("file:///a.py", "a.py", text)


def test_keystrokes_close_in_time_and_place_make_one_hunk():
    clock = Clock()
    history = EditHistory(clock=clock)
    history.record("file:///a.py", "a.py", SOURCE)
    steps = ["def area(widt, height):", "def area(wid, height):", "def area(wi, height):", "def area(w, height):"]
    typed(history, clock, [SOURCE.replace("def area(width, height):", step) for step in steps])
    [hunk] = history.recent("file:///a.py")
    assert (hunk.start, hunk.original, hunk.updated) == (0, "def area(width, height):\n", "def area(w, height):\n")
    assert hunk.diff == ("--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-def area(width, height):\n"
                         "+def area(w, height):\n")
    assert history.original("file:///a.py") == SOURCE


def test_a_pause_or_an_edit_far_away_starts_a_new_hunk():
    clock = Clock()
    history = EditHistory(clock=clock)
    history.record("file:///a.py", "a.py", SOURCE)
    first = SOURCE.replace("(width,", "(w,")
    typed(history, clock, [first])
    paused = first.replace("width *", "w *")
    typed(history, clock, [paused], gap=COALESCE_S + 0.5)
    far = paused.replace("print(area(2, 3))", "print(area(4, 3))")
    typed(history, clock, [far])  # 6 lines below: not close to the hunk being built
    hunks = history.recent("file:///a.py")
    assert [(h.original, h.updated) for h in hunks] == [
        ("def area(width, height):\n", "def area(w, height):\n"),
        ("    return width * height\n", "    return w * height\n"),
        ("print(area(2, 3))\n", "print(area(4, 3))\n"),
    ]
    assert history.original("file:///a.py") == paused  # the text before the newest change


def test_typing_a_change_back_leaves_no_hunk_and_the_size_and_budget_bound_what_is_kept():
    clock = Clock()
    history = EditHistory(size=2, clock=clock)
    history.record("file:///a.py", "a.py", SOURCE)
    typed(history, clock, [SOURCE.replace("width,", "widthx,"), SOURCE])
    assert history.recent("file:///a.py") == []
    text = SOURCE
    for number in range(4):
        text = text.replace(f"({number + 2},", f"({number + 3},")
        typed(history, clock, [text], gap=2.0)
    assert len(history.recent("file:///a.py")) == 2
    assert len(history.recent("file:///a.py", budget_tokens=30)) == 1
    assert history.recent("file:///other.py") == []


def test_an_accepted_suggestion_is_marked():
    clock = Clock()
    history = EditHistory(clock=clock)
    history.record("file:///a.py", "a.py", SOURCE)
    typed(history, clock, [SOURCE.replace("(width,", "(w,")])
    history.mark_accepted("file:///a.py")
    typed(history, clock, [SOURCE.replace("(width,", "(w,").replace("width *", "w *")])
    assert [h.accepted for h in history.recent("file:///a.py")] == [True, False]


def test_the_first_change_is_measured_from_the_file_on_disk(tmp_path):
    path = tmp_path / "a.py"
    path.write_text(SOURCE, encoding="utf-8")
    history = EditHistory()
    history.record(path.as_uri(), str(path), SOURCE.replace("(width,", "(w,"))
    [hunk] = history.recent(path.as_uri())
    assert (hunk.original, hunk.updated) == ("def area(width, height):\n", "def area(w, height):\n")
    unrelated = EditHistory()
    unrelated.record("untitled:1", "untitled:1", "x = 1\n")
    assert unrelated.recent("untitled:1") == [] and unrelated.original("untitled:1") is None


def test_lines_break_by_lsp_rules_only():
    assert changed_lines("a\x0cb\nc\n", "a\x0cB\nc\n") == (0, ("a\x0cb\n",), ("a\x0cB\n",))
    assert changed_lines("a\r\nb\r\n", "a\r\nc\r\n") == (1, ("b\r\n",), ("c\r\n",))


def test_diffs_carry_real_line_numbers_like_git():
    history = EditHistory()
    history.record("file:///a.py", "a.py", "a\nb\nc\n")
    history.record("file:///a.py", "a.py", "a\nb\nnew\nc\n")
    assert history.recent("file:///a.py")[0].diff == "--- a/a.py\n+++ b/a.py\n@@ -2,0 +3 @@\n+new\n"
    history.record("file:///b.py", "b.py", "a\nb\nc\nd\n")
    history.record("file:///b.py", "b.py", "a\nd\n")
    assert history.recent("file:///b.py")[0].diff == "--- a/b.py\n+++ b/b.py\n@@ -2,2 +1,0 @@\n-b\n-c\n"


def test_huge_texts_and_failures_never_break_did_change(monkeypatch):
    from lsp_server.assist import edit_history

    history = EditHistory()
    history.record("file:///big.txt", "big.txt", "x" * (edit_history.MAX_TEXT_CHARS + 1))
    assert history.original("file:///big.txt") is None
    monkeypatch.setattr(edit_history, "changed_lines", lambda old, new: 1 / 0)
    history.record("file:///a.py", "a.py", "a\n")
    history.record("file:///a.py", "a.py", "b\n")  # raises inside: logged, the document forgotten
    assert history.recent("file:///a.py") == []
