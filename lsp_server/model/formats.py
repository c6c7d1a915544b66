"""Fill-in-the-middle formats, and detecting which one a model file speaks.

A `FimFormat` names a model family's special tokens (by their text) and the
orders it was trained on. Detection reads the model itself, never its file
name: the GGUF `tokenizer.ggml.fim_*_token_id` keys, then llama.cpp's vocab
API (`llama_vocab_fim_pre/suf/mid/rep/sep`), then a lookup of known token
texts in the vocabulary for what llama.cpp does not report (StarCoder's
`<repo_name>`/`<file_sep>`, Codestral's `[SUFFIX]`/`[PREFIX]`). The family
is then named from the texts of the tokens found. A model with none of these
gets `NONE` (prefix-only completion), with the repository tokens its
vocabulary holds (`<file_sep>`, `<|file_sep|>`) even so: the prompt lays
snippets out as files in those.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Mapping

ROLES = ("fim_pre", "fim_suf", "fim_mid", "fim_rep", "fim_sep")


@dataclass(frozen=True)
class FimFormat:
    name: str
    texts: Mapping[str, str] = field(default_factory=dict)  # role -> token text, for rendering
    ids: Mapping[str, int] = field(default_factory=dict)  # role -> token id, when read from a model
    spm: bool = False  # trained with suffix-prefix-middle order too
    psm: bool = True  # trained with prefix-suffix-middle order
    stop: tuple[str, ...] = ()  # texts that end a completion besides end-of-generation tokens

    @property
    def is_fim(self) -> bool:
        return self.name != "none"

    def has(self, role: str) -> bool:
        return role in self.ids or role in self.texts

    def order(self, requested: str = "auto") -> str:
        """The order to lay out: "psm" or "spm"; "auto" picks spm where trained on it (better KV reuse).

        An explicit "spm" or "psm" is honoured (benchmarks compare both), except that a
        suffix-first-only format (Codestral) is always "spm".
        """
        if not self.is_fim:
            return "psm"
        if not self.psm or requested == "spm" or (requested == "auto" and self.spm):
            return "spm"
        return "psm"


NONE = FimFormat("none")
KNOWN: dict[str, FimFormat] = {
    "deepseek": FimFormat(
        "deepseek",
        {"fim_pre": "<｜fim▁begin｜>", "fim_suf": "<｜fim▁hole｜>", "fim_mid": "<｜fim▁end｜>"},
        stop=("<|EOT|>",),
    ),
    "starcoder": FimFormat(
        "starcoder",
        {"fim_pre": "<fim_prefix>", "fim_suf": "<fim_suffix>", "fim_mid": "<fim_middle>",
         "fim_rep": "<repo_name>", "fim_sep": "<file_sep>"},
        spm=True,
        stop=("<file_sep>", "<|endoftext|>"),
    ),
    "qwen": FimFormat(
        "qwen",
        {"fim_pre": "<|fim_prefix|>", "fim_suf": "<|fim_suffix|>", "fim_mid": "<|fim_middle|>",
         "fim_rep": "<|repo_name|>", "fim_sep": "<|file_sep|>"},
        stop=("<|file_sep|>", "<|endoftext|>", "<|fim_pad|>"),
    ),
    "codellama": FimFormat(
        "codellama", {"fim_pre": "▁<PRE>", "fim_suf": "▁<SUF>", "fim_mid": "▁<MID>"}, spm=True, stop=("▁<EOT>",)
    ),
    # Codestral is suffix-first only: [SUFFIX]suffix[PREFIX]prefix, and the middle follows.
    "codestral": FimFormat("codestral", {"fim_pre": "[PREFIX]", "fim_suf": "[SUFFIX]"}, spm=True, psm=False),
    "none": NONE,
}
# Token texts that name a family; the first role found wins.
_FAMILY_BY_TEXT = {
    "<｜fim▁begin｜>": "deepseek", "<fim_prefix>": "starcoder", "<|fim_prefix|>": "qwen",
    "▁<PRE>": "codellama", "<PRE>": "codellama", "[PREFIX]": "codestral", "[SUFFIX]": "codestral",
}
_GGUF_KEYS = {role: f"tokenizer.ggml.{role}_token_id" for role in ROLES}


def by_name(name: str) -> FimFormat:
    """A known format by name (settings override, OpenAI backend); unknown names raise KeyError."""
    return KNOWN[name]


def ids_from_metadata(metadata: Mapping[str, object]) -> dict[str, int]:
    """FIM token ids declared by the GGUF keys `tokenizer.ggml.fim_{pre,suf,mid,rep,sep}_token_id`."""
    found = {}
    for role, key in _GGUF_KEYS.items():
        value = metadata.get(key)
        try:
            token = int(value)  # llama-cpp-python's metadata values are strings
        except (TypeError, ValueError):
            continue
        if token >= 0:
            found[role] = token
    return found


def detect(
    metadata: Mapping[str, object],
    vocab_ids: Mapping[str, int],
    token_text: Callable[[int], str],
    lookup: Callable[[str], int | None],
) -> FimFormat:
    """The model's format from (1) GGUF keys, (2) llama.cpp's vocab API, (3) known token texts.

    `vocab_ids` holds what llama.cpp's `llama_vocab_fim_*` returned (missing or -1 = none);
    `token_text(id)` gives a token's text; `lookup(text)` gives the id of a single special token or None.
    """
    ids = {role: t for role, t in vocab_ids.items() if t is not None and t >= 0}
    ids.update(ids_from_metadata(metadata))
    family = next((_FAMILY_BY_TEXT[t] for t in map(_safe(token_text), ids.values()) if t in _FAMILY_BY_TEXT), None)
    if family is None:
        family = _family_by_lookup(lookup)
        if family is None:
            return _generic(ids, token_text) if {"fim_pre", "fim_suf", "fim_mid"} <= ids.keys() else _files_only(lookup)
    known = KNOWN[family]
    for role, text in known.texts.items():
        if role not in ids:
            token = lookup(text)
            if token is not None:
                ids[role] = token
    if not all(role in ids for role in known.texts if role in ("fim_pre", "fim_suf", "fim_mid")):
        return NONE
    return replace(known, ids={role: ids[role] for role in ROLES if role in ids})


def _files_only(lookup: Callable[[str], int | None]) -> FimFormat:
    """No FIM, but maybe a repository format its vocabulary knows (SmolLM2 keeps StarCoder's `<file_sep>`):
    prefix-only prompts then put each snippet in its own file, as the model saw repositories in training."""
    for family in ("starcoder", "qwen"):
        texts = {role: KNOWN[family].texts[role] for role in ("fim_rep", "fim_sep")}
        ids = {role: lookup(text) for role, text in texts.items()}
        if ids["fim_sep"] is not None:
            found = {role: token for role, token in ids.items() if token is not None}
            return replace(NONE, texts={role: texts[role] for role in found}, ids=found, stop=(texts["fim_sep"],))
    return NONE


def _family_by_lookup(lookup: Callable[[str], int | None]) -> str | None:
    for text, family in _FAMILY_BY_TEXT.items():
        if lookup(text) is not None:
            return family
    return None


def _generic(ids: dict[str, int], token_text: Callable[[int], str]) -> FimFormat:
    """A model whose FIM tokens llama.cpp knows but whose family we do not: plain PSM with its tokens."""
    texts = {role: _safe(token_text)(token) for role, token in ids.items() if role in ROLES}
    return FimFormat("generic", texts, ids={role: ids[role] for role in ROLES if role in ids})


def _safe(token_text: Callable[[int], str]) -> Callable[[int], str]:
    def text(token: int) -> str:
        try:
            return token_text(token)
        except Exception:  # noqa: BLE001 - a token the vocabulary cannot print has no family
            return ""

    return text
