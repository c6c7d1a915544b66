"""Retrieval on the fixture workspaces: cross-file definitions per language, budget, order, similar code."""

from __future__ import annotations

import pytest

from context.retrieval import retrieve
from tests.context.conftest import WORKSPACES, eventually

# workspace, file, text the cursor sits before, (file, line) of a definition that must be retrieved
CASES = [
    ("python", "shop/services/checkout.py", "discounted = ", ("shop/services/pricing.py", 4)),
    ("python", "shop/services/checkout.py", "cart.add(", ("shop/models/cart.py", 19)),  # via the package re-export
    ("python", "shop/services/checkout.py", "return pricing.", ("shop/services/pricing.py", 9)),
    ("js", "src/app.js", "const size", ("src/math.js", 1)),
    ("js", "src/app.js", "return humanSize", ("src/format.js", 3)),
    ("ts", "src/components/UserCard.tsx", "const title", ("src/types.ts", 9)),
    ("ts", "src/components/UserCard.tsx", "client.fetchUser", ("src/api.ts", 3)),
    ("go", "cmd/app/main.go", "value, err", ("internal/store/store.go", 20)),  # method of store.Store
    ("go", "cmd/app/main.go", "s.Put", ("cmd/app/helpers.go", 3)),  # same package, no import
    ("rust", "src/main.rs", "println", ("src/geometry/point.rs", 3)),
    ("java", "src/main/java/com/acme/app/Main.java", "invoice.addAmount", ("src/main/java/com/acme/billing/Invoice.java", 6)),
    ("c", "src/main.c", "ring_push", ("include/ring.h", 15)),
    ("cpp", "src/main.cpp", "std::cout", ("include/shapes.hpp", 14)),
]


def covers(snippets, file, line):
    return any(s.file == file and s.start_line <= line <= s.end_line for s in snippets)


@pytest.mark.parametrize("name, file, marker, gold", CASES, ids=[f"{c[0]}:{c[2]}" for c in CASES])
def test_cross_file_definitions_per_language(make_index, name, file, marker, gold):
    index = make_index(WORKSPACES / name)
    text = (WORKSPACES / name / file).read_text()
    snippets = retrieve(index, file, text, text.index(marker), 1024)
    assert covers(snippets, *gold), [(s.file, s.start_line, s.end_line) for s in snippets]
    assert all(s.file != file for s in snippets)  # the prompt already holds the current file


@pytest.mark.parametrize("budget", [0, 1, 8, 32, 100, 400, 2048])
def test_budget_holds_with_any_token_counter(make_index, budget):
    index = make_index(WORKSPACES / "python")
    text = (WORKSPACES / "python/shop/services/checkout.py").read_text()
    for counter in (None, lambda s: len(s.split()), lambda s: len(s)):
        snippets = retrieve(index, "shop/services/checkout.py", text, text.index("discounted"), budget, count_tokens=counter)
        assert sum(s.tokens for s in snippets) <= budget
        if counter is not None:
            assert all(s.tokens == counter(s.text) for s in snippets)


def test_snippet_text_is_the_file_lines_with_marked_elisions(make_index):
    index = make_index(WORKSPACES / "go")
    text = (WORKSPACES / "go/cmd/app/main.go").read_text()
    snippets = retrieve(index, "cmd/app/main.go", text, text.index("value, err"), 2048)
    assert snippets
    for snippet in snippets:
        lines = (WORKSPACES / "go" / snippet.file).read_text().split("\n")[snippet.start_line - 1:snippet.end_line]
        shown = snippet.text.split("\n")
        if snippet.kind == "outline":
            assert any(line.strip() == "..." for line in shown)
            assert [line for line in shown if line.strip() != "..."] == [line for line in lines if line in shown]
        else:
            assert shown == lines
    outline = next(s for s in snippets if s.kind == "outline")
    assert "func (s *Store) Get" in outline.text and "func (s *Store) Put" in outline.text


def test_headers_first_then_bodies_when_the_budget_allows(make_index):
    index = make_index(WORKSPACES / "python")
    text = (WORKSPACES / "python/shop/services/checkout.py").read_text()
    offset = text.index("discounted = ")
    small = retrieve(index, "shop/services/checkout.py", text, offset, 30)
    assert [(s.file, s.start_line, s.end_line) for s in small][:1] == [("shop/services/pricing.py", 4, 5)]
    large = retrieve(index, "shop/services/checkout.py", text, offset, 2048)
    assert ("shop/services/pricing.py", 4, 6) in [(s.file, s.start_line, s.end_line) for s in large]


def test_retrieval_is_deterministic(make_index):
    index = make_index(WORKSPACES / "ts")
    text = (WORKSPACES / "ts/src/components/UserCard.tsx").read_text()
    runs = {retrieve(index, "src/components/UserCard.tsx", text, text.index("const title"), 300) for _ in range(3)}
    assert len(runs) == 1


def test_similar_windows_come_from_recent_files_not_the_current_one(make_index, workspace):
    root = workspace / "python"
    (root / "shop/services/report.py").write_text(
        "def report(cart, discount):\n    subtotal = cart.subtotal()\n    discounted = subtotal * discount\n"
        "    print('subtotal', subtotal, 'discounted', discounted)\n    return discounted\n"
    )
    index = make_index(root)
    text = (root / "shop/services/checkout.py").read_text()
    snippets = retrieve(index, "shop/services/checkout.py", text, text.index("return pricing"), 2048,
                        recent=["shop/services/report.py", "shop/services/checkout.py"])
    similar = [s for s in snippets if s.kind == "similar"]
    assert [s.file for s in similar] == ["shop/services/report.py"]
    assert snippets[-1].kind == "similar"  # similar code comes after definitions


def test_recently_opened_documents_feed_similar_code_by_default(make_index, workspace):
    root = workspace / "python"
    index = make_index(root)
    other = "def twin(cart, discount):\n    subtotal = cart.subtotal()\n    discounted = apply_discount(subtotal, discount)\n"
    index.set_document(str(root / "shop/services/twin.py"), other)
    text = (root / "shop/services/checkout.py").read_text()
    snippets = retrieve(index, str(root / "shop/services/checkout.py"), text, text.index("return pricing"), 2048)
    assert any(s.kind == "similar" and s.file == "shop/services/twin.py" for s in snippets)


def test_open_document_text_overrides_disk(make_index, workspace):
    root = workspace / "python"
    index = make_index(root)
    pricing = root / "shop/services/pricing.py"
    edited = pricing.read_text().replace("def apply_discount(", "def apply_discount(  # edited\n        ")
    index.set_document(str(pricing), edited)
    eventually(lambda: (index.table.get("shop/services/pricing.py") or None) and index.table.get("shop/services/pricing.py").from_document)
    text = (root / "shop/services/checkout.py").read_text()
    snippets = retrieve(index, "shop/services/checkout.py", text, text.index("discounted = "), 1024)
    assert any("# edited" in s.text for s in snippets)


def test_retrieval_never_waits_for_an_unstarted_index(tmp_path):
    from context.index import RepositoryIndex

    index = RepositoryIndex(str(WORKSPACES / "python"), cache_dir=str(tmp_path / "c"), watch=False)
    text = (WORKSPACES / "python/shop/services/checkout.py").read_text()
    assert retrieve(index, "shop/services/checkout.py", text, 10, 512) == ()


@pytest.mark.parametrize("offset", [-5, 0, 10**9])
def test_odd_cursors_and_files_do_not_fail(make_index, offset):
    index = make_index(WORKSPACES / "python")
    for path, text in [("shop/services/checkout.py", ""), ("notes.txt", "hello"), ("shop/x.py", "def f(:\n  import")]:
        assert isinstance(retrieve(index, path, text, offset, 256), tuple)


def test_concurrent_retrievals_agree(make_index):
    from concurrent.futures import ThreadPoolExecutor

    index = make_index(WORKSPACES)
    cases = [(f"{name}/{file}", (WORKSPACES / name / file).read_text(), marker) for name, file, marker, _ in CASES]

    def run(case):
        path, text, marker = case
        return retrieve(index, path, text, text.index(marker), 512)

    expected = [run(case) for case in cases]
    with ThreadPoolExecutor(4) as pool:
        for _ in range(3):
            assert list(pool.map(run, cases)) == expected
