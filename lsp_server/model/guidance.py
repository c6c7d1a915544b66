"""Context-guided decoding: nudge the model toward identifiers its repository context defines.

A small model seldom copies a name from context thousands of tokens above the
cursor, even when the right definition is there (issue 17, item 7). As
monitor-guided decoding does (Agrawal et al., NeurIPS 2023), the decoder is
told which identifiers are legal here: `snippet_names.context_names` lists
the names the snippets define (best-ranked snippet first, and the `symbol`
retrieval named first of all); `identifier_site` says whether the cursor
stands where an identifier starts (after `.`, `(`, `=`, whitespace..., or
inside a partly typed one, outside strings and comments on its line); `Guide`
then adds a bias to the logits of the tokens that spell the next bytes of
some candidate, and follows it token by token while the generation stays on a
candidate's path. It stops once the identifier is complete or the model
leaves every path, so only the identifier is ever steered. Soft, not a mask:
a strong enough preference of the model (a keyword, a literal, a name in the
file) still wins; right after `alias.`, when an import binds `alias` to a
module the snippets show (`receivers.receiver_members`), its names get the
stronger `MEMBER_BIAS`, still not a mask: the snippets may show only some of
the module, and a member they leave out must stay reachable. Matching is by
bytes against vocabulary pieces (`PieceIndex`), like token healing, so a
healed prompt's cut bytes are simply the head of every candidate. Inputs are
bounded: at most `MAX_NAMES` names of at most `MAX_NAME_BYTES` bytes, so the
per-token cost is a few dictionary look-ups.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Callable, Iterable

import numpy as np

from lsp_server.model import name_ranking
from lsp_server.model.healing import PieceIndex
from lsp_server.model.snippet_names import KEYWORDS, MAX_NAME_BYTES, MAX_NAMES, NAME

BIAS = 12.0  # logits added to a candidate's next token (tuned on bench/context_use.py's dev set)
FOLLOW_BIAS = 0.0  # once a name is begun, its rest gets at least this (0: the same bias as its start)
FINISH_BIAS = 100.0  # ... and this once the bias overrode the model's choice: a name it was led into is finished
TOP_NAMES, TOP_BONUS = 3, 0.0  # the best-ranked names' extra bias (0: rank does not matter)
MEMBER_BIAS = 24.0  # after `alias.` whose module the context shows (a hard 10,000 measured the same on the dev set)
# Where several candidates' first pieces beat the model's choice, the first LOOKAHEAD in retrieval's order (fewer where
# the latency budget says so) are spelled out; the model's score plus LOOK_BIAS times the bias chooses (name_choice.py).
LOOKAHEAD, LOOK_BIAS = 24, 2.0
LOOK_FAVOURITES = 1  # ... and the most biased beyond them, where it outranks all of those (the ranking's favourite)
_LEADING_WORD = re.compile(r"\s*([^\W\d]\w*)(?!\w)")  # a whole word at the start of a piece
_TYPED = re.compile(NAME + "$")


def identifier_site(prefix: str) -> str | None:
    """The identifier typed so far ("" at a fresh start) when the cursor stands where an identifier
    starts or continues, else None (inside a string or comment, after a digit, a quote...)."""
    line = prefix[prefix.rfind("\n") + 1:][-400:]  # bounded: only the cursor's line decides
    typed = _TYPED.search(line)
    head = line[: typed.start()] if typed else line
    if head and (head[-1].isalnum() or head[-1] in "_\"'`$@#\\)]}"):
        return None
    quotes = head.replace("\\\\", "").replace("\\\"", "").replace("\\'", "")
    if quotes.count('"') % 2 or quotes.count("'") % 2 or quotes.count("`") % 2:
        return None
    if "#" in head or "//" in head or "/*" in head:  # a comment (or a string holding one: no loss)
        return None
    return typed.group(0) if typed else ""


def guide_for(prefix: str, removed: bytes, names: Iterable[str], index: PieceIndex, members: Iterable[str] = (),
              bias: float | None = None, types: Iterable[str] = (), usage: Iterable = (),
              usage_total: int = 0) -> "Guide | None":
    """The `Guide` for a prompt whose text ends with `prefix` minus the `removed` bytes token healing
    cut off (the model retypes them first); None when the cursor is no identifier site or no name fits.
    Right after a dot, `members` (the receiver's, when it is known) get `MEMBER_BIAS`; each name also
    gets what the code around the cursor says for it (`name_ranking`: words nearby, an expected type,
    `usage`: how often the code around writes it here, of `usage_total` names written there)."""
    names, members, bias = list(names)[:MAX_NAMES], list(members)[:MAX_NAMES], BIAS if bias is None else bias
    typed = identifier_site(prefix) if (names or members) and bias > 0 else None
    if typed is None:
        return None
    after_dot = prefix[: len(prefix) - len(typed)].endswith(".")
    extra = name_ranking.preferences((*members, *names) if after_dot else names, prefix, types, usage, usage_total)
    targets: dict[bytes, float] = {}
    for group, weight in ((members if after_dot else (), max(bias, MEMBER_BIAS)), (names, bias)):
        for rank, name in enumerate(group):
            if not isinstance(name, str) or not name.startswith(typed) or name == typed:
                continue
            data = name.encode("utf-8")
            if len(data) <= MAX_NAME_BYTES:
                top = TOP_BONUS if rank < TOP_NAMES and weight < MEMBER_BIAS else 0.0  # retrieval's best few
                targets.setdefault(removed + data[len(typed.encode("utf-8")):], weight + top + extra.get(name, 0.0))
    return Guide(tuple(targets), tuple(targets.values()), index, lead=len(removed)) if targets else None


def request_guide(request, healing, index: PieceIndex, throughput=None) -> "Guide | None":
    """The `Guide` for a request healing may have cut, looking at the names `throughput` affords."""
    if not (request.names or request.members):
        return None
    removed = healing.removed if healing is not None else b""
    guide = guide_for(request.prefix + removed.decode("utf-8", "replace"), removed, request.names, index,
                      request.members, types=request.types, usage=request.usage,
                      usage_total=request.usage_total)
    if guide is not None and throughput is not None:
        guide.look_limit = throughput.look_candidates(request.latency_budget_ms, guide.look_limit)
    return guide


@dataclass
class Guide:
    """Byte strings the generation may spell next (`targets`, each with its bias), and how far it has got."""

    targets: tuple[bytes, ...]
    biases: tuple[float, ...]
    index: PieceIndex
    lead: int = 0  # bytes healing cut: past them, the model has started spelling a name
    follow: float = field(default_factory=lambda: FOLLOW_BIAS)  # the bias once it has
    done: bytes = b""
    active: bool = True
    steered: bool = False  # the bias (or the look-ahead) overrode the model's own choice on this name
    # (next-token logits, spellings) -> each one's whole log-probability (`lookahead.name_logprobs`)
    look: Callable[[np.ndarray, tuple[bytes, ...]], list[float]] | None = None
    look_limit: int = field(default_factory=lambda: LOOKAHEAD)  # candidates the look may score (under 2: none)
    looked: bool = False
    # a spelling -> its natural tokens and their pieces (`lookahead.natural_tokens`), and the rest of the
    # looked-at name's, followed while the generation does: the model then reads the name as it was trained to
    spell: Callable[[bytes], tuple[tuple[int, bytes], ...]] | None = None
    plan: tuple[tuple[int, bytes], ...] = ()

    def boosted(self) -> tuple[np.ndarray, np.ndarray]:
        """Token ids whose piece is a non-empty prefix of what some live target still needs, and their bias
        (the largest of the targets they serve); `_boost_set` remembers them across tokens and keystrokes.
        Once the look has chosen a name, only its natural next token (`plan`), while the generation follows it."""
        started = len(self.done) > self.lead
        follow = max(self.follow, FINISH_BIAS if self.steered else 0.0) if started else 0.0
        if self.plan:
            return np.array([self.plan[0][0]], dtype=np.int64), np.array([max(self.biases[0], follow)], dtype=np.float32)
        # Inside the bytes healing cut, only a token that covers all of them is steered: boosting a
        # shorter one (one space of an indent) would spell the indent in odd pieces the model never saw.
        return _boost_set(self.index, self.done, self.targets, self.biases, follow, self.lead - len(self.done))

    def yields_to(self, piece: bytes) -> bool:
        """Whether the model's own next piece is a keyword (`lambda`, `not`, `None`...) where no name has
        begun yet: a language's own word is never a guess at a repository name, so it is not overridden."""
        if len(self.done) > self.lead:
            return False
        word = _LEADING_WORD.match((self.done + piece)[self.lead:].decode("utf-8", "replace"))
        return word is not None and word.group(1) in KEYWORDS

    def pick(self, logits: np.ndarray, chosen: int) -> int:
        """The greedy choice: the best boosted token if its logit plus its bias beats `chosen`'s.
        At the name's first token, when several candidates would, the `look`-ahead chooses one."""
        if self.look is not None and not self.looked and self.look_limit > 1 and len(self.done) <= self.lead:
            logits = np.array(logits, dtype=np.float32)  # a copy: the look-ahead's decoding overwrites llama.cpp's
            self._look_ahead(logits, chosen)
        ids, bias = self.boosted()
        if not len(ids):
            return chosen
        scores = logits[ids] + bias
        best = int(scores.argmax())
        if scores[best] <= logits[chosen]:
            return chosen
        self.steered = self.steered or int(ids[best]) != chosen
        return int(ids[best])

    def _look_ahead(self, logits: np.ndarray, chosen: int) -> None:
        """Keep only the candidate whose whole spelling plus its bias the model scores best, of the first
        `look_limit` in retrieval's order whose best first piece of the name plus bias beats the model's own
        choice (when two or more do) and the `_favourites` past them. Where the model only retypes bytes healing
        cut (a `[`, an indent), or no token spells them and a name's first byte, no first piece is chosen here:
        the first `look_limit` are spelled out from here, cut and all, as the tokenizer spells them (` name`
        after an indent's last space)."""
        cut = self.targets[0][len(self.done):self.lead]  # every target starts with the cut bytes
        firsts = [self.index.prefixes_of(target[len(self.done):], len(cut) + 1) for target in self.targets]
        retyping = bool(cut) and (chosen in self.index.prefixes_of(cut) or not any(firsts))
        self.looked = True
        contenders = [i for i, ids in enumerate(firsts)  # in retrieval's order: its first hold the name most often
                      if retyping or (ids and float(logits[ids].max()) + self.biases[i] > float(logits[chosen]))]
        contenders = contenders[: self.look_limit] + _favourites(contenders, self.biases, self.look_limit)
        if len(contenders) < 2:
            return
        scores = self.look(logits, tuple(self.targets[i][len(self.done):] for i in contenders))
        totals = [score + LOOK_BIAS * self.biases[i] for score, i in zip(scores, contenders)]
        if max(totals) > float("-inf"):
            best = contenders[int(np.argmax(totals))]
            self.targets, self.biases = (self.targets[best],), (self.biases[best],)
            self.plan = self.spell(self.targets[0][len(self.done):]) if self.spell is not None else ()
            self.steered = self.steered or not retyping  # chosen over the model's first piece: finished as the bias'

    def boost(self, logits: np.ndarray) -> None:
        """Add the bias in place (for a sampler that reads the logits after this)."""
        ids, bias = self.boosted()
        logits[ids] += bias

    def advance(self, piece: bytes) -> None:
        """Follow the chosen token: stay while some target continues it, stop once one is complete."""
        self.done += piece
        self.plan = self.plan[1:] if self.plan and self.plan[0][1] == piece else ()
        live = False
        for target in self.targets:
            if self.done.startswith(target):  # a whole candidate spelled: the identifier is complete
                self.active = False
                return
            live = live or target.startswith(self.done)
        self.active = live


def _favourites(contenders: list[int], biases: tuple[float, ...], limit: int) -> list[int]:
    """Of the `contenders` past the first `limit`, the `LOOK_FAVOURITES` most biased that outrank every one
    of those: retrieval's order must not leave out the name the code around favours most (`name_ranking`)."""
    first, rest = contenders[:limit], contenders[limit:]
    if not first or not rest or LOOK_FAVOURITES <= 0:
        return []
    top = max(biases[i] for i in first)
    return sorted((i for i in rest if biases[i] > top), key=lambda i: -biases[i])[:LOOK_FAVOURITES]


@functools.lru_cache(maxsize=64)  # the next keystroke asks again for the same names, mostly
def _boost_set(index: PieceIndex, done: bytes, targets: tuple[bytes, ...], biases: tuple[float, ...],
               follow: float, shortest: int = 1) -> tuple[np.ndarray, np.ndarray]:
    best: dict[int, float] = {}
    for target, bias in zip(targets, biases):
        if target.startswith(done) and len(target) > len(done):
            bias = max(bias, follow)
            for token in index.prefixes_of(target[len(done):], shortest):
                best[token] = max(bias, best.get(token, bias))
    return (np.fromiter(best, dtype=np.int64, count=len(best)),
            np.fromiter(best.values(), dtype=np.float32, count=len(best)))
