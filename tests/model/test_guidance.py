"""Context-guided decoding (`model.guidance`) on the real tiny models: which names, where, how far, bounded.

The tiny models are random-weight but deterministic, so their choices are pinned: after
`    return `, DeepSeek-tiny's own first choice is ` Arc`; ` delegate` is 2.6 logits below it and
` sake` 22.3 below (inside and outside the bias of 12 the model tests pin, `bias`); StarCoder-tiny's
nearest piece of any such name is ` ` itself, 14.6 below.
"""

from __future__ import annotations

import numpy as np
import pytest

from context.snippet import Snippet
from lsp_server.model import generation, guidance, llama_engine, snippet_names
from lsp_server.model.guidance import MEMBER_BIAS, Guide, guide_for, identifier_site
from lsp_server.model.snippet_names import MAX_NAME_BYTES, MAX_NAMES, context_names, context_types
from lsp_server.model.receivers import receiver_members
from lsp_server.model.name_ranking import EVIDENCE_BIAS, TYPE_BIAS
from lsp_server.model.healing import PieceIndex
from lsp_server.model.types import CancelToken, CompletionRequest

RETURN = "def total(cart):\n    return "


def snippet(text: str, symbol: str = "", file: str = "shop/pricing.py") -> Snippet:
    return Snippet(file, 1, text.count("\n") + 1, "definition", text, symbol)


@pytest.fixture(autouse=True)
def bias(monkeypatch):
    """The engine tests pin a bias of 12 (the default is tuned on the real model and may move)."""
    monkeypatch.setattr(guidance, "BIAS", 12.0)


@pytest.fixture
def guides(monkeypatch):
    """The `Guide` each generation ran with (None: plain decoding), in order."""
    seen: list[Guide | None] = []

    def spy(*args, **kwargs):
        seen.append(kwargs.get("guide"))
        return generation.generate(*args, **kwargs)

    monkeypatch.setattr(llama_engine, "generate", spy)
    return seen


def complete(engine, prefix: str, names=(), **kw) -> str:
    request = CompletionRequest(prefix=prefix, suffix="\n", max_tokens=8, names=tuple(names), **kw)
    return engine.complete(request, CancelToken()).text


def test_context_names_lists_definitions_best_snippet_first():
    snippets = (
        snippet("class Cart:\n    items: list\n    def add(self, item):\n        self.total = 0\n", "Cart"),
        snippet("func (c *Cart) Checkout(rate float64) error {\n", "", "cart.go"),
        snippet("export async function discountedTotal(cart: Cart) {\n  return 1\n}\n"
                "export const TAX_RATE = 0.2\ninterface Receipt {}\n", "", "cart.ts"),
    )
    assert context_names(snippets) == ("Cart", "items", "add", "Checkout", "discountedTotal", "TAX_RATE", "Receipt")
    assert context_types(snippets) == ("Cart", "Receipt")  # a class, an interface
    assert context_names(()) == ()
    assert "return" not in context_names((snippet("return (x)\nif (y)\n"),))  # keywords are no names
    assert context_names((snippet('export const $mobx = Symbol("mobx")\n', file="utils.ts"),)) == ("$mobx",)


def test_context_names_in_a_go_file_take_typed_specs_iota_constants_and_fields():
    text = ("const (\n\tregexpTypePath   regexpType = 0\n\tregexpTypeHost   regexpType = 1\n)\n"
            "const (\n\tDirectiveError Directive = 1 << iota\n\tDirectiveNoSpace\n\tFLOAT // 1.2\n)\n"
            "type Route struct {\n\terr error\n\tName string `json:\"name\"`\n}\n"
            "func f() {\n\tbreak\n\tgoto done\n\tif a == b {\n\twg.Wait()\n}\n")
    assert context_names((snippet(text, file="mux/regexp.go"),)) == (
        "regexpTypePath", "regexpTypeHost", "DirectiveError", "DirectiveNoSpace", "FLOAT", "Route", "err", "Name", "f")
    assert context_names((snippet(text, file="mux/regexp.py"),)) == ("Route", "f")  # Go's forms only in Go
    hostile = ("\t" + " " * 1000 + "a" * 300 + " " * 1000 + "?!\n") * 8  # linear, not quadratic, in the spaces
    assert context_names((snippet(hostile, file="a.go"),)) == ()


def test_context_names_are_bounded():
    many = snippet("".join(f"def name_{i}(x):\n" for i in range(10_000)))
    assert len(context_names((many,))) == MAX_NAMES
    late = snippet("x" * snippet_names.MAX_SCAN_CHARS + "\ndef late_name():\n")
    assert context_names((late,)) == ()  # past what is read per request
    long = snippet("def " + "n" * (MAX_NAME_BYTES + 1) + "():\ndef größe():\n")
    assert context_names((long,)) == ("größe",)  # a non-ASCII name is a name; an enormous one is not


@pytest.mark.parametrize("prefix, site", [
    ("x = shop.", ""), ("    return ", ""), ("call(a, ", ""), ("x = cart.it", "it"), ("total = dis", "dis"),
    ("\tgröß", "größ"), ("", ""), ("thing[$mo", "$mo"), ("thing[", ""), ("x = 'abc ", None), ('s = "a" + "b', None), ("n = 12", None),
    ("x = 1  # see ", None), ("// call ", None), ("f(x)", None),
])
def test_identifier_site(prefix, site):
    assert identifier_site(prefix) == site


def test_guide_biases_the_candidate_and_stops_when_it_is_complete():
    index = PieceIndex([b" Arc", b" dele", b"gate", b"_total", b"(", b" delegate"])
    guide = Guide((b" delegate_total",), (6.0,), index)
    logits = np.asarray([10.0, 5.0, 0.0, 0.0, 0.0, 7.0], dtype=np.float32)
    assert sorted(guide.boosted()[0].tolist()) == [1, 5]  # " dele" and " delegate" spell its head
    assert guide.pick(logits, 0) == 5  # 7 + 6 beats 10
    assert Guide((b" delegate_total",), (2.0,), index).pick(logits, 0) == 0  # 7 + 2 does not
    guide.advance(b" delegate")
    assert guide.active and guide.boosted()[0].tolist() == [3]
    guide.advance(b"_total")
    assert not guide.active  # the identifier is complete: nothing after it is steered


def test_a_begun_name_gets_the_follow_bias_past_the_healed_bytes():
    index = PieceIndex([b" ", b" dele", b"dele", b"gate"])
    guide = Guide((b" delegate",), (2.0,), index, lead=1, follow=50.0)
    assert guide.boosted()[1].tolist() == [2.0, 2.0]  # " " retypes the healed space: not begun yet
    guide.advance(b" ")
    assert guide.boosted()[1].tolist() == [2.0]
    guide.advance(b"dele")
    assert guide.boosted()[1].tolist() == [50.0]  # "gate" finishes what it began


def test_inside_an_indent_healing_cut_only_a_token_covering_it_all_is_steered():
    index = PieceIndex([b" ", b"  ", b"    ", b"    co", b"co", b"des"])
    guide = Guide((b"    codes",), (6.0,), index, lead=4)
    ids = sorted(guide.boosted()[0].tolist())
    assert ids == [2, 3]  # "    " and "    co"; one or two spaces would spell the indent in odd pieces
    guide.advance(b"    ")
    assert sorted(guide.boosted()[0].tolist()) == [4]  # past the cut bytes: the name's own pieces


def test_a_keyword_the_model_chose_is_not_overridden_before_a_name_begins():
    index = PieceIndex([b" item", b" lambda", b"s"])
    guide = Guide((b" items",), (12.0,), index, lead=1)
    assert guide.yields_to(b" lambda") and guide.yields_to(b" not") and guide.yields_to(b" None")
    assert not guide.yields_to(b" lam") and not guide.yields_to(b" item") and not guide.yields_to(b" lambdas")
    guide.advance(b" item")
    assert not guide.yields_to(b"lambda")  # inside a name: nothing to yield to


def test_guide_stops_when_the_model_leaves_the_path():
    index = PieceIndex([b" dele", b"gate", b"x"])
    guide = Guide((b" delegate",), (6.0,), index)
    guide.advance(b" dele")
    assert guide.active
    guide.advance(b"x")
    assert not guide.active


def test_guide_for_needs_a_site_and_a_name_that_extends_what_is_typed():
    index = PieceIndex([b"a"])
    assert guide_for("x = ", b"", (), index) is None
    assert guide_for("x = 'in a string ", b"", ("total",), index) is None
    assert guide_for("x = tot", b"", ("total",), index).targets == (b"al",)
    assert guide_for("x = tot", b"tot", ("total", "other", "tot"), index).targets == (b"total",)
    assert guide_for("x = ", b"", ("total",), index, bias=0.0) is None


def test_members_of_a_known_receiver_are_leaned_on_harder_after_its_dot():
    index = PieceIndex([b"a"])
    guide = guide_for("x = pricing.", b".", ("Cart",), index, ("rate", "total"))
    assert guide.targets == (b".rate", b".total", b".Cart") and guide.biases == (MEMBER_BIAS, MEMBER_BIAS, 12.0)
    assert guide_for("x = ", b" ", (), index, ("rate",)) is None  # members matter only after the dot


@pytest.mark.parametrize("prefix, head, members", [
    ("    return pricing.", "from shop import pricing\n", ("RATE", "discounted")),
    ("    return p.dis", "import shop.pricing as p\n", ("RATE", "discounted")),
    ("  return p.", "import * as p from './shop/pricing';\n", ("RATE", "discounted")),
    ("\treturn pr.", 'import (\n\tpr "example.com/shop/v2"\n)\n', ("Total",)),
    ("\treturn shop.", 'import "example.com/shop"\n', ("Total",)),
    ("    return other.", "import other\n", ()),  # no snippet of that module
    ("    return a.pricing.", "", ()),  # only a plain name resolves
    ("    return pricing", "", ()),  # no dot
    ("\tx := logrus.", 'import "github.com/sirupsen/logrus"\n', ("Level", "Entry")),  # the package is the folder
    ("\tx := total.", "", ("Total",)),  # a Go file's own stem: its folder's other files are no other module
])
def test_receiver_members(prefix, head, members):
    snippets = (snippet("RATE = 0.2\ndef discounted(cart):\n", file="shop/pricing.py"),
                snippet("func Total() int {\n", file="shop/total.go"), snippet("def Cart():\n", file="cart.py"),
                snippet("type Level uint32\n", file="src/logrus.go"), snippet("type Entry struct {\n", file="src/entry.go"),
                snippet("type Entry struct {\n", file="log/entry.go"))
    assert receiver_members(prefix, head, snippets) == members


def test_a_go_package_another_file_imports_offers_only_its_exported_names():
    snippets = (snippet("type Token struct {\n", file="hcl/token/token.go"),
                snippet("var tokens = [...]string{\nfunc (t Type) String() string {\n", file="hcl/token/names.go"))
    head = 'package scanner\n\nimport (\n\t"bytes"\n\n\t"github.com/hashicorp/hcl/hcl/token"\n)\n'
    assert receiver_members("\treturn token.", head, snippets) == ("Token", "String")
    assert receiver_members("\treturn tk.", head.replace('\t"github', '\ttk "github'), snippets) == ("Token", "String")
    # not a Go file's imports (no package clause): every name, as in Python or TypeScript
    assert receiver_members("\treturn token.", 'import "hcl/token"\n', snippets) == ("Token", "tokens", "String")


def test_receiver_members_take_any_file_a_repository_holds():
    """Snippet paths come from the repository: none, no folder, backslashes, a huge one, a Go file at the root."""
    snippets = (snippet("type Level uint32\n", file=""), snippet("type Entry struct {\n", file="logrus.go"),
                snippet("func Hook() {\n", file="entry.go"), snippet("x = 1\n", file="a\\logrus\\x.go"),
                snippet("y = 2\n", file="/" * 100_000 + "logrus.go"), snippet("z = 3\n", file="\x00\udcff.go"))
    assert receiver_members("\tx := logrus.", "", snippets) == ("Entry", "Hook", "x", "y", "z")


def test_names_the_code_around_the_cursor_favours_get_more_bias():
    index = PieceIndex([b"a"])
    names, types = ("render", "SyntaxError", "parse_options"), ("SyntaxError",)
    assert guide_for("try:\n    go()\nexcept ", b"", names, index, types=types).biases == (12.0, 12.0 + TYPE_BIAS, 12.0)
    guide = guide_for("def run(options):\n    parsed = ", b"", names, index, types=types)
    assert guide.biases[0] == guide.biases[1] == 12.0 and 12.0 < guide.biases[2] <= 12.0 + EVIDENCE_BIAS


def test_a_name_is_finished_only_where_the_bias_overrode_the_model():
    index = PieceIndex([b"de", b"delegate", b"_total"])
    guide = guide_for("x = ", b"", ("delegate_total",), index)
    logits = np.zeros(3, dtype=np.float32)
    logits[1:] = 1.0, 5.0  # the model's own choice: `_total`, not a candidate's start
    assert guide.pick(logits, 2) == 1 and guide.steered  # overridden: `delegate`
    guide.advance(b"delegate")
    assert guide.boosted()[1].tolist() == [guidance.FINISH_BIAS]  # the rest is now all but forced
    own = guide_for("x = ", b"", ("delegate_total",), index)
    logits[1] = 20.0  # the model chose `delegate` itself
    assert own.pick(logits, 1) == 1 and not own.steered
    own.advance(b"delegate")
    assert own.boosted()[1].tolist() == [12.0]  # it may still leave the name


def test_the_best_ranked_names_can_get_an_extra_bias(monkeypatch):
    monkeypatch.setattr(guidance, "TOP_BONUS", 4.0)
    monkeypatch.setattr(guidance, "TOP_NAMES", 2)
    guide = guide_for("x = ", b"", ("a1", "a2", "a3"), PieceIndex([b"a"]))
    assert guide.biases == (16.0, 16.0, 12.0)


def test_guide_for_hostile_names_is_bounded():
    index = PieceIndex([b"a"])
    names = ["n" * 100_000, *(f"name_{i}" for i in range(100_000)), "größe", 42, None]
    guide = guide_for("x = ", b" ", names, index)
    assert len(guide.targets) <= MAX_NAMES and max(map(len, guide.targets)) <= MAX_NAME_BYTES + 1
    assert guide_for("x = gr", b"gr", ["größe"], index).targets == ("größe".encode(),)


def test_a_lower_ranked_candidate_is_chosen_with_guidance_and_not_without(deepseek, guides):
    assert complete(deepseek, RETURN).startswith("Arc")
    guided = complete(deepseek, RETURN, ("delegate_total",))
    # The bias overrode ` Arc` for ` delegate`; on its own the tiny model then leaves the name (its
    # "_total" is far below), but a name the bias led it into is finished (`FINISH_BIAS`).
    assert guided.startswith("delegate_total") and guides[0] is None
    assert not guides[-1].active and guides[-1].steered and guides[-1].done == b" delegate_total"
    assert complete(deepseek, RETURN, ("sake_total",)).startswith("Arc")  # 22.3 below: the model's choice


def test_guidance_retypes_nothing_after_a_partly_typed_name(deepseek):
    assert complete(deepseek, RETURN + "de", ("delegate_total",)).startswith("legate")


def test_no_guidance_without_names_or_outside_an_identifier(deepseek, starcoder, guides):
    for engine in (deepseek, starcoder):
        assert complete(engine, RETURN + "'de", ("delegate_total",)) == complete(engine, RETURN + "'de")
    assert complete(starcoder, RETURN, ("zzz_unheard_of",)) == complete(starcoder, RETURN)
    assert all(guide is None for guide in guides[:4])


def test_hostile_names_reach_the_engine_bounded(starcoder):
    names = tuple(["q" * 50_000] + [f"größe_{i}" for i in range(20_000)])
    text = complete(starcoder, RETURN, names)
    assert text == complete(starcoder, RETURN)  # none of them is near the model's choice


def test_sampling_with_guidance_stays_on_the_candidates_it_favours(deepseek, monkeypatch):
    monkeypatch.setattr(guidance, "BIAS", 100.0)  # overwhelming: every sample spells the candidate
    for _ in range(3):
        assert complete(deepseek, RETURN, ("delegate",), temperature=0.8).startswith("delegate")
