"""Chat prompts and answers for "Explain this error", shared by the server and `coder-lsp explain`.

When the tools know the answer (`grounding.ground` found the problem),
the explanation is theirs, instantly: the problem in plain words, the fix
as an exact edit, and what the tool reported. Otherwise the model is asked,
with the facts: the message and its source, a numbered excerpt of the code
(short on purpose: small chat models answer better about 25 lines than a
whole file) and the signatures of the names involved. Its answer is shown
only if it is not degenerate: a reply cut off or looping, or one that
mentions nothing from the error line or message, gives way to the grounded
facts ("The model could not explain this; the parser reports: ...").
"""

from __future__ import annotations

import keyword
import re

from lsp_server import positions
from lsp_server.assist.changes import Finding
from lsp_server.model.types import ChatMessage

EXCERPT_RADIUS = 12
MIN_REPLY_CHARS = 20
SYSTEM = (
    "You are an expert programmer helping a colleague. Explain compiler, type-checker "
    "and linter errors briefly and concretely: what the error means here, why this code "
    "causes it, and how to fix it. Answer in Markdown, in at most a few short paragraphs."
)
# What a reply may say instead of the symbol a message quotes.
SYNONYMS = {":": "colon", ",": "comma", "(": "parenthes", ")": "parenthes", "[": "bracket", "]": "bracket",
            "{": "brace", "}": "brace", "==": "compar", "=": "assign", "indent": "indent", ";": "semicolon"}
GENERIC = frozenset({"error", "invalid", "syntax", "this", "that", "line", "code", "with", "from", "file",
                     "self", "return", "none", "true", "false", "expected", "type", "name"})


def excerpt(text: str, line: int, radius: int = EXCERPT_RADIUS) -> str:
    """Lines around `line` (0-based), numbered from 1, the error line marked with >>."""
    lines = [line.rstrip("\r\n") for line in positions.lines_with_ends(text)]  # LSP's lines: `line` is the client's
    start, end = max(0, line - radius), min(len(lines), line + radius + 1)
    width = len(str(end))
    return "\n".join(
        f"{'>>' if number == line else '  '} {number + 1:>{width}} | {lines[number]}"
        for number in range(start, end)
    )


def explain_messages(*, path: str, language: str, text: str, line: int, message: str, source: str = "",
                     facts: tuple[str, ...] = ()) -> list[ChatMessage]:
    """The chat for one diagnostic at `line` (0-based) of `text`."""
    where = f"{path}, line {line + 1}"
    origin = f" (reported by {source})" if source else ""
    known = "".join(f"- {fact}\n" for fact in facts)
    user = (
        f"Error{origin} at {where}:\n\n    {message.strip()}\n\n"
        + (f"What the tools know:\n{known}\n" if known else "")
        + f"Code (the error line is marked with >>):\n\n```{language}\n{excerpt(text, line)}\n```\n\n"
        "Explain this error."
    )
    return [ChatMessage("system", SYSTEM), ChatMessage("user", user)]


def _heading(message: str, path: str, line: int) -> str:
    heading = message.strip().splitlines()[0] if message.strip() else "Error"
    return f"### {heading}\n\n`{path}:{line + 1}`\n\n"


def grounded_markdown(finding: Finding, text: str, *, message: str, path: str, line: int) -> str:
    """The tools' own explanation: the problem, the exact fix, and what they reported."""
    parts = [finding.problem]
    if finding.change is not None:
        parts.append(f"**Fix:** {finding.fix_title}.\n\n{_before_after(text, finding)}")
    parts += [f"- {fact}" for fact in finding.facts]
    return _heading(message, path, line) + "\n\n".join(parts) + "\n"


def _before_after(text: str, finding: Finding) -> str:
    change = finding.change
    start = text.rfind("\n", 0, change.start) + 1
    end = text.find("\n", change.end)
    end = len(text) if end < 0 else end
    before = text[start:end]
    after = text[start : change.start] + change.new_text + text[change.end : end]
    return "```diff\n" + "\n".join([f"-{l}" for l in before.split("\n")] + [f"+{l}" for l in after.split("\n")]) + "\n```"


def usable_reply(reply: str, *, finish_reason: str, message: str, error_line: str) -> bool:
    """Whether the model's explanation may be shown: complete, not looping, and about this error."""
    body = reply.strip()
    if finish_reason in ("length", "repetition") and len(body) < 200:
        return False
    if len(body) < MIN_REPLY_CHARS:
        return False
    return mentions_problem(body, message, error_line)


def mentions_problem(reply: str, message: str, error_line: str) -> bool:
    lowered = reply.lower()
    words = {w.lower() for w in re.findall(r"[A-Za-z_]\w{2,}", f"{message} {error_line}")} - GENERIC
    if any(re.search(rf"\b{re.escape(w)}\b", lowered) for w in words):
        return True
    quoted = re.findall(r"['\"`]([^'\"`\s]{1,3})['\"`]", message)
    return any(SYNONYMS.get(q, "\0") in lowered or f"`{q}`" in reply for q in quoted)


def without_repeats(text: str) -> str:
    """The text without lines or sentences that repeat an earlier one, and without empty code blocks
    (small models circle back to the same sentence)."""
    seen: set[str] = set()
    kept = []
    for line in text.split("\n"):
        if line.strip().startswith("```"):
            kept.append(line)
            continue
        sentences = re.split(r"(?<=[.!?])\s+", line)
        fresh = [x for x in sentences if len(x.strip()) < 20 or " ".join(x.lower().split()) not in seen]
        seen.update(" ".join(x.lower().split()) for x in sentences)
        if fresh or not line.strip():
            kept.append(" ".join(fresh))
    cleaned = re.sub(r"```[^\n`]*\n\s*```\n?", "", "\n".join(kept))
    return re.sub(r"\n{3,}", "\n\n", cleaned).strip()


def _complete_paragraphs(text: str) -> str:
    """A reply cut off at the token limit, without its unfinished last paragraph."""
    paragraphs = text.split("\n\n")
    return "\n\n".join(paragraphs[:-1]).strip() if len(paragraphs) > 1 else text


def _names_what_the_tools_found(reply: str, finding: Finding | None) -> bool:
    """When the tools found the problem, the reply must name one of the names it is about."""
    terms = [t for t in re.findall(r"`([A-Za-z_]\w*)`", finding.problem) if not keyword.iskeyword(t)] if finding else []
    lowered = reply.lower()
    return not terms or any(re.search(rf"\b{re.escape(term.lower())}\b", lowered) for term in terms)


def explanation_markdown(reply: str, *, message: str, path: str, line: int, finish_reason: str = "stop",
                         error_line: str | None = None, finding: Finding | None = None) -> str:
    """The explanation as shown: the model's reply if usable (with the tools' facts under it), else the facts."""
    body = without_repeats(reply.strip())
    if finish_reason in ("length", "repetition"):
        body = _complete_paragraphs(body)
    if error_line is not None and not (usable_reply(body, finish_reason="stop", message=message, error_line=error_line)
                                       and _names_what_the_tools_found(body, finding)):
        reported = finding.problem if finding is not None else message.strip()
        facts = "".join(f"\n- {fact}" for fact in (finding.facts if finding is not None else ()))
        body = f"The model could not explain this; the tools report: {reported}{facts}"
    else:
        if finish_reason == "length":
            body += "\n\n_(cut off at the token limit)_"
        if finding is not None:
            body += "\n\n**What the tools report:** " + finding.problem + "".join(f"\n- {f}" for f in finding.facts)
    return _heading(message, path, line) + (body or "_The model gave no explanation._") + "\n"
