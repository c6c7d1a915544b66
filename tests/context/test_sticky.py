"""Sticky retrieval: the previous keystroke's snippets while only the cursor's line changes."""

from __future__ import annotations

from context.retrieval import retrieve
from context.sticky import StickyRetrieval, line_names
from tests.context.conftest import WORKSPACES

FILE = "shop/services/checkout.py"
SOURCE = (WORKSPACES / "python" / FILE).read_text()
LINE = "    discounted = apply_discount(subtotal, discount)\n"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def typed(prefix: str) -> tuple[str, int]:
    """SOURCE with the `discounted = ...` line replaced by `prefix` (the cursor at its end)."""
    head, tail = SOURCE.split(LINE)
    return head + prefix + "\n" + tail, len(head) + len(prefix)


def test_line_names_leave_out_the_word_under_the_cursor():
    assert line_names("    total = comp", 16) == {"total"}
    assert line_names("    total = compute(x", 15) == {"total", "x"}  # the cursor touches compute
    assert line_names("    total = compute(x", 21) == {"total", "compute"}


def test_typing_inside_a_word_reuses_the_snippets_and_they_match_a_fresh_retrieval(make_index):
    index = make_index(WORKSPACES / "python")
    sticky = StickyRetrieval(clock=Clock())
    first, reused = sticky(index, FILE, *typed("    discounted = apply_disc"), 1024)
    assert not reused and first
    for prefix in ("    discounted = apply_disco", "    discounted = apply_discou", "    discounted = apply_discount"):
        snippets, reused = sticky(index, FILE, *typed(prefix), 1024)
        assert reused and snippets == first
    assert sticky.reused == 3
    assert first == tuple(retrieve(index, FILE, *typed("    discounted = apply_disc"), 1024))
    fresh = retrieve(index, FILE, *typed("    discounted = apply_discount"), 1024)
    assert set(snippets) == set(fresh)  # the finished word ranks its definition first, in the same set


def test_a_new_complete_identifier_refreshes(make_index):
    index = make_index(WORKSPACES / "python")
    sticky = StickyRetrieval(clock=Clock())
    held, _ = sticky(index, FILE, *typed("    discounted = apply_discount"), 1024)
    snippets, reused = sticky(index, FILE, *typed("    discounted = apply_discount("), 1024)  # complete now
    assert not reused
    assert snippets == held  # a fresh retrieval, the same set: the held order stays, so the prompt does
    _, reused = sticky(index, FILE, *typed("    discounted = apply_discount(sub"), 1024)
    assert reused


def test_a_fresh_set_keeps_the_held_order_where_it_can():
    results = [("a", "b"), ("b", "a"), ("c", "b")]

    def fake_retrieve(index, path, text, offset, budget, count_tokens=None):
        return results.pop(0)

    sticky = StickyRetrieval(fake_retrieve, clock=Clock())
    assert sticky(None, "a.py", "x = 1\n", 3, 100)[0] == ("a", "b")
    assert sticky(None, "a.py", "x = 1\ny", 8, 100)[0] == ("a", "b")  # another line: the same set, held order
    assert sticky(None, "a.py", "w = 1\ny", 8, 100)[0] == ("c", "b")  # b kept its place, c is new


def test_stable_order_keeps_the_held_tail_of_the_prompt():
    from context.sticky import stable_order

    assert stable_order(("n1", "a", "n2", "c"), ("a", "b", "c")) == ("n1", "n2", "a", "c")
    assert stable_order(("c", "b", "a"), ("a", "b", "c")) == ("a", "b", "c")
    assert stable_order(("x",), ("a",)) == ("x",)
    assert stable_order((), ("a",)) == ()


def test_other_lines_documents_budgets_and_age_refresh(make_index):
    index = make_index(WORKSPACES / "python")
    clock = Clock()
    sticky = StickyRetrieval(clock=clock, max_age_s=5.0)
    text, offset = typed("    discounted = apply_disc")
    sticky(index, FILE, text, offset, 1024)
    assert sticky(index, FILE, text, offset, 1024)[1]
    edited = text.replace("def checkout(", "def check_out(")  # another line changed
    assert not sticky(index, FILE, edited, edited.index("apply_disc") + 10, 1024)[1]
    assert not sticky(index, FILE, edited, len(edited) - 1, 1024)[1]  # another line
    assert not sticky(index, "other.py", edited, len(edited) - 1, 1024)[1]  # another document
    assert not sticky(index, "other.py", edited, len(edited) - 1, 512)[1]  # another budget
    assert sticky(index, "other.py", edited, len(edited) - 1, 512)[1]
    clock.now += 6
    assert not sticky(index, "other.py", edited, len(edited) - 1, 512)[1]  # too old


def test_documents_are_held_apart_and_forgotten():
    calls = []

    def fake_retrieve(index, path, text, offset, budget, count_tokens=None):
        calls.append(path)
        return ()

    sticky = StickyRetrieval(fake_retrieve, clock=Clock())
    for path in ("a.py", "b.py", "a.py", "b.py"):
        sticky(None, path, "x = 1\n", 3, 100)
    assert calls == ["a.py", "b.py"]
    sticky.forget("a.py")
    sticky(None, "a.py", "x = 1\n", 3, 100)
    assert calls == ["a.py", "b.py", "a.py"]
