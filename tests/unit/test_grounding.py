"""What the tools know about a diagnostic: Python's compiler, tree-sitter, names and the index.

Each case is a single injected error; the finding must name the problem and
its change must be the exact minimal edit that restores the code.
"""

from __future__ import annotations

import pytest

from lsp_server.assist import names, python_syntax, tree_syntax
from lsp_server.assist.grounding import ground, line_facts

FUNCTION = "def total(items, tax):\n    count = 0\n    for item in items:\n        count += item.price\n    return count * tax\n"


def broken_and_fixed(original: str, old: str, new: str) -> tuple[str, str]:
    assert old in original
    return original.replace(old, new, 1), original


@pytest.mark.parametrize("old, new, says", [
    ("def total(items, tax):", "def total(items, tax)", "missing the `:`"),
    ("for item in items:", "for item in items", "`for` header"),
    ("count * tax\n", "count * (tax\n", "never closed"),
    ("    count = 0", "        count = 0", "indented"),
    ("    return count * tax", "  return count * tax", "indented"),
])
def test_python_syntax_errors_get_the_exact_fix(old, new, says):
    broken, original = broken_and_fixed(FUNCTION, old, new)
    finding = python_syntax.finding(broken)
    assert says in finding.problem and finding.change is not None
    fixed = finding.change.apply(broken)
    assert compile(fixed, "x", "exec") and (fixed == original or old.endswith("tax\n"))


def test_comma_and_equals():
    finding = python_syntax.finding("x = f(a b)\n")
    assert "comma" in finding.problem and finding.change.apply("x = f(a b)\n") == "x = f(a, b)\n"
    text = "def f(t, name):\n    if t[2] = name:\n        return 1\n"
    finding = python_syntax.finding(text)
    assert "`==`" in finding.problem and finding.change.apply(text) == text.replace(" = ", " == ")


def test_a_dedented_line_is_put_back_not_its_neighbour():
    text = "def f(a):\n    x = 1\ny = 2\n    return x\n"
    finding = python_syntax.finding(text)
    assert finding.change.apply(text) == "def f(a):\n    x = 1\n    y = 2\n    return x\n"
    assert (finding.change.start, finding.change.end, finding.change.new_text) == (text.index("y"),) * 2 + ("    ",)


def test_unfixable_syntax_error_asks_the_model_with_the_facts():
    finding = python_syntax.finding("def f(:\n    pass\n")
    assert finding.change is None and finding.needs_model and "Python's compiler" in finding.facts[0]
    assert python_syntax.finding("x = 1\n") is None


@pytest.mark.parametrize("language, text, token", [
    ("go", "package m\nfunc f() int {\n\treturn g(1, 2\n}\n", ")"),
    ("c", "int f(int a) {\n  int b = a\n  return b;\n}\n", ";"),
    ("rust", "fn f() -> i32 {\n    let x = 1\n    x\n}\n", ";"),
])
def test_tree_sitter_missing_tokens_in_other_languages(language, text, token):
    finding = tree_syntax.finding(language, text, text.index("\n", text.index("\n") + 1))
    assert f"`{token}` is missing" in finding.problem
    from context.syntax import error_count

    assert finding.change.new_text == token and error_count(language, finding.change.apply(text)) == 0


def test_did_you_mean_a_local_and_an_attribute():
    text = FUNCTION.replace("count * tax", "count * txa")
    finding = ground(text, "python", "undefined name 'txa'", text.index("txa"))
    assert "did you mean `tax`?" in finding.problem and finding.change.apply(text) == FUNCTION
    text = "class A:\n    def run(self):\n        return self.stpo()\n    def stop(self):\n        pass\n"
    finding = ground(text, "python", 'Cannot access attribute "stpo" for class "A*"', text.index("stpo"))
    assert finding.change.apply(text) == text.replace("stpo", "stop")


def test_missing_standard_import_goes_in_order_in_the_import_block():
    text = '"""Doc."""\n\nimport os\nimport sys\n\n\ndef f():\n    return re.sub("a", "b", os.sep)\n'
    finding = ground(text, "python", "F821 undefined name 're'", text.index("re.sub"))
    assert finding.problem.startswith("`re` on line 8 is not imported")
    assert finding.change.apply(text) == text.replace("import os\nimport sys", "import os\nimport re\nimport sys")


def test_missing_import_copied_from_another_file_of_the_repository(tmp_path):
    from context.index import RepositoryIndex

    (tmp_path / "a.py").write_text("from shop.money import Price\n\nx = Price(1)\n")
    (tmp_path / "b.py").write_text("import os\n\n\ndef cost():\n    return Price(2)\n")
    index = RepositoryIndex(str(tmp_path), watch=False, cache_dir=str(tmp_path / ".cache")).start()
    try:
        assert index.wait_ready(30)
        text = (tmp_path / "b.py").read_text()
        finding = ground(text, "python", '"Price" is not defined', text.index("Price"), index=index, rel="b.py")
    finally:
        index.stop()
    assert finding.fix_title == "add `from shop.money import Price`"
    assert finding.change.apply(text).startswith("import os\n\nfrom shop.money import Price\n\n\ndef cost")  # its own section


def test_missing_argument_names_the_signature_and_passes_a_same_named_local():
    text = "def add(a, b):\n    return a + b\n\n\ndef g(x):\n    return add(x)\n"
    finding = ground(text, "python", 'Argument missing for parameter "b"', text.index("add(x"))
    assert finding.needs_model and "`add` is defined as: def add(a, b)" in finding.facts
    text = text.replace("def g(x)", "def g(x, b)")
    finding = ground(text, "python", 'Argument missing for parameter "b"', text.index("add(x"))
    assert finding.change.apply(text).endswith("return add(x, b)\n")
    assert line_facts(text, "python", text.index("add(x")) == ("`add` is defined as: def add(a, b)",)


def test_short_names_are_not_typos_of_longer_words():
    assert names._closest("re", ["are", "red"]) == []
    assert names._closest("ptahs", ["paths", "path"]) == ["paths"]


def test_a_token_the_diagnostic_expects_is_inserted_after_the_code_before_it():
    text = "function total(items) {\n  return items.reduce((sum, item) => sum + item.price 0);\n}\n"
    finding = ground(text, "typescript", "',' expected.", text.index(" 0)") + 1)
    assert finding.problem.startswith("A `,` is expected on line 2")  # not "a missing semicolon"
    assert finding.change.apply(text) == text.replace("price 0", "price, 0")


def test_a_stray_word_is_never_deleted_mechanically():
    text = "function f(a) {\n  return a b;\n}\n"
    finding = tree_syntax.finding("javascript", text, text.index("b;"))
    assert finding.change is None and finding.needs_model and "`b` on line 2" in finding.problem
    text = "function f(a) {\n  return a + 1;)\n}\n"
    finding = tree_syntax.finding("javascript", text, text.index(")\n"))
    assert finding.fix_title == "remove the stray `)` on line 2"
    assert finding.change.apply(text) == text.replace(";)", ";")


def test_in_a_big_file_candidates_are_tried_on_the_statement_and_the_winner_on_the_file():
    original = "".join(f"def f{n}(a, b):\n    return g(a, b)\n\n" for n in range(2500))
    assert len(original) > python_syntax.SLICE_ABOVE_CHARS
    broken = original.replace("def f2000(a, b):\n    return g(a, b)", "def f2000(a, b):\n    return g(a, b")
    finding = python_syntax.finding(broken)
    assert finding.fix_title == "add `)` at the end of line 6002" and finding.change.apply(broken) == original


def test_a_name_fix_is_checked_but_an_unrelated_syntax_error_elsewhere_does_not_block_it():
    text = FUNCTION.replace("count * tax", "count * txa") + "\n\n\n\ndef later(:\n    pass\n"
    finding = ground(text, "python", "undefined name 'txa'", text.index("txa"))
    assert finding.change is not None and "did you mean `tax`" in finding.problem


def test_imports_go_in_their_section_and_never_before_future_imports():
    from lsp_server.assist.index_facts import import_position

    text = '"""Doc."""\n\nfrom __future__ import annotations\n\nimport sys\nfrom typing import Any\n\nimport git\n\nx = 1\n'
    at, inserted = import_position(text, "import functools")
    assert (text[:at] + inserted + text[at:]).startswith(
        '"""Doc."""\n\nfrom __future__ import annotations\n\nimport functools\nimport sys\nfrom typing import Any\n')
    at, inserted = import_position(text, "from git.config import GitConfigParser")
    assert text[:at] + inserted + text[at:] == text.replace("import git\n", "import git\nfrom git.config import GitConfigParser\n")
    only_future = "from __future__ import annotations\n\nx = os.sep\n"
    at, inserted = import_position(only_future, "import os")
    assert only_future[:at] + inserted + only_future[at:] == "from __future__ import annotations\nimport os\n\nx = os.sep\n"
