"""Fill-in-the-middle prompts: layout for KV-cache reuse, and fitting into the context window.

A `Prompt` is a tuple of parts, each either plain text or a `Special` token
named by its role (`fim_pre`, `fim_suf`, ...). The local engine tokenizes
text parts on their own and inserts special tokens by id, so a FIM token is
always exactly one token and source text that happens to spell one stays
text; the HTTP engine renders the parts to one string with the format's
token texts. Layout puts stable text first (repository snippets, the file
path) and volatile text last, and uses suffix-prefix-middle order where the
format allows, so that typing (which grows the prefix) keeps everything
before the cursor's line in llama.cpp's cache; in prefix-suffix-middle order
the suffix, which follows the cursor and so is evaluated again on every
keystroke, is held to a quarter of the window. Fitting drops context from
the far end: the prefix's start and the suffix's end are trimmed in blocks of
lines (so the cut stays put while the user types), then snippets are dropped,
lowest-ranked first (retrieval ranks them best first; the layout puts the
best nearest the cursor, so the dropped ones are the farthest), and as a last
resort text is cut by characters. Secret values are redacted from every text
part (`redact`) before layout, so no fitting decision can bring one back.
Snippets go in as files in the repository format the vocabulary knows
(`<repo_name>`, `<file_sep>`; Qwen's `<|file_sep|>`), also for a model
without FIM tokens whose vocabulary keeps them (SmolLM2), else as `# path`
comment blocks. `Style` holds the layout choices `bench/context_use.py`
compares on the real model (how many snippets, how many lines, where a
prefix-only prompt puts them, how long its local window); `STYLE` is the
best measured.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable, Sequence

from context.snippet import Snippet
from lsp_server.model.formats import FimFormat
from lsp_server.model.redact import redact
from lsp_server.model.text import clean
from lsp_server.model.types import CompletionRequest

LINE_BLOCK = 16  # trim whole blocks of lines, so the cut point moves rarely
_HASH_COMMENT = {"python", "ruby", "shellscript", "bash", "sh", "yaml", "toml", "perl", "r", "julia", "elixir"}


@dataclass(frozen=True)
class Special:
    role: str  # "fim_pre" | "fim_suf" | "fim_mid" | "fim_rep" | "fim_sep"


Part = str | Special


@dataclass(frozen=True)
class Prompt:
    parts: tuple[Part, ...]
    format: str
    order: str  # "psm" | "spm" ("psm" for prefix-only)
    stop: tuple[str, ...] = ()
    snippets_used: int = 0
    trimmed: bool = False  # something was cut to fit the context window
    budget_cut: bool = False  # cut further to what evaluates within the latency budget

    def render(self, texts: dict[str, str]) -> str:
        """One string, special tokens written as their texts (for servers that tokenize with special=True)."""
        return "".join(p if isinstance(p, str) else texts[p.role] for p in self.parts)


def comment_marker(language: str, path: str) -> str:
    lang = (language or path.rsplit(".", 1)[-1]).lower()
    return "#" if lang in _HASH_COMMENT or lang in ("py", "rb", "sh", "yml") else "//"


@dataclass(frozen=True)
class Style:
    """How repository context is laid out; `STYLE` is the default (bench/context_use.py compares others)."""

    repo_tokens: bool = True  # the vocabulary's own file tokens (<file_sep>...) even for a model without FIM
    snippets: int = 0  # at most this many snippets, the best ranked (0: all that fit)
    snippet_lines: int = 0  # each snippet cut to its first lines (0: whole)
    # A prefix-only model reads context only before the file's text: with snippets, keep this many tokens
    # of the file before the cursor, so the context is not pushed far from it (0: the whole window).
    local_tokens: int = 0
    # Where a prefix-only prompt puts the snippets: "top" (before the file, as files or comment blocks),
    # "block" (comments above the cursor's enclosing block) or "line" (comments above the cursor's line).
    placement: str = "top"


STYLE = Style()


def layout(fmt: FimFormat, order: str, snippets: Sequence[Snippet], path: str, language: str,
           prefix: str, suffix: str, repo: str = "", style: Style | None = None) -> list[Part]:
    """The parts of a prompt, stable text first; no fitting."""
    style = style or STYLE
    snippets = tuple(reversed(snippets))  # retrieval ranks best first; the best goes nearest the cursor
    texts = [_shortened(clean(s.text), style.snippet_lines) for s in snippets]
    if fmt.has("fim_sep") and (fmt.is_fim or style.repo_tokens):
        newline = "\n" if fmt.texts.get("fim_sep") == "<|file_sep|>" else ""  # Qwen ends each file with one
        # A prefix-only prompt names the repository only when it has one (FIM formats always open with it).
        context: list[Part] = [Special("fim_rep"), repo + newline] if fmt.has("fim_rep") and (
            fmt.is_fim or repo) else []
        tail = newline if fmt.is_fim else "\n"  # a file's text ends with a newline before the next file
        for s, text in zip(snippets, texts):
            context += [Special("fim_sep"), f"{s.file}\n{text}{tail}"]
        if path:
            context += [Special("fim_sep"), f"{path}\n"]
        inline = ""
    else:
        mark = comment_marker(language, path)
        inline = "".join(f"{mark} {s.file}\n{text}\n\n" for s, text in zip(snippets, texts))
        inline += f"{mark} {path}\n" if path else ""
        context = []
    if not fmt.is_fim and style.placement != "top" and snippets:
        mark = comment_marker(language, path)
        top = [Special("fim_rep"), repo] if fmt.has("fim_rep") and style.repo_tokens and repo else []
        if fmt.has("fim_sep") and style.repo_tokens:
            head = [*top, Special("fim_sep"), f"{path}\n"] if path else top
        else:
            head = [f"{mark} {path}\n" if path else ""]
        return head + [_near(prefix, snippets, texts, mark, style.placement)]
    if not fmt.is_fim:
        return context + [inline + prefix]
    if fmt.name == "codestral":
        return context + [Special("fim_suf"), suffix, Special("fim_pre"), inline + prefix]
    if order == "spm":
        return context + [Special("fim_pre"), Special("fim_suf"), suffix, Special("fim_mid"), inline + prefix]
    return context + [Special("fim_pre"), inline + prefix, Special("fim_suf"), suffix, Special("fim_mid")]


def _near(prefix: str, snippets: Sequence[Snippet], texts: Sequence[str], mark: str, placement: str) -> str:
    """`prefix` with the snippets as comments above the cursor's line or its enclosing block, at its indent."""
    start = prefix.rfind("\n") + 1  # the cursor's line
    if placement == "block":
        depth = _indent(prefix[start:]) if prefix[start:].strip() else None
        line = start
        while line > 0:
            above = prefix.rfind("\n", 0, line - 1) + 1
            text = prefix[above:line]
            if text.strip() and (depth is None or _indent(text) < depth):
                start = above
                break
            line = above
    pad = " " * _indent(prefix[start:prefix.find("\n", start) if "\n" in prefix[start:] else len(prefix)])
    block = "".join(f"{pad}{mark} {s.file}\n" + "".join(f"{pad}{mark} {line}\n" for line in text.split("\n"))
                    for s, text in zip(snippets, texts))
    return prefix[:start] + block + prefix[start:]


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _shortened(text: str, lines: int) -> str:
    if lines <= 0:
        return text
    kept = text.split("\n")
    return text if len(kept) <= lines else "\n".join(kept[:lines])


def build_prompt(request: CompletionRequest, fmt: FimFormat, *, order: str = "auto", budget: int,
                 count: Callable[[str], int], style: Style | None = None) -> Prompt:
    """The prompt for `request` in `fmt`, at most `budget` tokens as measured by `count`."""
    order, style = fmt.order(order), style or STYLE
    prefix, suffix = redact(clean(request.prefix)), redact(clean(request.suffix)) if fmt.is_fim else ""
    chosen = request.snippets[: style.snippets] if style.snippets > 0 else request.snippets
    snippets = [dataclasses.replace(s, text=redact(s.text)) for s in chosen]
    path, language, repo = clean(request.path), request.language, clean(request.repo)
    if style.local_tokens > 0 and snippets and not fmt.is_fim:
        prefix = keep_tail(prefix, style.local_tokens, count)  # in blocks of lines: stays put while typing

    def size() -> int:
        parts = layout(fmt, order, snippets, path, language, prefix, suffix, repo, style)
        return sum(1 if isinstance(p, Special) else count(p) for p in parts)

    if order == "psm" and fmt.is_fim:
        # After the cursor in PSM order, so evaluated again on every keystroke: keep it to a quarter.
        capped = keep_head(suffix, budget // 4, count)
        trimmed_suffix, suffix = capped != suffix, capped
    else:
        trimmed_suffix = False
    trimmed = size() > budget or trimmed_suffix
    if size() > budget:
        whole_prefix = prefix
        suffix = keep_head(suffix, budget // 4, count)
        prefix = keep_tail(whole_prefix, budget // 2, count)  # leaves room for snippets
        while snippets and size() > budget:
            snippets.pop()  # the lowest-ranked, placed farthest from the cursor
        room = budget - (size() - count(prefix))  # then the prefix takes what is left
        prefix = keep_tail(whole_prefix, max(0, room), count)
        overflow = size() - budget
        if overflow > 0:
            suffix = keep_head(suffix, max(0, count(suffix) - overflow), count)
        if size() > budget:
            path, prefix, suffix = "", _cut_chars(prefix, budget // 2, count, tail=True), ""
    parts = layout(fmt, order, snippets, path, language, prefix, suffix, repo, style)
    return Prompt(tuple(p for p in parts if p != ""), fmt.name, order, fmt.stop, len(snippets), trimmed)


def keep_tail(text: str, max_tokens: int, count: Callable[[str], int]) -> str:
    """The longest tail of `text` within `max_tokens`, starting at a block boundary of lines."""
    if count(text) <= max_tokens:
        return text
    lines = text.splitlines(keepends=True)
    starts = list(range(LINE_BLOCK, len(lines), LINE_BLOCK))  # tails shrink along this list
    lo, hi = 0, len(starts)
    while lo < hi:
        mid = (lo + hi) // 2
        if count("".join(lines[starts[mid]:])) <= max_tokens:
            hi = mid
        else:
            lo = mid + 1
    if lo < len(starts):
        return "".join(lines[starts[lo]:])
    return _cut_chars(text, max_tokens, count, tail=True)


def keep_head(text: str, max_tokens: int, count: Callable[[str], int]) -> str:
    """The longest head of `text` within `max_tokens`, ending at a block boundary of lines."""
    if count(text) <= max_tokens:
        return text
    lines = text.splitlines(keepends=True)
    ends = list(range(LINE_BLOCK, len(lines), LINE_BLOCK))  # heads grow along this list
    lo, hi = 0, len(ends)  # find the number of ends that fit
    while lo < hi:
        mid = (lo + hi) // 2
        if count("".join(lines[: ends[mid]])) <= max_tokens:
            lo = mid + 1
        else:
            hi = mid
    if lo > 0:
        return "".join(lines[: ends[lo - 1]])
    return _cut_chars(text, max_tokens, count, tail=False)


def _cut_chars(text: str, max_tokens: int, count: Callable[[str], int], *, tail: bool) -> str:
    """Cut by characters (one enormous line): shrink until it fits."""
    keep = min(len(text), max(0, max_tokens) * 3)
    while keep > 0:
        piece = text[-keep:] if tail else text[:keep]
        if count(piece) <= max_tokens:
            return piece
        keep = keep * 3 // 4
    return ""
