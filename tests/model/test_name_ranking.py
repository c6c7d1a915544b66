"""Ranking context names by the code around the cursor: words nearby, an expected type, usage."""

from __future__ import annotations

import pytest

from lsp_server.model import name_ranking
from lsp_server.model.name_ranking import EVIDENCE_BIAS, TYPE_BIAS, preferences, subwords


def test_subwords_split_camel_and_snake_case_drop_plurals_and_filler():
    assert subwords("hashQueryKeyByOptions") == {"hash", "query", "key", "option"}
    assert subwords("_default_text_stderr") == {"default", "text", "stderr"}
    assert subwords("HTTPStatusError") == {"http", "status", "error"}  # `status` is no plural
    assert subwords("is_a") == frozenset()  # nothing but filler
    assert subwords("class") == {"class"}  # a double s is no plural


def test_a_name_whose_words_are_on_the_cursor_line_is_favoured_most():
    prefix = "def build(options):\n    key = options.query_key\n    query_hash = options.query_hash or "
    extra = preferences(["hashQueryKeyByOptions", "matchQuery", "Subscribable"], prefix)
    assert extra["hashQueryKeyByOptions"] > extra["matchQuery"] > 0
    assert "Subscribable" not in extra  # no evidence: no extra bias, not a penalty
    assert extra["hashQueryKeyByOptions"] <= EVIDENCE_BIAS


def test_nearer_lines_count_more_and_shared_subwords_less():
    far = preferences(["segment_list"], "segments = []\n" + "x = 1\n" * 6 + "y = ")
    near = preferences(["segment_list"], "x = 1\n" * 6 + "segments = []\ny = ")
    assert near["segment_list"] > far["segment_list"] > 0
    shared = preferences(["route_conf", "route_regexp", "match_route"], "r.route = ")
    alone = preferences(["route_conf"], "r.route = ")
    assert alone["route_conf"] > shared["route_conf"]


def test_a_name_the_model_can_read_gets_no_evidence():
    prefix = "def _param_memo(f, param: Parameter):\n    if isinstance(f, "
    extra = preferences(["Parameter", "param_decls"], prefix)
    assert "Parameter" not in extra and extra["param_decls"] > 0  # it copies `Parameter` unaided
    assert "Parameter" in preferences(["Parameter"], "def memo(f, parameter):\n    x = ")


def test_lines_beyond_the_window_do_not_count():
    prefix = "frobnicate = 1\n" + "x = 1\n" * name_ranking.LINES + "y = "
    assert preferences(["frobnicate"], prefix) == {}


def test_the_typed_part_of_the_name_is_no_evidence():
    assert preferences(["segment_list"], "x = segm") == {}


def test_types_are_favoured_where_a_type_is_expected():
    types = ("TemplateSyntaxError", "Route")
    for prefix in ("    except ", "    raise ", "def f() -> ", "    x: List[", "\treturn []*", "\tv := &",
                   "  const q = new ", "class A extends ", "if isinstance(value, "):
        extra = preferences(["TemplateSyntaxError", "render"], prefix, types)
        assert extra.get("TemplateSyntaxError") == TYPE_BIAS, prefix
        assert "render" not in extra
    for prefix in ("    x = ", "    return ", "\tif err = ", "foo("):
        assert preferences(["TemplateSyntaxError", "render"], prefix, types) == {}, prefix
    assert preferences(["Route"], "\tm := []*Ro", types) == {"Route": TYPE_BIAS}  # a partly typed type
    assert preferences(["Route"], "\tr := &mux.", types) == {"Route": TYPE_BIAS}  # a module's type
    assert preferences(["Route"], "\tr := mux.", types) == {}


def test_a_huge_word_nearby_is_no_evidence_and_is_not_remembered():
    name_ranking.subwords.cache_clear()
    huge = "query_" * 20  # 120 characters: no identifier a candidate is matched against is that long
    assert preferences(["query_key"], f"x = {huge}\ny = ") == {}
    assert name_ranking.subwords.cache_info().currsize == 3  # the candidate's, `x`'s and `y`'s, not the huge word's
    assert preferences(["query_key"], "x = query\ny = ")["query_key"] > 0


def test_only_the_cursor_lines_last_characters_decide_a_type_site():
    assert preferences(["Route"], "\texcept " + "m" * 300 + ".", ("Route",)) == {}
    assert preferences(["Route"], "\texcept " + "m" * 100 + ".", ("Route",)) == {"Route": TYPE_BIAS}


def test_hostile_input_is_bounded():
    huge = "a_" * 200_000 + "\n" + ("word " * 50_000 + "\n") * 20
    extra = preferences(["word_" * 100, 7, "", "a"], huge)  # non-strings are skipped
    assert set(extra) <= {"word_" * 100}
    assert preferences([], huge) == {}


def test_the_name_the_code_around_writes_most_after_the_key_is_favoured_most():
    usage = (("AsyncWriter", 4), ("Writer", 1), ("Unoffered", 9), ("Reader", 0))
    extra = preferences(["AsyncWriter", "Writer", "Reader"], "        self.out: ", usage=usage)
    assert extra["AsyncWriter"] == name_ranking.USAGE_BIAS  # the most written offered name: the whole bias
    assert extra["Writer"] == name_ranking.USAGE_BIAS / 4 > 0
    assert "Reader" not in extra  # never written after the key: no extra bias, not a penalty
    assert preferences(["A"], "x = ", usage=[("A", "9"), ["A", 1], None, ("A",)]) == {}  # malformed pairs ignored


def test_after_a_key_many_names_follow_usage_says_less():
    """`writer:` is followed by AsyncWriter 4 times of 5 names in all: the whole bias. `if ` by it 4 times of
    80 (locals, calls, literals): a fifth of that, since 4 is a fifth of the `SPECIFIC_SHARE` of 80."""
    usage = (("AsyncWriter", 4), ("Writer", 1))
    specific = preferences(["AsyncWriter", "Writer"], "        self.out: ", usage=usage, usage_total=5)
    generic = preferences(["AsyncWriter", "Writer"], "    if ", usage=usage, usage_total=80)
    assert specific["AsyncWriter"] == name_ranking.USAGE_BIAS
    assert generic["AsyncWriter"] == pytest.approx(name_ranking.USAGE_BIAS * 4 / (name_ranking.SPECIFIC_SHARE * 80))
    assert generic["Writer"] == pytest.approx(generic["AsyncWriter"] / 4)
    assert preferences(["AsyncWriter"], "x: ", usage=usage, usage_total=-3) == {"AsyncWriter": name_ranking.USAGE_BIAS}
